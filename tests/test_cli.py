from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .test_api import INJECTIONS


def npkg(release: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "npkg.cli", "--store", str(release / "npkg.nt"), *args],
                          capture_output=True, text=True, input=stdin, timeout=60)


def test_query_formats(release: Path) -> None:
    base = ["query", "efficacy-by-condition", "-p", "condition=MONDO:0041052", "-p", "measure=NNT"]
    tsv = npkg(release, *base, "-f", "tsv")
    assert tsv.returncode == 0 and tsv.stderr == ""
    lines = tsv.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["intervention", "interventionLabel", "conditionStudied"]
    js = json.loads(npkg(release, *base, "-f", "json").stdout)
    assert js["head"]["vars"][0] == "intervention" and len(js["results"]["bindings"]) == len(lines) - 1
    point = js["results"]["bindings"][0]["point"]
    assert point["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"
    rows = list(csv.reader(io.StringIO(npkg(release, *base, "-f", "csv").stdout)))
    assert len(rows) == len(lines)
    table = npkg(release, *base, "-f", "table").stdout
    assert table.splitlines()[1].startswith("----") and table.rstrip().endswith("rows)")


def test_piped_output_defaults_to_tsv(release: Path) -> None:
    out = npkg(release, "query", "recommendations").stdout
    assert "\t" in out.splitlines()[0]


def test_unknown_query_lists_the_available_ones(release: Path) -> None:
    res = npkg(release, "query", "nope")
    assert res.returncode == 2 and "available queries:" in res.stderr and "efficacy-by-condition" in res.stderr
    assert res.stdout == "" and "Traceback" not in res.stderr


@pytest.mark.parametrize("args, fragment", [
    (["-p", "colour=red"], "unknown parameter(s) colour"),
    (["-p", "measure=ten"], "'ten' is not one of NNT"),
    (["-p", "condition"], "expected KEY=VALUE"),
    (["-p", "condition=FOO:1"], "unknown prefix 'FOO'"),
    (["-p", "condition=MONDO:9999999"], "nothing in npkg maps to it"),
])
def test_bad_parameters_exit_2_with_a_named_reason(release: Path, args: list[str], fragment: str) -> None:
    res = npkg(release, "query", "efficacy-by-condition", *args)
    assert res.returncode == 2, res.stderr
    assert fragment in res.stderr and "Traceback" not in res.stderr


def test_missing_required_parameter(release: Path) -> None:
    res = npkg(release, "query", "alternatives-for-group")
    assert res.returncode == 2 and "missing required parameter group" in res.stderr


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_through_the_cli_gives_zero_rows_and_leaves_the_release_alone(release: Path, payload: str) -> None:
    digest = hashlib.sha256((release / "npkg.nt").read_bytes()).hexdigest()
    res = npkg(release, "query", "entity-by-label", "-p", f"text={payload}", "-f", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["results"]["bindings"] == []
    assert hashlib.sha256((release / "npkg.nt").read_bytes()).hexdigest() == digest


def test_sparql_from_stdin_and_file(release: Path, tmp_path: Path) -> None:
    q = "PREFIX npkg: <https://w3id.org/npkg/> SELECT (COUNT(*) AS ?n) WHERE { ?d a npkg:SSRI }"
    assert npkg(release, "sparql", "-", stdin=q).stdout.splitlines()[1] == "5"
    f = tmp_path / "q.rq"
    f.write_text(q)
    assert npkg(release, "sparql", str(f)).stdout.splitlines()[1] == "5"
    bad = npkg(release, "sparql", "-", stdin="SELECT * WHERE { ?s ?p }")
    assert bad.returncode == 1 and "query:1:" in bad.stderr
    update = npkg(release, "sparql", "-", stdin="DROP ALL")
    assert update.returncode != 0


def test_show_lists_facts_with_sources(release: Path) -> None:
    res = npkg(release, "show", "DRUGBANK:DB00476")
    assert res.returncode == 0
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" in res.stdout or "rdf:type" in res.stdout
    assert "NPKG:SNRI" in res.stdout
    missing = npkg(release, "show", "NPKG:nothing-here")
    assert missing.returncode == 2 and "not in the graph" in missing.stderr


def test_stats_reports_coverage(release: Path) -> None:
    out = dict(line.split("\t") for line in npkg(release, "stats").stdout.splitlines()[1:])
    assert int(out["drugs"]) >= 28 and int(out["findings"]) >= 80 and int(out["mechanism steps"]) >= 12
    assert int(out["adverse effects"]) >= 20 and int(out["sources cited by findings"]) >= 12


def test_queries_lists_names_and_parameters(release: Path) -> None:
    out = npkg(release, "queries").stdout
    assert "efficacy-by-condition\t" in out and "--param condition=" in out


def test_search_uses_the_label_index(release: Path) -> None:
    res = npkg(release, "search", "nortrip")
    assert res.returncode == 0 and res.stdout.startswith("NPKG:nortriptyline\t")
    assert npkg(release, "search", "zzzzzz").returncode == 1


def test_missing_release_is_a_runtime_error(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "npkg.cli", "--store", str(tmp_path / "none.nt"), "stats"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 3 and "run `npkg build`" in res.stderr


def test_read_only_commands_exit_fast_without_losing_output(release: Path, kg: object) -> None:
    """run() ends read-only commands with os._exit after flushing: every row must still arrive,
    in a pipe too, with the right exit code, and a reader that stops early is no error."""
    from npkg.api import KnowledgeGraph

    assert isinstance(kg, KnowledgeGraph)
    want = len(kg.query("findings").rows)
    full = npkg(release, "query", "findings", "-f", "tsv")
    assert full.returncode == 0 and full.stderr == ""
    assert len(full.stdout.splitlines()) == want + 1 and full.stdout.endswith("\n")
    proc = subprocess.Popen([sys.executable, "-m", "npkg.cli", "--store", str(release / "npkg.nt"), "query", "findings",
                             "-f", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, as with `| head`
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()
    assert npkg(release, "query", "no-such-query").returncode == 2
