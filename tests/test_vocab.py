from pyoxigraph import NamedNode

from npkg import vocab
from npkg.prefixes import NPKG
from npkg.syntax import parse_rdf_file

from .conftest import ROOT


def test_vocab_module_and_ontology_declare_the_same_terms() -> None:
    triples = parse_rdf_file(ROOT / "ontology" / "npkg-edit.ttl")
    declared = {
        t.subject.value[len(NPKG):]
        for t in triples
        if isinstance(t.subject, NamedNode) and t.subject.value.startswith(NPKG)
        and t.predicate.value == vocab.RDF_TYPE and t.subject.value != NPKG + "npkg.owl"
    }
    assert declared == set(vocab.ALL_TERMS), (
        f"in ontology only: {sorted(declared - vocab.ALL_TERMS)}; in vocab.py only: {sorted(vocab.ALL_TERMS - declared)}")


def test_unknown_term_is_an_error() -> None:
    import pytest

    with pytest.raises(KeyError):
        vocab.term("Findng")
