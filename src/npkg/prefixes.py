"""npkg's one prefix map: CURIEs in the public API, IRIs inside the store.

A tiny longest-prefix converter keeps ``import npkg`` fast (``curies`` costs ~150-450 ms to
import); ``tests/test_prefixes.py`` checks that this map and a ``curies.Converter`` built
from it agree on every cross-reference, so the two never drift. IRIs for non-OBO resources
are RDF-friendly namespaces (PubChemRDF, id.nlm.nih.gov/mesh, BioPortal PURLs for ATC, RxNorm
and ICD-10-CM) rather than web-page URLs with query strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from npkg.errors import CurieError

NPKG = "https://w3id.org/npkg/"

#: canonical prefix -> IRI namespace. Order does not matter; lookups use the longest match.
PREFIX_MAP: dict[str, str] = {
    "NPKG": NPKG,
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "DOID": "http://purl.obolibrary.org/obo/DOID_",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "GO": "http://purl.obolibrary.org/obo/GO_",
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "CL": "http://purl.obolibrary.org/obo/CL_",
    "OAE": "http://purl.obolibrary.org/obo/OAE_",
    "IAO": "http://purl.obolibrary.org/obo/IAO_",
    "EFO": "http://www.ebi.ac.uk/efo/EFO_",
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "ATC": "http://purl.bioontology.org/ontology/ATC/",
    "RXNORM": "http://purl.bioontology.org/ontology/RXNORM/",
    "ICD10CM": "http://purl.bioontology.org/ontology/ICD10CM/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "PUBCHEM.COMPOUND": "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID",
    "UNII": "https://precision.fda.gov/uniisearch/srs/unii/",
    "WIKIDATA": "http://www.wikidata.org/entity/",
    "SCTID": "http://snomed.info/id/",
    "HGNC": "http://identifiers.org/hgnc/",
    "NCBIGene": "http://identifiers.org/ncbigene/",
    "UniProtKB": "http://purl.uniprot.org/uniprot/",
    "PMID": "https://pubmed.ncbi.nlm.nih.gov/",
    "DOI": "https://doi.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "sh": "http://www.w3.org/ns/shacl#",
}

#: prefixes an external cross-reference may use (an allow-list, as in DrugMechDB)
XREF_PREFIXES = frozenset(
    p for p in PREFIX_MAP if p not in {"NPKG", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "sh", "IAO"}
)

#: local-identifier patterns: a CURIE whose local part does not fit is malformed
ID_PATTERNS: dict[str, str] = {
    "CHEBI": r"\d+",
    "MONDO": r"\d{7}",
    "DOID": r"\d+",
    "HP": r"\d{7}",
    "GO": r"\d{7}",
    "UBERON": r"\d{7}",
    "CL": r"\d{7}",
    "OAE": r"\d{7}",
    "EFO": r"\d{7}",
    "DRUGBANK": r"DB\d{5}",
    "ATC": r"[A-Z](\d\d([A-Z]([A-Z](\d\d)?)?)?)?",
    "RXNORM": r"\d+",
    "ICD10CM": r"[A-Z]\d\d(\.[0-9A-Z]{1,4})?",
    "MESH": r"[CDM]\d+",
    "PUBCHEM.COMPOUND": r"\d+",
    "UNII": r"[0-9A-Z]{10}",
    "WIKIDATA": r"Q\d+",
    "SCTID": r"\d+",
    "HGNC": r"\d+",
    "NCBIGene": r"\d+",
    "UniProtKB": r"[A-Z0-9]{6,10}",
    "PMID": r"\d+",
    "NPKG": r"[A-Za-z][A-Za-z0-9_.-]*",
}
_COMPILED = {p: re.compile(rf"^{pat}$") for p, pat in ID_PATTERNS.items()}
_BY_LOWER = {p.lower(): p for p in PREFIX_MAP}
_BY_LOWER.update({"ncbigene": "NCBIGene", "uniprot": "UniProtKB", "pubchem": "PUBCHEM.COMPOUND",
                  "pubchem.cid": "PUBCHEM.COMPOUND", "snomedct": "SCTID", "obo.hp": "HP", "drugbank": "DRUGBANK",
                  "pubmed": "PMID", "mesh": "MESH", "wd": "WIKIDATA"})
_BY_NAMESPACE = sorted(((ns, p) for p, ns in PREFIX_MAP.items()), key=lambda t: -len(t[0]))
_OBO_PURL = re.compile(r"^https?://purl\.obolibrary\.org/obo/([A-Za-z]+)_(\S+)$")
_RESOLVERS = re.compile(r"^https?://(?:identifiers\.org|bioregistry\.io|n2t\.net)/(?:([A-Za-z.]+)/)?([A-Za-z.]+):(\S+)$")


def canonical_prefix(prefix: str) -> str | None:
    """The canonical spelling of a prefix, accepting case variants and Bioregistry names.

    >>> canonical_prefix("chebi"), canonical_prefix("ncbigene"), canonical_prefix("nope")
    ('CHEBI', 'NCBIGene', None)
    """
    return _BY_LOWER.get(prefix.lower())


def normalize_curie(text: str) -> str:
    """Return the canonical CURIE for a CURIE in any usual case, or an OBO PURL,
    identifiers.org, n2t or Bioregistry IRI, or a plain npkg IRI.

    >>> normalize_curie("chebi:2666")
    'CHEBI:2666'
    >>> normalize_curie("http://purl.obolibrary.org/obo/MONDO_0041052")
    'MONDO:0041052'
    >>> normalize_curie("https://bioregistry.io/mesh:D000639")
    'MESH:D000639'
    """
    value = text.strip()
    if not value:
        raise CurieError("empty identifier; expected a CURIE such as CHEBI:2666")
    if value.startswith(("http://", "https://")):
        return _curie_from_iri(value)
    if ":" not in value:
        raise CurieError(f"{text!r} is not a CURIE: expected PREFIX:ID, e.g. CHEBI:2666")
    prefix, _, local = value.partition(":")
    canon = canonical_prefix(prefix)
    if canon is None:
        raise CurieError(f"unknown prefix {prefix!r} in {text!r}", close_prefixes(prefix))
    if canon == "MESH" and local[:1].islower():
        local = local[0].upper() + local[1:]
    if canon == "WIKIDATA" and local[:1] == "q":
        local = "Q" + local[1:]
    if canon == "DRUGBANK" and local[:2].lower() == "db":
        local = "DB" + local[2:]
    pattern = _COMPILED.get(canon)
    if not local or (pattern is not None and not pattern.match(local)):
        raise CurieError(
            f"malformed {canon} identifier {local!r} in {text!r}: expected a local part matching "
            f"{ID_PATTERNS.get(canon, 'a non-empty identifier')}"
        )
    return f"{canon}:{local}"


def _curie_from_iri(iri: str) -> str:
    m = _OBO_PURL.match(iri)
    if m:
        return normalize_curie(f"{m.group(1)}:{m.group(2)}")
    m = _RESOLVERS.match(iri)
    if m:
        return normalize_curie(f"{m.group(2)}:{m.group(3)}")
    for ns, prefix in _BY_NAMESPACE:
        if iri.startswith(ns) and len(iri) > len(ns):
            return normalize_curie(f"{prefix}:{iri[len(ns):]}")
    raise CurieError(f"no known prefix covers the IRI {iri!r}")


def expand(curie: str) -> str:
    """CURIE (any accepted form) to IRI.

    >>> expand("NPKG:amitriptyline")
    'https://w3id.org/npkg/amitriptyline'
    """
    canon = normalize_curie(curie)
    prefix, _, local = canon.partition(":")
    return PREFIX_MAP[prefix] + local


@lru_cache(maxsize=1 << 16)  # result rows repeat the same IRIs; the namespace scan is the cost
def compress(iri: str) -> str | None:
    """IRI to canonical CURIE, or None when no prefix covers it (never raises).

    >>> compress("http://purl.obolibrary.org/obo/HP_6000040")
    'HP:6000040'
    """
    for ns, prefix in _BY_NAMESPACE:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None


def close_prefixes(prefix: str, candidates: Iterable[str] | None = None) -> list[str]:
    """Known prefixes that look like a mistyped one, for 'did you mean' messages."""
    import difflib

    pool = list(candidates) if candidates is not None else list(PREFIX_MAP)
    lowered = {p.lower(): p for p in pool}
    return [lowered[m] for m in difflib.get_close_matches(prefix.lower(), list(lowered), n=3, cutoff=0.5)]
