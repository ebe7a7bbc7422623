"""Curated data, record by record, against the verified identifier references."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import ROOT, SHARED

REFERENCE = SHARED / "reference" / "ids.tsv"
EXTRA = ROOT / "data" / "verified-ids.tsv"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _verified() -> dict[str, set[str]]:
    if not REFERENCE.is_file():
        pytest.fail(f"{REFERENCE} is missing: the verified identifier reference must be present")
    out: dict[str, set[str]] = {}
    for path in (REFERENCE, EXTRA):
        for r in _rows(path):
            if r["status"] == "verified":
                out.setdefault(r["curie"], set()).add(r["label_in_source"])
    return out


XREFS = _rows(ROOT / "data" / "xrefs.tsv")


@pytest.mark.parametrize("row", XREFS, ids=[f"{r['subject']}->{r['object']}" for r in XREFS])
def test_every_xref_is_a_verified_identifier_with_its_label(row: dict[str, str]) -> None:
    verified = _verified()
    assert row["object"] in verified, f"{row['object']} is not in shared/reference/ids.tsv or data/verified-ids.tsv"
    assert row["object_label"] in verified[row["object"]], (
        f"{row['object']}: label {row['object_label']!r} differs from the verified label(s) {verified[row['object']]}")


def test_no_unverified_reference_row_is_used() -> None:
    unverified = {r["curie"] for r in _rows(REFERENCE) if r["status"] != "verified"}
    assert not unverified & {r["object"] for r in XREFS}


def test_known_pitfalls_are_avoided() -> None:
    """ids-notes.md: wrong Wikidata items, wrong RxNorm CUIs, obsolete or lookalike terms."""
    objects = {(r["subject"], r["object"]) for r in XREFS}
    assert ("NPKG:amitriptyline", "WIKIDATA:Q58397") in objects
    assert not any(o == "WIKIDATA:Q58396" and s == "NPKG:amitriptyline" for s, o in objects)
    assert not any(o == "RXNORM:4477" for _, o in objects)  # wrong fluoxetine CUI seen in app code
    assert not any(o == "EFO:1000783" for _, o in objects)  # obsolete diabetic neuropathy
    assert not any(o == "MONDO:0009752" for _, o in objects)  # Mendelian 'neuropathy, painful'
    assert not any(o in ("GO:0042533", "GO:1990774") for _, o in objects)  # merged GO alt IDs
    assert ("NPKG:site-dorsal-horn", "UBERON:0002256") in objects


def test_non_exact_mappings_say_why() -> None:
    for r in XREFS:
        if r["predicate"] != "skos:exactMatch":
            assert r["justification"], f"{r['subject']} {r['predicate']} {r['object']} lacks a justification"


def test_xrefs_file_is_canonical() -> None:
    keys = [(r["subject"], r["object"]) for r in XREFS]
    assert keys == sorted(keys), "data/xrefs.tsv must be sorted by subject then object: sort it with `sort -t$'\\t' -k1,1 -k3,3`"


FINDINGS = _rows(ROOT / "data" / "findings.tsv")
SOURCES = {r["id"]: r for r in _rows(ROOT / "data" / "sources.tsv")}


@pytest.mark.parametrize("row", FINDINGS, ids=[r["id"] for r in FINDINGS])
def test_every_finding_has_a_source_location_outcome_and_consistent_ci(row: dict[str, str]) -> None:
    from decimal import Decimal

    assert row["source"] in SOURCES
    src = SOURCES[row["source"]]
    assert src["pmid"] or src["doi"] or src["seen_in"], f"{row['source']} has neither PMID nor DOI nor provenance"
    assert row["location"] and row["outcome"]
    point = Decimal(row["point"])
    if row["ci_low"]:
        assert Decimal(row["ci_low"]) <= point <= Decimal(row["ci_high"])
    if row["measure"] in ("NNT", "NNH"):
        assert point >= 1


def test_coverage_minimums_of_the_issue() -> None:
    drugs = _rows(ROOT / "data" / "drugs.tsv")
    assert len(drugs) >= 28
    assert len(FINDINGS) >= 80
    assert len({r["source"] for r in FINDINGS}) >= 12
    steps = _rows(ROOT / "data" / "mechanism_steps.tsv")
    assert len(steps) >= 12
    terms = _rows(ROOT / "data" / "terms.tsv")
    assert sum(1 for t in terms if t["type"] == "adverse-effect") >= 20


def test_findings_from_different_sources_are_kept_apart() -> None:
    """Equal values from two sources (TCA NNT 3.6 in Saarto 2007 and Finnerup 2015) stay two findings."""
    tca_36 = {r["source"] for r in FINDINGS if r["intervention"] == "TricyclicAntidepressant" and r["point"] in ("3.6", "3.60")}
    assert {"source-saarto2007", "source-finnerup2015"} <= tca_36
