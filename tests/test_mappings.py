"""The SSSOM mapping set: valid for sssom-py, and the same mappings as the release's SKOS triples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from npkg import prefixes, vocab
from npkg.errors import DataError
from npkg.mappings import (
    JUSTIFICATION,
    LICENSE,
    MAPPING_SET_ID,
    SSSOM_FILE,
    Xref,
    read_xrefs,
    render_sssom,
    skos_mappings,
)
from tests.conftest import NEUROPATHIC_PAIN_HP

NEUROPATHIC_PAIN = "NPKG:NeuropathicPain"


@pytest.fixture(scope="module")
def sssom_path(release: Path) -> Path:
    return release / SSSOM_FILE


@pytest.fixture(scope="module")
def msdf(sssom_path: Path):  # type: ignore[no-untyped-def]
    from sssom.parsers import parse_sssom_table

    return parse_sssom_table(str(sssom_path))


def test_sssom_py_validates_the_mapping_set(msdf) -> None:  # type: ignore[no-untyped-def]
    from sssom.validators import validate

    reports = validate(msdf, fail_on_error=False)
    assert all(not r.results for r in reports.values()), {k: r.results for k, r in reports.items()}


def test_sssom_cli_validate_exits_zero(sssom_path: Path) -> None:
    exe = Path(sys.executable).with_name("sssom")
    proc = subprocess.run([str(exe), "validate", str(sssom_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_metadata(msdf, built: Path) -> None:  # type: ignore[no-untyped-def]
    date = json.loads((built / "ontology" / "release.json").read_text())["date"]
    assert msdf.metadata["mapping_set_id"] == MAPPING_SET_ID
    assert msdf.metadata["license"] == LICENSE
    assert msdf.metadata["mapping_set_version"] == date


def test_curie_map_expands_like_npkg(msdf) -> None:  # type: ignore[no-untyped-def]
    """sssom-py keeps npkg's prefix map: every CURIE expands to the IRI the graph uses."""
    for curie in set(msdf.df["subject_id"]) | set(msdf.df["object_id"]):
        assert msdf.converter.expand(curie) == prefixes.expand(curie), curie


def test_every_skos_triple_is_a_row_and_every_row_a_triple(msdf, release: Path) -> None:  # type: ignore[no-untyped-def]
    triples = list(parse(path=str(release / "npkg.nt"), format=RdfFormat.N_TRIPLES))
    in_graph = skos_mappings(triples)
    rows = {(r.subject_id, r.predicate_id, r.object_id) for r in msdf.df.itertuples()}
    assert len(rows) == len(msdf.df), "duplicate rows in the SSSOM file"
    assert in_graph - rows == set(), "SKOS mapping triples missing from the SSSOM file"
    assert rows - in_graph == set(), "SSSOM rows without a SKOS triple in the release"
    assert len(rows) == len(read_xrefs(release.parents[1]))


def test_rows_carry_labels_justification_and_reason(msdf, kg, built: Path) -> None:  # type: ignore[no-untyped-def]
    source = {(x.subject_id, x.object_id): x for x in read_xrefs(built)}
    for r in msdf.df.itertuples():
        x = source[(r.subject_id, r.object_id)]
        assert r.subject_label == kg.label(r.subject_id)
        assert r.mapping_justification == JUSTIFICATION
        assert (r.object_label or "") == x.object_label
        assert (r.comment or "") == x.justification
        if r.predicate_id != "skos:exactMatch":
            assert r.comment, f"{r.subject_id} {r.predicate_id} {r.object_id}: a non-exact mapping needs a reason"


def test_known_row(msdf) -> None:  # type: ignore[no-untyped-def]
    row = msdf.df[(msdf.df.subject_id == NEUROPATHIC_PAIN) & (msdf.df.object_id == NEUROPATHIC_PAIN_HP)]
    assert row.predicate_id.tolist() == ["skos:exactMatch"]
    assert row.object_label.tolist() == ["Neuropathic pain"]


def test_release_manifest_lists_the_sssom_file(release: Path, sssom_path: Path) -> None:
    import hashlib

    sums = dict(line.split("  ")[::-1] for line in (release / "SHA256SUMS").read_text().splitlines())
    assert sums[SSSOM_FILE] == hashlib.sha256(sssom_path.read_bytes()).hexdigest()


def test_cli_sssom_matches_the_release(built: Path, sssom_path: Path) -> None:
    """`npkg sssom` (no build) and the build produce the same bytes from the same table."""
    proc = subprocess.run([sys.executable, "-m", "npkg.cli", "sssom", "--root", str(built)],
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == sssom_path.read_bytes()


def _xref(**kw: str) -> Xref:
    base = dict(subject_id="NPKG:a", predicate_id="skos:exactMatch", object_id="CHEBI:1", object_label="x",
                justification="", evidence="seen", where="data/xrefs.tsv:2")
    base.update(kw)
    return Xref(**base)


def test_render_is_sorted_and_deterministic() -> None:
    rows = [_xref(subject_id="NPKG:b"), _xref(subject_id="NPKG:a", object_id="MESH:D1")]
    labels = {"NPKG:a": "a", "NPKG:b": "b"}
    one = render_sssom(rows, labels, "2026-01-01")
    assert one == render_sssom(list(reversed(rows)), labels, "2026-01-01")
    body = [line for line in one.splitlines() if not line.startswith("#")]
    assert [line.split("\t")[0] for line in body[1:]] == ["NPKG:a", "NPKG:b"]
    assert "#   MESH: " in one and "#   UBERON: " not in one  # curie_map lists the prefixes used, only


def test_render_refuses_a_tab_and_a_missing_label() -> None:
    with pytest.raises(DataError, match="tab or line break"):
        render_sssom([_xref(justification="a\tb")], {"NPKG:a": "a"}, "2026-01-01")
    with pytest.raises(DataError, match="no rdfs:label for mapping subject NPKG:a"):
        render_sssom([_xref()], {}, "2026-01-01")


def test_mapping_predicates_are_the_skos_ones() -> None:
    assert set(vocab.MAPPING_PREDICATES) == {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch",
                                             "skos:narrowMatch", "skos:relatedMatch"}
