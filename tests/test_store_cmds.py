"""`npkg load` builds an on-disk store that answers every named query like the in-memory store,
is only ever read by queries, and refuses to overwrite data it did not create."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from npkg import catalog
from npkg.cli import main
from tests.conftest import POSTHERPETIC_NEURALGIA

from .test_backends import group_concat_columns

EFFICACY_CLI = ["query", "efficacy-by-condition", "-p", f"condition={POSTHERPETIC_NEURALGIA}", "-p", "measure=NNT",
                "-f", "tsv"]


@pytest.fixture(scope="module")
def disk_store(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("store") / "npkg-store"
    assert main(["load", "--store", str(target), "--release", str(release / "npkg.nt")]) == 0
    return target


def _variants() -> list[tuple[str, dict[str, str]]]:
    out = []
    for nq in catalog.catalog().values():
        out.append((nq.name, {p.name: p.example for p in nq.params if p.required}))
        if any(not p.required for p in nq.params):
            out.append((nq.name, {p.name: p.example for p in nq.params}))
    return out




def _canonical(sparql_json: dict[str, Any], query_text: str) -> tuple[list[str], list[str]]:
    """Head and rows as sorted JSON strings. Blank-node labels are store-specific, and SPARQL leaves the
    order inside GROUP_CONCAT unspecified (it follows storage order), so those values are compared as sets."""
    concat = group_concat_columns(query_text)
    rows = []
    for b in sparql_json["results"]["bindings"]:
        row = {}
        for k, v in b.items():
            if v["type"] == "bnode":
                v = {"type": "bnode"}
            elif concat.get(k):
                v = dict(v, value=sorted(v["value"].split(concat[k])))
            row[k] = v
        rows.append(json.dumps(row, sort_keys=True))
    return sparql_json["head"]["vars"], sorted(rows)


def _dump_hash(store_dir: Path, *, anonymous: bool = False) -> str:
    """SHA-256 of the sorted dump; ``anonymous`` hides blank-node labels, which differ between two loads."""
    from npkg.store.embedded import EmbeddedStore

    dump = EmbeddedStore(store_dir).dump_nt()
    if anonymous:
        dump = b"\n".join(sorted(re.sub(rb"_:[A-Za-z0-9]+", b"_:b", dump).splitlines()))
    return hashlib.sha256(dump).hexdigest()


def _file_hashes(store_dir: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(store_dir.iterdir())
            if f.suffix == ".sst" or f.name == "CURRENT" or f.name.startswith("MANIFEST")}


@pytest.mark.parametrize(("name", "params"), _variants(), ids=lambda v: v if isinstance(v, str) else ",".join(v) or "-")
def test_cli_on_disk_store_answers_like_memory(name: str, params: dict[str, str], disk_store: Path, kg: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--store", str(disk_store), "query", name, "-f", "json"]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    assert main(args) == 0
    on_disk = json.loads(capsys.readouterr().out)
    in_memory = kg.query(name, **params).to_sparql_json()
    text = catalog.get(name).text
    assert _canonical(on_disk, text) == _canonical(in_memory, text)


def test_store_holds_the_release_triples(disk_store: Path, kg: Any) -> None:
    from npkg.store.embedded import EmbeddedStore

    assert EmbeddedStore(disk_store).triple_count() == kg.store.triple_count()


def test_cold_cli_process_on_disk_store_matches_release(disk_store: Path, release: Path) -> None:
    cmd = [sys.executable, "-m", "npkg.cli"]
    from_disk = subprocess.run([*cmd, "--store", str(disk_store), *EFFICACY_CLI], capture_output=True, text=True)
    from_file = subprocess.run([*cmd, "--store", str(release / "npkg.nt"), *EFFICACY_CLI], capture_output=True, text=True)
    assert from_disk.returncode == 0, from_disk.stderr
    assert from_disk.stdout == from_file.stdout
    assert len(from_disk.stdout.splitlines()) > 1


def test_reads_never_change_the_store(disk_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, files_before = _dump_hash(disk_store), _file_hashes(disk_store)
    for args in (EFFICACY_CLI, ["stats", "-f", "tsv"], ["search", "amitrip"], ["show", "NPKG:amitriptyline", "-f", "tsv"]):
        assert main(["--store", str(disk_store), *args]) == 0
    proc = subprocess.run([sys.executable, "-m", "npkg.cli", "--store", str(disk_store), *EFFICACY_CLI],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # an injection attempt through a parameter is bound as a literal: no rows, no change
    assert main(["--store", str(disk_store), "query", "entity-by-label", "-p", 'text=x" } ; DROP ALL ; #']) == 0
    capsys.readouterr()
    assert _dump_hash(disk_store) == before
    assert _file_hashes(disk_store) == files_before


def test_load_with_extra_files(release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p "merged ontology triple" .\n', encoding="utf-8")
    target = tmp_path / "merged"
    assert main(["load", "--store", str(target), "--release", str(release / "npkg.nt"), "--extra", str(extra)]) == 0
    from npkg.store.embedded import EmbeddedStore

    base = EmbeddedStore(release / "npkg.nt").triple_count()
    assert EmbeddedStore(target).triple_count() == base + 1
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }", encoding="utf-8")
    capsys.readouterr()
    assert main(["--store", str(target), "sparql", str(query), "-f", "tsv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["o", "merged ontology triple"]


def test_refuses_to_overwrite_without_force(release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "s"
    nt = str(release / "npkg.nt")
    assert main(["load", "--store", str(target), "--release", nt]) == 0
    before, before_anonymous = _dump_hash(target), _dump_hash(target, anonymous=True)
    assert main(["load", "--store", str(target), "--release", nt]) == 2
    assert "--force" in capsys.readouterr().err
    assert _dump_hash(target) == before
    # the global --store spelling is accepted too; a reload gives the same triples (blank nodes renamed)
    assert main(["--store", str(target), "load", "--release", nt, "--force"]) == 0
    assert _dump_hash(target, anonymous=True) == before_anonymous


def test_force_never_deletes_a_directory_that_is_not_a_store(release: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "documents"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["load", "--store", str(target), "--release", str(release / "npkg.nt"), "--force"]) == 2
    assert "does not look like a store" in capsys.readouterr().err
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_bad_input_leaves_no_store(release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://example.org/a> <http://example.org/p> .\n", encoding="utf-8")
    target = tmp_path / "s"
    assert main(["load", "--store", str(target), "--release", str(release / "npkg.nt"), "--extra", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.nt"]  # the temporary build directory is gone too
    assert main(["load", "--store", str(target), "--extra", str(tmp_path / "missing.nt")]) == 2
    assert main(["load", "--store", str(target), "--extra", str(tmp_path / "data.csv")]) == 2
    assert main(["load"]) == 2
    capsys.readouterr()


def test_generated_scale_data_has_npkg_shape(release: Path, tmp_path: Path, kg: Any) -> None:
    """The benchmark's generated top-up is deterministic and answers npkg's own queries."""
    from npkg.scale import Generator, read_vocabulary

    vocab = read_vocabulary(release / "npkg.nt")

    def text(seed: int) -> str:
        gen = Generator(vocab, [], [], seed)
        return "".join(line for i in range(1, 51) for line in gen.unit(i))

    assert text(1) == text(1) != text(2)
    extra = tmp_path / "generated.nt"
    extra.write_text(text(1), encoding="utf-8")
    target = tmp_path / "s"
    assert main(["load", "--store", str(target), "--release", str(release / "npkg.nt"), "--extra", str(extra)]) == 0
    from npkg.api import open_graph

    big = open_graph(store=str(target))
    findings = big.query("findings")
    assert len(findings) == len(kg.query("findings")) + 150  # 3 findings per generated drug
    assert any(str(r["drugOrClass"]).startswith("NPKG:synthetic/") or "synthetic" in str(r["interventionLabel"])
               for r in findings.rows)
    members = big.query("class-members", **{"class": "NPKG:Drug"})
    assert sum(1 for r in members.rows if str(r["drugLabel"]).startswith("synthetic drug")) == 50


def test_obo_and_cellxgene_conversion() -> None:
    from npkg.scale import _cxg_lines, _obo_lines

    obo = ('format-version: 1.2\n\n[Term]\nid: HP:0000002\nname: Abnormality of body height\n'
           'def: "Deviation from the norm of \\"height\\"." [HPO:probinson]\n'
           'synonym: "Abnormality of body height" EXACT layperson []\nxref: UMLS:C4025901\n'
           'is_a: HP:0001507 ! Growth abnormality\n\n[Term]\nid: HP:0000003\nname: old\nis_obsolete: true\n\n'
           '[Typedef]\nid: part_of\n')
    lines = list(_obo_lines(obo))
    assert len(lines) == 6
    assert any('<http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://purl.obolibrary.org/obo/HP_0001507>' in x
               for x in lines)
    assert any('"Deviation from the norm of \\"height\\"."' in x for x in lines)
    cxg = {"MONDO:0000002": {"label": "child", "ancestors": {"MONDO:0000001": 1, "MONDO:0000000": 2},
                             "synonyms": ["kid"], "deprecated": False},
           "MONDO:0000009": {"label": "", "deprecated": True, "ancestors": {}}}
    lines = list(_cxg_lines(cxg))
    assert len(lines) == 4  # type, label, synonym, one direct parent as skos:broader (not the grandparent)
    assert lines[-1].endswith("<http://www.w3.org/2004/02/skos/core#broader> <http://purl.obolibrary.org/obo/MONDO_0000001> .\n")
    from pyoxigraph import RdfFormat, Store

    s = Store()
    s.load("".join(lines), format=RdfFormat.N_TRIPLES)
    assert len(s) == 4
