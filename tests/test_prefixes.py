import curies
import pytest

from npkg.errors import CurieError
from npkg.prefixes import PREFIX_MAP, compress, expand, normalize_curie

from .conftest import ROOT


def _xref_curies() -> list[str]:
    lines = (ROOT / "data" / "xrefs.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return sorted({ln.split("\t")[2] for ln in lines})


def test_our_converter_agrees_with_curies_on_every_xref() -> None:
    conv = curies.Converter.from_prefix_map(PREFIX_MAP)
    for curie in _xref_curies():
        assert expand(curie) == conv.expand(curie), curie
        assert compress(expand(curie)) == conv.compress(conv.expand(curie)) == curie


@pytest.mark.parametrize("given, canonical", [
    ("chebi:2666", "CHEBI:2666"),
    ("CHEBI:2666", "CHEBI:2666"),
    ("http://purl.obolibrary.org/obo/CHEBI_2666", "CHEBI:2666"),
    ("https://identifiers.org/CHEBI:2666", "CHEBI:2666"),
    ("https://bioregistry.io/chebi:2666", "CHEBI:2666"),
    ("mesh:d000639", "MESH:D000639"),
    ("drugbank:db00321", "DRUGBANK:DB00321"),
    ("ncbigene:6530", "NCBIGene:6530"),
    ("http://purl.obolibrary.org/obo/MONDO_0041052", "MONDO:0041052"),
])
def test_case_variants_and_iri_forms_normalise_to_one_curie(given: str, canonical: str) -> None:
    assert normalize_curie(given) == canonical


@pytest.mark.parametrize("bad, fragment", [
    ("ex:", "unknown prefix"),
    (":x", "unknown prefix"),
    ("CHEBI:abc", "malformed CHEBI identifier"),
    ("MONDO:41052", "malformed MONDO identifier"),
    ("http//x", "not a CURIE"),
    ("chebbi:2666", "did you mean: CHEBI"),
    ("", "empty"),
])
def test_malformed_curies_are_named_with_the_expected_form(bad: str, fragment: str) -> None:
    with pytest.raises(CurieError) as exc:
        normalize_curie(bad)
    assert fragment in str(exc.value)
