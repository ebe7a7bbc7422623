"""Valid and invalid example files for the shapes, with the exact violations expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from npkg.errors import NpkgError
from npkg.syntax import parse_rdf_file
from npkg.validate import run_shacl

from .conftest import ROOT

HERE = Path(__file__).parent / "shapes"
SHAPES = ROOT / "shapes" / "npkg-shapes.ttl"
TBOX = parse_rdf_file(ROOT / "ontology" / "npkg-edit.ttl")


def _violations(path: Path) -> set[tuple[str, str, str]]:
    issues = run_shacl(TBOX + parse_rdf_file(path), SHAPES)
    return {(i.focus, i.path, i.message) for i in issues if i.severity == "ERROR"}


def test_valid_examples_conform() -> None:
    assert _violations(HERE / "valid-findings.ttl") == set()


@pytest.mark.parametrize("name", ["invalid-findings", "invalid-mechanism"])
def test_invalid_examples_give_exactly_the_expected_violations(name: str) -> None:
    lines = (HERE / f"{name}.expected.tsv").read_text(encoding="utf-8").splitlines()[1:]
    expected = {tuple(ln.split("\t")) for ln in lines}
    assert _violations(HERE / f"{name}.ttl") == expected


def test_a_broken_shapes_file_is_a_tool_error_not_a_data_problem(tmp_path: Path) -> None:
    bad = tmp_path / "shapes.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:targetClass [ .\n")
    with pytest.raises(NpkgError) as exc:
        run_shacl(TBOX, bad)
    assert exc.value.exit_code == 3 and "shapes file is broken" in str(exc.value)


def test_shapes_with_service_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "shapes.ttl"
    bad.write_text('@prefix sh: <http://www.w3.org/ns/shacl#> .\n<http://x/S> a sh:NodeShape ; sh:targetNode <http://x/a> ;\n'
                   '  sh:sparql [ sh:select "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }" ] .\n')
    with pytest.raises(NpkgError, match="SERVICE"):
        run_shacl(TBOX, bad)


def test_every_shape_has_name_description_and_messages() -> None:
    text = SHAPES.read_text(encoding="utf-8")
    shapes = text.count("a sh:NodeShape")
    assert text.count("sh:name") == shapes and text.count("sh:description") == shapes
    assert text.count("sh:message") == text.count("sh:severity")
