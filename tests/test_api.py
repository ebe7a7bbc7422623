from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from npkg.errors import CurieError, ParameterError, UnknownQueryError

from .conftest import (
    AMITRIPTYLINE_CHEBI,
    DULOXETINE_DRUGBANK,
    NEUROPATHIC_PAIN_HP,
    POSTHERPETIC_NEURALGIA,
    SNRI,
    TCA,
)


@pytest.mark.parametrize("identifier", [
    AMITRIPTYLINE_CHEBI, "chebi:2666", "http://purl.obolibrary.org/obo/CHEBI_2666", "DRUGBANK:DB00321",
    "RXNORM:704", "ATC:N06AA09", "MESH:D000639", "amitriptyline", "AMITRIPTYLINE", "NPKG:amitriptyline",
    "https://w3id.org/npkg/amitriptyline",
])
def test_a_drug_is_found_by_any_identifier_label_or_synonym(kg: Any, identifier: str) -> None:
    assert kg.resolve(identifier) == "NPKG:amitriptyline"


def test_synonyms_and_brand_names(kg: Any) -> None:
    assert kg.resolve("Cymbalta") == "NPKG:duloxetine"
    assert kg.resolve("O-desmethylvenlafaxine") == "NPKG:desvenlafaxine"


def test_conditions_resolve_from_mondo_hp_and_mesh(kg: Any) -> None:
    assert kg.resolve(POSTHERPETIC_NEURALGIA) == "NPKG:PostherpeticNeuralgia"
    assert kg.resolve(NEUROPATHIC_PAIN_HP) == "NPKG:NeuropathicPain"
    assert kg.resolve("MESH:D051474") == "NPKG:PostherpeticNeuralgia"


def test_unknown_ids_get_a_clear_message_and_close_matches(kg: Any) -> None:
    with pytest.raises(CurieError, match=r"not in the graph.*did you mean.*NPKG:amitriptyline"):
        kg.resolve("NPKG:amitriptylin")
    with pytest.raises(CurieError, match="unknown prefix 'FOO'"):
        kg.resolve("FOO:123")
    with pytest.raises(CurieError, match="nothing in npkg maps to it"):
        kg.resolve("CHEBI:15377")
    with pytest.raises(CurieError, match="did you mean"):
        kg.resolve("amitryptiline")


def test_decimals_stay_decimals_with_their_lexical_form(kg: Any) -> None:
    rows = kg.query("findings", intervention=TCA, measure="NNT").rows
    assert rows and all(isinstance(r["point"], Decimal) for r in rows)
    assert Decimal("3.60") in {r["point"] for r in rows}


def test_release_files_keep_the_lexical_form_as_printed(release: Any) -> None:
    # Saarto & Wiffen 2010 print 3.60: the release keeps it (the store may canonicalise to 3.6)
    nt = (release / "npkg.nt").read_text(encoding="utf-8")
    assert '"3.60"^^<http://www.w3.org/2001/XMLSchema#decimal>' in nt


def test_findings_function_filters_and_types(kg: Any) -> None:
    fs = kg.findings(drug="TCA", condition="postherpetic neuralgia", measure="NNT")
    assert fs and all(f.measure == "NNT" for f in fs)
    assert {f.intervention for f in fs} <= {"NPKG:TricyclicAntidepressant", "NPKG:amitriptyline", "NPKG:nortriptyline",
                                            "NPKG:imipramine", "NPKG:desipramine", "NPKG:TertiaryAmineTCA"}


def test_drug_function(kg: Any) -> None:
    d = kg.drug(DULOXETINE_DRUGBANK)
    assert d.label == "duloxetine"
    assert SNRI in d.classes and "NPKG:Antidepressant" in d.classes
    assert "CHEBI:36795" in d.xrefs["skos:exactMatch"]
    assert "MESH:D000068736" in d.xrefs["skos:closeMatch"]  # salt form: close, not exact


def test_mechanisms_keep_negative_findings(kg: Any) -> None:
    steps = kg.mechanisms("nortriptyline")
    mu = [s for s in steps if s.targets and "mu-opioid" in s.targets and s.status == "not_supported"]
    assert mu and mu[0].species == "mouse"


def test_parameter_errors_name_the_parameter_and_expected_kind(kg: Any) -> None:
    with pytest.raises(UnknownQueryError, match=r"available queries: .*efficacy-by-condition"):
        kg.query("no-such-query")
    with pytest.raises(ParameterError, match=r"unknown parameter.*colour.*expected: condition"):
        kg.query("efficacy-by-condition", colour="red")
    with pytest.raises(ParameterError, match="missing required parameter group"):
        kg.query("alternatives-for-group")
    with pytest.raises(ParameterError, match=r"'ten' is not one of NNT"):
        kg.query("efficacy-by-condition", measure="ten")


INJECTIONS = ['x" } ; DROP ALL ; #', 'nomatch" || true || "', "') } ; CLEAR ALL ; #", "amitriptyline\" . ?s ?p ?o . #",
              "} UNION { ?entity ?p ?o }", '"""', "\\", "x\nDELETE WHERE { ?s ?p ?o }", "%22%7D", "<http://x> ?p ?o"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_are_plain_values_and_change_nothing(kg: Any, payload: str) -> None:
    before = kg.store.dump_nt()
    assert kg.query("entity-by-label", text=payload).rows == []
    with pytest.raises(CurieError):
        kg.query("efficacy-by-condition", condition=payload)
    assert kg.store.dump_nt() == before


def test_dataframe_conversion_when_pandas_is_installed(kg: Any) -> None:
    pd = pytest.importorskip("pandas")  # optional dependency: the conversion is tested where pandas exists
    df = kg.query("class-comparison").to_dataframe()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(kg.query("class-comparison").columns)


def test_sparql_json_results(kg: Any) -> None:
    js = kg.query("recommendations", intervention=TCA).to_sparql_json()
    assert js["head"]["vars"][0] == "recommended"
    first = js["results"]["bindings"][0]
    assert first["recommended"]["type"] == "uri"
    assert first["line"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_free_sparql_refuses_service_and_dataset_loading(kg: Any) -> None:
    from npkg.errors import UsageError

    with pytest.raises(UsageError, match="SERVICE"):
        kg.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(UsageError, match="FROM"):
        kg.sparql("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("text", ["amitrip", "neuralgia", "euralgia", "pain", "SNRI", "zzz", ""])
@pytest.mark.parametrize("limit", [1, 5, 50])
def test_search_ranks_prefix_then_word_then_substring(kg: Any, text: str, limit: int) -> None:
    """The bisection-based search gives what a plain scan of the label index gives."""
    from npkg.prefixes import compress

    index, preferred = kg._labels
    needle = text.lower().strip()
    tiers = [sorted(k for k in index if k.startswith(needle)),
             sorted(k for k in index if not k.startswith(needle) and re.search(rf"(?<!\w){re.escape(needle)}", k)),
             sorted(k for k in index if needle in k and not k.startswith(needle)
                    and not re.search(rf"(?<!\w){re.escape(needle)}", k))]
    expected: dict[str, str] = {}
    for key in (k for tier in tiers for k in tier):
        for iri in sorted(index[key]):
            expected.setdefault(compress(iri) or iri, preferred.get(iri, key))
    assert kg.search(text, limit=limit) == list(expected.items())[:limit]


def test_own_release_read_leniently_holds_the_same_triples(release: Any) -> None:
    """npkg.open() reads the built release without IRI re-validation; the triples must be the same
    as a strict parse, and a file the caller names is still parsed strictly."""
    from pyoxigraph import CanonicalizationAlgorithm, Dataset

    from npkg.api import open_graph
    from npkg.errors import BackendError
    from npkg.store.embedded import EmbeddedStore

    def canonical(store: EmbeddedStore) -> Dataset:
        ds = Dataset(store._store)
        ds.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)  # blank-node labels differ between loads
        return ds

    lenient = EmbeddedStore(release / "npkg.nt", lenient=True)
    strict = EmbeddedStore(release / "npkg.nt")
    assert canonical(lenient) == canonical(strict)
    bad = release.parent / "bad-iri.nt"
    bad.write_text("<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n")
    try:
        with pytest.raises(BackendError, match=r"bad-iri\.nt"):
            open_graph(release=bad)
    finally:
        bad.unlink()
