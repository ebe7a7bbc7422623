"""The federation examples in queries/federation/ join npkg to Wikidata and UniProt as written.

The public endpoints are never contacted: a local ``oxigraph serve`` on 127.0.0.1 stands in for them,
holding a tiny TEST SAMPLE (labels and mnemonics made up here, not copied from Wikidata or UniProt) about
a few Wikidata / UniProt IRIs that the npkg release maps to. Each example runs on a plain pyoxigraph
Store loaded with the release (pyoxigraph executes SERVICE) after its one SERVICE IRI is replaced by the
local endpoint URL, so what is tested is the join: npkg side, mapping, remote pattern. npkg's own
embedded store must keep refusing the examples, since it refuses SERVICE on purpose.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

import npkg
from npkg.errors import UsageError

from .conftest import ROOT
from .servers import Server, start_oxigraph

FEDERATION = ROOT / "queries" / "federation"
DOC = ROOT / "docs" / "federation.md"
WIKIDATA_QUERY = FEDERATION / "wikidata-drug-labels.rq"
UNIPROT_QUERY = FEDERATION / "uniprot-target-mnemonics.rq"
WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
UNIPROT_ENDPOINT = "https://sparql.uniprot.org/sparql"

NPKG = "https://w3id.org/npkg/"
WD = "http://www.wikidata.org/entity/"
UNIPROT = "http://purl.uniprot.org/uniprot/"

#: npkg drug -> the Wikidata item the npkg release maps it to with skos:exactMatch
WIKIDATA_ITEMS = {"amitriptyline": "Q58397", "duloxetine": "Q411932", "gabapentin": "Q410352"}
#: npkg molecular target -> the UniProtKB entry the npkg release maps it to with skos:exactMatch
UNIPROT_ENTRIES = {"target-net": "P23975", "target-sert": "P31645", "target-mu-opioid-receptor": "P35372"}
#: a Wikidata IRI that no npkg drug maps to (made up for the test): its label must not join anything
UNMAPPED_ITEM = "Q999999999999"


def sample_label(drug: str) -> str:
    return f"TEST SAMPLE label for {drug}"


def sample_mnemonic(target: str) -> str:
    return f"TEST_SAMPLE_{target.upper().replace('-', '_')}"


def sample_ntriples() -> str:
    """The stand-in endpoint's whole content: a made-up test sample, not Wikidata or UniProt data."""
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    mnemonic = "<http://purl.uniprot.org/core/mnemonic>"
    lines = ["# TEST SAMPLE for tests/test_federation.py: every literal below is made up for the test."]
    for drug, q in WIKIDATA_ITEMS.items():
        lines.append(f'<{WD}{q}> {label} "{sample_label(drug)}"@en .')
        # a non-English label the example's language filter must drop
        lines.append(f'<{WD}{q}> {label} "TEST SAMPLE étiquette pour {drug}"@fr .')
    lines.append(f'<{WD}{UNMAPPED_ITEM}> {label} "TEST SAMPLE label of an item npkg does not map"@en .')
    for target, acc in UNIPROT_ENTRIES.items():
        lines.append(f'<{UNIPROT}{acc}> {mnemonic} "{sample_mnemonic(target)}" .')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def sample_endpoint() -> Iterator[Server]:
    workdir = Path(tempfile.mkdtemp(prefix="npkg-federation-"))
    sample = workdir / "sample.nt"
    sample.write_text(sample_ntriples(), encoding="utf-8")
    server = start_oxigraph(workdir, load=sample)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def release_store(release: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(release / "npkg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


def run_against(store: ox.Store, query: Path, public: str, local: str) -> list[dict[str, str]]:
    text = query.read_text(encoding="utf-8")
    assert text.count(f"<{public}>") == 1
    solutions = store.query(text.replace(f"<{public}>", f"<{local}>"))
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def test_examples_name_exactly_the_public_endpoints() -> None:
    assert sorted(p.name for p in FEDERATION.glob("*.rq")) == sorted([WIKIDATA_QUERY.name, UNIPROT_QUERY.name])
    for query, endpoint in ((WIKIDATA_QUERY, WIKIDATA_ENDPOINT), (UNIPROT_QUERY, UNIPROT_ENDPOINT)):
        text = query.read_text(encoding="utf-8")
        services = [line.split("<", 1)[1].split(">", 1)[0] for line in text.splitlines() if line.strip().startswith("SERVICE")]
        assert services == [endpoint], query.name
        assert f"# name: {query.stem}" in text


def test_doc_shows_the_example_files_verbatim() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```sparql\n")[1:]]
    assert blocks == [WIKIDATA_QUERY.read_text(encoding="utf-8"), UNIPROT_QUERY.read_text(encoding="utf-8")]


def test_examples_are_not_in_the_named_query_catalog() -> None:
    from npkg import catalog

    names = set(catalog.catalog(ROOT / "queries"))
    assert names
    assert not names & {WIKIDATA_QUERY.stem, UNIPROT_QUERY.stem}


def test_sample_iris_are_mapped_in_the_release(release_store: ox.Store) -> None:
    exact = ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")
    for drug, q in WIKIDATA_ITEMS.items():
        assert list(release_store.quads_for_pattern(ox.NamedNode(NPKG + drug), exact, ox.NamedNode(WD + q)))
    for target, acc in UNIPROT_ENTRIES.items():
        assert list(release_store.quads_for_pattern(ox.NamedNode(NPKG + target), exact, ox.NamedNode(UNIPROT + acc)))


def test_wikidata_example_joins_drugs_to_sample_labels(release_store: ox.Store, sample_endpoint: Server) -> None:
    rows = run_against(release_store, WIKIDATA_QUERY, WIKIDATA_ENDPOINT, sample_endpoint.query_url)
    got = sorted((r["drug"], r["drugLabel"], r["wikidata"], r["wikidataLabel"]) for r in rows)
    assert got == sorted((NPKG + drug, drug, WD + q, sample_label(drug)) for drug, q in WIKIDATA_ITEMS.items())


def test_uniprot_example_joins_targets_to_sample_mnemonics(release_store: ox.Store, sample_endpoint: Server) -> None:
    rows = run_against(release_store, UNIPROT_QUERY, UNIPROT_ENDPOINT, sample_endpoint.query_url)
    got = {r["target"]: (r["protein"], r["mnemonic"]) for r in rows}
    assert len(rows) == len(UNIPROT_ENTRIES)
    assert got == {NPKG + t: (UNIPROT + acc, sample_mnemonic(t)) for t, acc in UNIPROT_ENTRIES.items()}
    labels = {r["target"]: r["targetLabel"] for r in rows}
    assert labels[NPKG + "target-net"] == "noradrenaline transporter"


@pytest.mark.parametrize("query", [WIKIDATA_QUERY, UNIPROT_QUERY], ids=lambda p: p.stem)
def test_embedded_store_refuses_the_examples(release: Path, query: Path) -> None:
    kg = npkg.open(release=release / "npkg.nt")
    with pytest.raises(UsageError, match="SERVICE"):
        kg.sparql(query.read_text(encoding="utf-8"))
