"""The compiler refuses bad curated data with file:line:column and a reason, collecting all problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from npkg.build.compile import compile_project
from npkg.errors import DataError

from .conftest import copy_sources


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sources(tmp_path / "p")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    with pytest.raises(DataError) as exc:
        compile_project(root)
    return exc.value.problems


def test_unknown_reference_suggests_close_names(project: Path) -> None:
    _edit(project / "data" / "findings.tsv", "\tPostherpeticNeuralgia\t", "\tPostherpeticNeuralgie\t")
    problems = _problems(project)
    assert any("data/findings.tsv:" in p and "'PostherpeticNeuralgie' is not declared" in p and "PostherpeticNeuralgia" in p
               for p in problems)


def test_wrong_kind_of_reference(project: Path) -> None:
    _edit(project / "data" / "findings.tsv", "\tPostherpeticNeuralgia\t", "\tamitriptyline\t")
    assert any("'amitriptyline' is a drug, expected class" in p for p in _problems(project))


def test_all_problems_are_reported_together(project: Path) -> None:
    _edit(project / "data" / "findings.tsv", "\tPostherpeticNeuralgia\t", "\tNope1\t")
    _edit(project / "data" / "recommendations.tsv", "\tstrong\t", "\tverystrong\t")
    problems = _problems(project)
    assert any("Nope1" in p for p in problems) and any("verystrong" in p for p in problems)


def test_non_exact_mapping_without_justification(project: Path) -> None:
    _edit(project / "data" / "xrefs.tsv", "MeSH has no base-drug descriptor; this is the hydrochloride salt", "")
    assert any("a non-exact mapping must say why" in p for p in _problems(project))


def test_bad_curie_in_xrefs(project: Path) -> None:
    _edit(project / "data" / "xrefs.tsv", "\tCHEBI:2666\t", "\tchebi:2666\t")
    assert any("not in canonical form; write 'CHEBI:2666'" in p for p in _problems(project))


def test_drug_without_a_sourced_class(project: Path) -> None:
    lines = (project / "data" / "drug_classes.tsv").read_text().splitlines()
    kept = [ln for ln in lines if not ln.startswith("milnacipran\t")]
    (project / "data" / "drug_classes.tsv").write_text("\n".join(kept) + "\n")
    assert any("drug 'milnacipran' has no sourced class" in p for p in _problems(project))
