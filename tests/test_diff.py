"""npkg diff: two builds of modified copies of the sources, compared finding by finding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from npkg.build.pipeline import build
from npkg.diff import diff_releases
from tests.conftest import copy_sources

FINDING = "finding-saarto2007-01"
FINDING_CURIE = "NPKG:" + FINDING
PERIPHERAL_NEUROPATHY = "MONDO:0005244"


def edit_tsv(path: Path, row_id: str, column: str, old: str, new: str) -> None:
    """Change one cell of a curated TSV, checking the old value so the test edits what it means to."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    col = header.index(column)
    for i, line in enumerate(lines[1:], start=1):
        cells = line.split("\t")
        if cells[0] == row_id or (row_id.count("\t") and "\t".join(cells[:3]) == row_id):
            assert cells[col] == old, f"{path.name} {row_id} {column}: expected {old!r}, found {cells[col]!r}"
            cells[col] = new
            lines[i] = "\t".join(cells)
            path.write_text("\n".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"{path.name}: no row {row_id!r}")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("diff")
    old = copy_sources(base / "old")
    new = copy_sources(base / "new")
    edit_tsv(new / "data" / "findings.tsv", FINDING, "point", "3.6", "3.7")
    edit_tsv(new / "data" / "findings.tsv", FINDING, "ci_high", "4.5", "4.6")
    edit_tsv(new / "data" / "xrefs.tsv", f"NPKG:PeripheralNeuropathicPain\tskos:relatedMatch\t{PERIPHERAL_NEUROPATHY}",
             "predicate", "skos:relatedMatch", "skos:broadMatch")
    edit_tsv(new / "data" / "terms.tsv", "aekind-anticholinergic", "label", "anticholinergic effect",
             "anticholinergic adverse effect")
    build(old, reason=False)
    build(new, reason=False)
    return old / "ontology" / "release", new / "ontology" / "release"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "npkg.cli", "diff", *args], capture_output=True, text=True, timeout=300)


def test_changed_finding_values(releases: tuple[Path, Path]) -> None:
    d = diff_releases(*releases)
    assert not d.identical
    assert d.findings.added == () and d.findings.removed == ()
    changes = {(c.id, c.field): (c.old, c.new) for c in d.findings.changed}
    assert changes[(FINDING_CURIE, "NPKG:pointEstimate")] == (("3.6",), ("3.7",))
    assert changes[(FINDING_CURIE, "NPKG:ciUpper")] == (("4.5",), ("4.6",))
    assert {c.id for c in d.findings.changed} == {FINDING_CURIE}


def test_changed_mapping_and_term(releases: tuple[Path, Path]) -> None:
    d = diff_releases(*releases)
    assert [(c.subject, c.object, c.old, c.new) for c in d.mappings.changed] == [
        ("NPKG:PeripheralNeuropathicPain", PERIPHERAL_NEUROPATHY, "skos:relatedMatch", "skos:broadMatch")]
    assert d.mappings.added == () and d.mappings.removed == ()
    terms = {(c.id, c.field): (c.old, c.new) for c in d.terms.changed}
    assert terms == {("NPKG:aekind-anticholinergic", "label"):
                     (("anticholinergic effect@en",), ("anticholinergic adverse effect@en",))}


def test_identical_releases_exit_0(releases: tuple[Path, Path]) -> None:
    old, _ = releases
    res = run(str(old), str(old / "npkg.ttl"))  # a folder (its npkg.nt) against the Turtle of the same release
    assert res.returncode == 0, res.stderr
    assert res.stdout.rstrip().endswith("identical")
    assert diff_releases(old / "npkg.nt", old / "npkg.ttl").identical


def test_cli_text_report(releases: tuple[Path, Path]) -> None:
    res = run(*map(str, releases))
    assert res.returncode == 1, res.stderr
    out = res.stdout
    assert "findings: 0 added, 0 removed, 1 changed" in out
    assert f"~ {FINDING_CURIE}" in out and "NPKG:pointEstimate: 3.6 -> 3.7" in out
    assert f"~ NPKG:PeripheralNeuropathicPain {PERIPHERAL_NEUROPATHY}: skos:relatedMatch -> skos:broadMatch" in out
    assert "label: anticholinergic effect@en -> anticholinergic adverse effect@en" in out
    assert out.rstrip().endswith("different")


def test_cli_json_report(releases: tuple[Path, Path]) -> None:
    res = run(*map(str, releases), "--format", "json")
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    assert data["identical"] is False
    assert {c["field"] for c in data["findings"]["changed"]} >= {"NPKG:pointEstimate", "NPKG:ciUpper"}
    assert data["mappings"]["changed"][0]["new"] == "skos:broadMatch"


def test_added_and_removed_findings(releases: tuple[Path, Path]) -> None:
    old, new = releases
    lines = (new / "npkg.nt").read_text(encoding="utf-8").splitlines()
    renamed = [ln.replace(f"/{FINDING}>", f"/{FINDING}-renamed>") for ln in lines]
    edited = old.parent.parent / "renamed.nt"
    edited.write_text("\n".join(renamed) + "\n", encoding="utf-8")
    d = diff_releases(new / "npkg.nt", edited)
    assert d.findings.added == (FINDING_CURIE + "-renamed",) and d.findings.removed == (FINDING_CURIE,)


@pytest.mark.parametrize(("args", "fragment"), [
    (["/nonexistent/old.nt", "/nonexistent/new.nt"], "no such file"),
    (["/tmp", "/tmp"], "no npkg.nt or npkg.ttl"),
])
def test_bad_arguments_exit_2(args: list[str], fragment: str) -> None:
    res = run(*args)
    assert res.returncode == 2 and fragment in res.stderr and "Traceback" not in res.stderr
