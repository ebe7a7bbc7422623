"""`npkg export`: KGX TSV checked by kgx's own validator (in a separate venv), and JSON-LD round-trips.

kgx is never installed into the project venv (its pins conflict with linkml/sssom); a venv with
``kgx<2.7`` is created once under ~/.cache/npkg and reused. kgx 2.6 downloads the Biolink model at
import, so an offline shim points bmt at the biolink-model wheel's schema and prefix map
(see docs/kgx.md); the shim also registers the NPKG prefix, the only prefix Biolink cannot know.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from decimal import Decimal
from pathlib import Path

import pytest

from npkg.cli import main
from npkg.export import EDGE_COLUMNS, NODE_COLUMNS, write_jsonld, write_kgx

GABAPENTIN = "NPKG:gabapentin"
NEUROPATHIC_PAIN = "NPKG:NeuropathicPain"
GABAPENTIN_NNT_FINDING = "NPKG:finding-bjaed2018-04"  # NNT 6.3 (5.0 to 8.3), BJA Education 2018
KGX_PIN = "kgx<2.7"
KGX_VENV = Path.home() / ".cache" / "npkg" / "kgx-venv-2.6"

SHIM = '''\
import json, os, sys
import biolink_model, bmt.toolkit as bt
BM = list(biolink_model.__path__)[0]
SCHEMA = os.path.join(BM, "schema", "biolink_model.yaml")
_orig = bt.Toolkit.__init__
def _init(self, schema=SCHEMA, predicate_map=None, **kw):
    _orig(self, schema, predicate_map if predicate_map is not None else {"predicate mappings": []}, **kw)
bt.Toolkit.__init__ = _init
import kgx.config as kc
with open(os.path.join(BM, "prefixmaps", "biolink-model-prefix-map.json")) as fh:
    kc.jsonld_context_map["biolink"] = json.load(fh)
kc.jsonld_context_map["biolink"]["NPKG"] = "https://w3id.org/npkg/"
from kgx.cli import cli
if __name__ == "__main__":
    sys.exit(cli())
'''


def _venv_python(root: Path) -> Path:
    return root / "bin" / "python"


@pytest.fixture(scope="session")
def kgx_cmd(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The offline kgx CLI in its own venv (created on first use, network to PyPI only)."""
    py = _venv_python(KGX_VENV)
    ok = py.exists() and subprocess.run([str(py), "-c", "import kgx, biolink_model, bmt"], capture_output=True).returncode == 0
    if not ok:
        KGX_VENV.parent.mkdir(parents=True, exist_ok=True)
        venv.create(KGX_VENV, with_pip=True, clear=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-U", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", KGX_PIN], check=True)
    shim = tmp_path_factory.mktemp("kgx") / "kgx_offline.py"
    shim.write_text(SHIM)
    return [str(py), str(shim)]


def _validate(kgx_cmd: list[str], out: Path) -> tuple[int, dict[str, object], str]:
    """Run ``kgx validate``; returns exit code, the JSON report (kgx prints it on stdout or stderr) and all text."""
    proc = subprocess.run([*kgx_cmd, "validate", "-i", "tsv", str(out / "nodes.tsv"), str(out / "edges.tsv")],
                          capture_output=True, text=True, cwd=out, timeout=600)
    text = proc.stdout + "\n" + proc.stderr
    report: dict[str, object] = {}
    for stream in (proc.stdout, proc.stderr):
        start = stream.find("\n{") + 1 if not stream.startswith("{") else 0
        if stream.startswith("{") or start > 0:
            report = json.JSONDecoder().raw_decode(stream[start:])[0]
            break
    else:
        raise AssertionError(f"no JSON report from kgx validate:\n{text[-3000:]}")
    return proc.returncode, report, text


def _tsv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:]]


@pytest.fixture(scope="module")
def kgx_dir(kg, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("kgx-export")
    write_kgx(kg, out)
    return out


def test_kgx_export_is_valid_for_kgx(kgx_cmd: list[str], kgx_dir: Path) -> None:
    code, report, text = _validate(kgx_cmd, kgx_dir)
    assert (code, report) == (0, {}), text[-3000:]


def test_kgx_validator_rejects_a_broken_export(kgx_cmd: list[str], kgx_dir: Path, tmp_path: Path) -> None:
    nodes = kgx_dir.joinpath("nodes.tsv").read_text(encoding="utf-8")
    assert "\tbiolink:Drug\t" in nodes
    tmp_path.joinpath("nodes.tsv").write_text(nodes.replace("\tbiolink:Drug\t", "\tbiolink:NotARealCategory\t", 1))
    edges = kgx_dir.joinpath("edges.tsv").read_text(encoding="utf-8")
    tmp_path.joinpath("edges.tsv").write_text(edges.replace("\tknowledge_assertion\t", "\t\t", 1))
    code, report, text = _validate(kgx_cmd, tmp_path)
    assert code != 0 and "ERROR" in report
    assert "INVALID_CATEGORY" in text and "knowledge_level" in text, text[-3000:]


def test_kgx_contents_carry_figures_categories_and_provenance(kgx_dir: Path) -> None:
    nodes = {n["id"]: n for n in _tsv(kgx_dir / "nodes.tsv")}
    edges = _tsv(kgx_dir / "edges.tsv")
    assert list(nodes[GABAPENTIN]) == list(NODE_COLUMNS)
    assert nodes[GABAPENTIN]["category"] == "biolink:Drug" and nodes[NEUROPATHIC_PAIN]["category"] == "biolink:Disease"
    assert nodes["NPKG:Anticonvulsant"]["category"] == "biolink:ChemicalEntity"
    assert "CHEBI:" in nodes[GABAPENTIN]["xref"]
    nnt = next(e for e in edges if e["id"] == GABAPENTIN_NNT_FINDING)
    assert list(nnt) == list(EDGE_COLUMNS)
    assert (nnt["subject"], nnt["predicate"], nnt["object"]) == (
        GABAPENTIN, "biolink:treats_or_applied_or_studied_to_treat", NEUROPATHIC_PAIN)
    figures = tuple(Decimal(nnt[k]) for k in ("point", "ci_low", "ci_high"))
    assert (nnt["measure"], figures) == ("NNT", (Decimal("6.3"), Decimal("5.0"), Decimal("8.3")))
    assert nnt["publications"].startswith(("PMID:", "DOI:"))
    assert any(e["measure"] == "NNH" for e in edges)
    for e in edges:
        assert e["knowledge_level"] == "knowledge_assertion" and e["agent_type"] == "manual_agent", e["id"]
        assert e["primary_knowledge_source"] == "infores:npkg"
        assert e["subject"] in nodes and e["object"] in nodes, e["id"]
    assert len({e["id"] for e in edges}) == len(edges)


def test_kgx_export_is_deterministic_and_cli(release: Path, kgx_dir: Path, tmp_path: Path) -> None:
    assert main(["--store", str(release / "npkg.nt"), "export", "--format", "kgx", "-o", str(tmp_path / "k")]) == 0
    for name in ("nodes.tsv", "edges.tsv"):
        assert (tmp_path / "k" / name).read_bytes() == (kgx_dir / name).read_bytes()


def test_jsonld_export_round_trips(kg, release: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import rdflib

    out = write_jsonld(kg, tmp_path / "npkg.jsonld")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@context"]["CHEBI"] == "http://purl.obolibrary.org/obo/CHEBI_"
    g = rdflib.Graph().parse(out, format="json-ld")
    finding = rdflib.URIRef("https://w3id.org/npkg/finding-bjaed2018-04")
    point = g.value(finding, rdflib.URIRef("https://w3id.org/npkg/pointEstimate"))
    assert point is not None and point.toPython() == Decimal("6.3")
    assert (finding, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/npkg/EfficacyFinding")) in g
    assert main(["--store", str(release / "npkg.nt"), "export", "-f", "jsonld", "-o", str(tmp_path / "b.jsonld")]) == 0
    assert (tmp_path / "b.jsonld").read_bytes() == out.read_bytes()


def test_export_usage_errors(release: Path, tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["--store", str(release / "npkg.nt"), "export", "-f", "kgx", "-o", str(f)]) == 2
    assert main(["--store", str(release / "npkg.nt"), "export", "-f", "jsonld", "-o", str(tmp_path)]) == 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
