"""The release: header, formats that round-trip, determinism, reasoner materialisation."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import CanonicalizationAlgorithm, Dataset, Quad, RdfFormat, parse

FORMATS = {"ttl": "turtle", "nt": "nt", "owl": "xml", "jsonld": "json-ld"}
OX_FORMATS = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "owl": RdfFormat.RDF_XML, "jsonld": RdfFormat.JSON_LD}


@pytest.fixture(scope="module")
def reference(release: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(release / "npkg.nt", format="nt")
    return g


def _canonical(triples: object) -> Dataset:
    ds = Dataset(Quad(t.subject, t.predicate, t.object) for t in triples)  # type: ignore[attr-defined]
    ds.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return ds


@pytest.mark.parametrize("name", ["npkg", "npkg-base"])
@pytest.mark.parametrize("ext", list(FORMATS))
def test_every_format_round_trips_isomorphically(release: Path, name: str, ext: str) -> None:
    """Isomorphic through two independent parsers: pyoxigraph, and rdflib (re-serialised)."""
    expected = _canonical(parse(path=str(release / f"{name}.nt"), format=RdfFormat.N_TRIPLES))
    ours = _canonical(parse(path=str(release / f"{name}.{ext}"), format=OX_FORMATS[ext]))
    assert ours == expected
    via_rdflib = rdflib.Graph().parse(release / f"{name}.{ext}", format=FORMATS[ext]).serialize(format="nt", encoding="utf-8")
    theirs = _canonical(parse(via_rdflib, format=RdfFormat.N_TRIPLES))
    assert len(theirs) == len(expected) and theirs == expected


def test_header(reference: rdflib.Graph) -> None:
    onto = rdflib.URIRef("https://w3id.org/npkg/npkg.owl")
    OWL, DC = rdflib.OWL, rdflib.Namespace("http://purl.org/dc/terms/")
    assert (onto, rdflib.RDF.type, OWL.Ontology) in reference
    version_iri = str(reference.value(onto, OWL.versionIRI))
    assert version_iri.startswith("https://w3id.org/npkg/releases/20") and version_iri.endswith("/npkg.owl")
    assert reference.value(onto, OWL.versionInfo) is not None
    assert str(reference.value(onto, DC.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert str(reference.value(onto, DC.title)).startswith("npkg")
    assert str(reference.value(onto, rdflib.URIRef("http://purl.org/pav/createdWith"))).startswith("npkg ")


def test_owlready2_loads_the_rdf_xml(release: Path) -> None:
    import owlready2

    world = owlready2.World()
    onto = world.get_ontology((release / "npkg.owl").as_uri()).load()
    labels = {c.name for c in onto.classes()}
    assert {"NeuropathicPain", "TricyclicAntidepressant", "Finding"} <= labels


def test_reasoner_inferences_are_materialised(reference: rdflib.Graph) -> None:
    npkg = rdflib.Namespace("https://w3id.org/npkg/")
    # defined from parts (intersection with a causedBy restriction); asserted only by HermiT
    assert (npkg.CentralPostStrokePain, rdflib.RDFS.subClassOf, npkg.CentralNeuropathicPain) in reference
    assert (npkg.SpinalCordInjuryPain, rdflib.RDFS.subClassOf, npkg.CentralNeuropathicPain) in reference
    assert (npkg.HIVAssociatedNeuropathy, rdflib.RDFS.subClassOf, npkg.PeripheralNeuropathicPain) in reference


def test_rendering_is_deterministic(built: Path) -> None:
    from npkg.build.pipeline import run
    from npkg.build.release import render

    a, b = run(built, reason=False), run(built, reason=False)
    assert render(a.base, a.full) == render(b.base, b.full)


def test_sha256sums_match(release: Path) -> None:
    import hashlib

    for line in (release / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest
