"""The Python API: named queries, free SPARQL and typed domain functions over any Store.

CURIEs in, CURIEs out: identifiers are normalised and resolved to npkg entities here (an
external CURIE such as ``CHEBI:2666`` or ``MONDO:0041052`` finds the npkg entity mapped to it),
and IRIs in results come back as CURIEs. Parameters reach SPARQL only as bound terms.

>>> kg = open_graph()
>>> kg.resolve("chebi:2666")
'NPKG:amitriptyline'
>>> row = kg.query("efficacy-by-condition", condition="MONDO:0041052", measure="NNT").rows[0]
>>> row["measure"], type(row["point"]).__name__
('NNT', 'Decimal')
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from npkg import catalog, paths
from npkg.errors import BackendError, CurieError, ParameterError
from npkg.lateral import lateral_optionals
from npkg.prefixes import NPKG, canonical_prefix, compress, expand, normalize_curie
from npkg.store import IRI, BNode, Lit, SelectResult, Store, Term

if TYPE_CHECKING:
    from npkg.records import Drug, Finding, MechanismStep

XSD = "http://www.w3.org/2001/XMLSchema#"
_CURIE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9._]*:\S+$")
_WORD_START = re.compile(r"(?<!\w)\w")
#: result records, defined in npkg.records (dataclasses) and imported when first used: a named
#: query through the CLI never needs them, and ``dataclasses`` costs a cold start about 10 ms
_RECORDS = ("Drug", "Finding", "MechanismStep")


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from npkg import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
_MAPPING_ORDER = ("exactMatch", "closeMatch", "narrowMatch", "broadMatch", "relatedMatch")


def to_python(term: Term | None) -> Any:
    """IRIs become CURIEs (or stay IRIs when no prefix covers them); literals keep exact types."""
    if term is None:
        return None
    if isinstance(term, IRI):
        return compress(term.value) or term.value
    if isinstance(term, Lit):
        return term.python()
    return f"_:{term.value}"


class QueryResult:
    """Rows as dicts of Python values (CURIEs, Decimal, int, str), plus the raw terms."""

    def __init__(self, columns: tuple[str, ...], raw: SelectResult) -> None:
        self.columns = columns
        self.raw = raw

    def __repr__(self) -> str:
        return f"QueryResult(columns={self.columns!r}, rows={len(self.raw.rows)})"

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        return [{c: to_python(r.get(c)) for c in self.columns} for r in self.raw.rows]

    def __len__(self) -> int:
        return len(self.raw.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def to_dataframe(self) -> Any:
        """A pandas DataFrame (pandas is optional and imported only here)."""
        try:
            import pandas as pd  # type: ignore[import-untyped,unused-ignore]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.rows, columns=list(self.columns))

    def to_sparql_json(self) -> dict[str, Any]:
        """SPARQL 1.1 Query Results JSON."""
        bindings = []
        for r in self.raw.rows:
            b: dict[str, Any] = {}
            for c in self.columns:
                t = r.get(c)
                if isinstance(t, IRI):
                    b[c] = {"type": "uri", "value": t.value}
                elif isinstance(t, BNode):
                    b[c] = {"type": "bnode", "value": t.value}
                elif isinstance(t, Lit):
                    d: dict[str, str] = {"type": "literal", "value": t.value}
                    if t.language:
                        d["xml:lang"] = t.language
                    elif t.datatype != XSD + "string":
                        d["datatype"] = t.datatype
                    b[c] = d
            bindings.append(b)
        return {"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}}


class KnowledgeGraph:
    """npkg over one Store; obtain it with ``npkg.open()``."""

    def __init__(self, store: Store, queries_dir: Path | None = None) -> None:
        self.store = store
        self._queries_dir = queries_dir

    # ------------------------------------------------------------------ catalog and SPARQL
    def queries(self) -> dict[str, catalog.NamedQuery]:
        return catalog.catalog(self._queries_dir)

    def query(self, name: str, **params: Any) -> QueryResult:
        """Run a named query; parameters are validated, resolved and bound, never formatted in."""
        nq = catalog.get(name, self._queries_dir)
        bindings = self.bind_params(nq, params)
        text = nq.text
        if getattr(self.store, "plans_lateral", False):  # see npkg.lateral
            text = lateral_optionals(text)
        raw = self.store.select(text, bindings)
        return QueryResult(nq.returns, raw)

    def sparql(self, text: str) -> QueryResult:
        raw = self.store.select(text)
        return QueryResult(raw.variables, raw)

    def bind_params(self, nq: catalog.NamedQuery, params: Mapping[str, Any]) -> dict[str, list[Term]]:
        known = {p.name for p in nq.params}
        unknown = sorted(set(params) - known)
        if unknown:
            expected = ", ".join(f"{p.name} ({p.kind})" for p in nq.params) or "none"
            raise ParameterError(f"query {nq.name!r}: unknown parameter(s) {', '.join(unknown)}; expected: {expected}")
        out: dict[str, list[Term]] = {}
        for p in nq.params:
            value = params.get(p.name)
            if value is None or value == "":
                if p.required:
                    raise ParameterError(
                        f"query {nq.name!r}: missing required parameter {p.name} ({p.kind}), e.g. {p.example}")
                continue
            out[p.name] = [self._convert(nq.name, p, value)]
        return out

    def _convert(self, qname: str, p: catalog.Param, value: Any) -> Term:
        text = str(value)
        where = f"query {qname!r}, parameter {p.name}"
        if p.choices:
            if text not in p.choices:
                raise ParameterError(f"{where}: {text!r} is not one of {', '.join(p.choices)}")
            return Lit(text)
        if p.kind == "CURIE":
            return IRI(expand(self.resolve(text)))
        if p.kind == "xref":
            try:
                return IRI(expand(normalize_curie(text)))
            except CurieError as exc:
                raise ParameterError(f"{where}: {exc}") from None
        if p.kind == "integer":
            if isinstance(value, bool) or not re.fullmatch(r"[+-]?\d+", text):
                raise ParameterError(f"{where}: expected an integer, got {text!r}")
            return Lit(str(int(text)), XSD + "integer")
        if p.kind == "decimal":
            try:
                Decimal(text)
            except ArithmeticError:
                raise ParameterError(f"{where}: expected a decimal number, got {text!r}") from None
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
                raise ParameterError(f"{where}: expected a decimal number, got {text!r}")
            return Lit(text, XSD + "decimal")
        return Lit(text)

    # ------------------------------------------------------------------ identifiers
    @cached_property
    def _labels(self) -> tuple[dict[str, set[str]], dict[str, str]]:
        """Label index: lower-cased label or synonym -> npkg IRIs; and IRI -> preferred label."""
        raw = self.store.select(
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?e ?l ?pref WHERE { { ?e rdfs:label ?l BIND(\"label\" AS ?pref) }"
            " UNION { ?e skos:altLabel ?l BIND(\"synonym\" AS ?pref) }"
            " FILTER (isIRI(?e) && STRSTARTS(STR(?e), \"https://w3id.org/npkg/\")) }")
        index: dict[str, set[str]] = defaultdict(set)
        preferred: dict[str, str] = {}
        for row in raw.rows:
            e, lab, pref = row["e"], row["l"], row["pref"]
            if isinstance(e, IRI) and isinstance(lab, Lit):
                index[lab.value.lower()].add(e.value)
                if isinstance(pref, Lit) and pref.value == "label":  # a string marker: engines differ on booleans
                    preferred.setdefault(e.value, lab.value)
        return dict(index), preferred

    def label(self, curie: str) -> str | None:
        return self._labels[1].get(expand(curie))

    @cached_property
    def _search_keys(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Sorted index keys, and (rest of the key from a word start, key) pairs, sorted: a prefix
        or a word inside a label is then found by bisection, not by a scan of every key."""
        keys = sorted(self._labels[0])
        words = sorted((key[m.start():], key) for key in keys for m in _WORD_START.finditer(key) if m.start() > 0)
        return keys, words

    def search(self, text: str, limit: int = 10) -> list[tuple[str, str]]:
        """Entities whose label or synonym starts with, or contains, ``text`` (case-insensitive).

        Served from the in-memory label index, not a SPARQL CONTAINS scan: labels that start with
        the text come first, then labels with a word that starts with it, then any other label
        containing it (each group in label order); the last group needs a scan of the keys and
        is looked at only when the first two give fewer than ``limit`` entities.
        """
        needle = text.lower().strip()
        index, preferred = self._labels
        keys, words = self._search_keys
        out: dict[str, str] = {}

        def take(found: Iterator[str]) -> bool:
            for key in found:
                for iri in sorted(index[key]):
                    out.setdefault(compress(iri) or iri, preferred.get(iri, key))
                if len(out) >= limit:
                    return True
            return False

        seen: set[str] = set()

        def prefixed() -> Iterator[str]:
            for key in itertools.islice(keys, bisect_left(keys, needle), None):
                if not key.startswith(needle):
                    return
                seen.add(key)
                yield key

        if take(prefixed()):
            return list(out.items())[:limit]
        j = bisect_left(words, (needle,))
        inner = sorted({key for _, key in itertools.takewhile(lambda w: w[0].startswith(needle), words[j:])} - seen)
        seen.update(inner)
        if take(iter(inner)):
            return list(out.items())[:limit]
        take(iter(sorted(k for k in keys if needle in k and k not in seen)))
        return list(out.items())[:limit]

    def _close(self, text: str) -> list[str]:
        index, preferred = self._labels
        import difflib  # only for the 'did you mean' message of an unknown name

        names = difflib.get_close_matches(text.lower(), list(index), n=3, cutoff=0.6)
        locals_ = {iri[len(NPKG):]: iri for iri in preferred}
        names_local = difflib.get_close_matches(text.split(":")[-1], list(locals_), n=3, cutoff=0.6)
        out = [f"NPKG:{n}" for n in names_local]
        for n in names:
            out.extend(compress(i) or i for i in sorted(index[n]))
        return list(dict.fromkeys(out))[:5]

    def resolve(self, identifier: str) -> str:
        """The npkg CURIE for a CURIE (any case), IRI, external identifier, label or synonym.

        CURIEs and IRIs are answered with one small query each; only labels and synonyms (and
        'did you mean' suggestions) need the label index, which is built on first use.
        """
        text = identifier.strip()
        if not text:
            raise CurieError("empty identifier")
        is_iri = text.startswith(("http://", "https://"))
        if is_iri or (_CURIE_LIKE.match(text) and canonical_prefix(text.split(":", 1)[0]) is not None):
            curie = normalize_curie(text)
            if curie.startswith("NPKG:"):
                if not self._exists(expand(curie)):
                    raise CurieError(f"{curie} is not in the graph", self._close(curie))
                return curie
            mapped = self._mapped(curie)
            if not mapped:
                raise CurieError(f"{curie} is a valid identifier but nothing in npkg maps to it")
            return mapped
        index, _ = self._labels
        if text.lower() in index:
            return self._pick(text, index[text.lower()])
        if _CURIE_LIKE.match(text):
            normalize_curie(text)  # raises the unknown-prefix error with its suggestions
        raise CurieError(f"no npkg entity has the label or synonym {text!r}", self._close(text))

    def _exists(self, iri: str) -> bool:
        raw = self.store.select("SELECT ?l WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 1",
                                {"e": [IRI(iri)]})
        return bool(raw.rows)

    def _pick(self, text: str, iris: set[str]) -> str:
        if len(iris) > 1:
            raise CurieError(f"{text!r} is ambiguous: " + ", ".join(sorted(compress(i) or i for i in iris)))
        iri = next(iter(iris))
        return compress(iri) or iri

    def _mapped(self, curie: str) -> str | None:
        res = self.query("entity-by-xref", xref=curie)
        by_pred: dict[str, list[str]] = defaultdict(list)
        for row in res.rows:
            by_pred[row["predicate"]].append(row["entity"])
        for pred in ("exact", "close", "narrow", "broad", "related"):
            if by_pred.get(pred):
                hits = sorted(set(by_pred[pred]))
                if len(hits) > 1:
                    raise CurieError(f"{curie} maps ({pred}) to several npkg entities: {', '.join(hits)}")
                return hits[0]
        return None

    # ------------------------------------------------------------------ domain functions
    def drug(self, identifier: str) -> Drug:
        """A drug by label, synonym or any identifier.

        >>> kg = open_graph(); d = kg.drug("DRUGBANK:DB00476")
        >>> d.label, "NPKG:SNRI" in d.classes
        ('duloxetine', True)
        """
        curie = self.resolve(identifier)
        rows = self.query("drug-profile", drug=curie).rows
        if not any(r["property"] == "class" for r in rows):
            raise CurieError(f"{curie} is not a drug")
        xrefs: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if str(r["property"]).startswith("skos:"):
                xrefs[r["property"]].append(r["value"])
        from npkg.records import Drug

        return Drug(
            curie=curie,
            label=next(r["value"] for r in rows if r["property"] == "label"),
            synonyms=tuple(sorted({r["value"] for r in rows if r["property"] == "synonym"})),
            classes=tuple(sorted({r["value"] for r in rows if r["property"] in ("class", "superclass")})),
            xrefs={k: tuple(sorted(set(v))) for k, v in sorted(xrefs.items())},
        )

    def findings(self, *, drug: str | None = None, condition: str | None = None,
                 measure: str | None = None) -> list[Finding]:
        """Efficacy and harm findings, filtered by drug or class (members included), condition
        (subclasses included) and measure (NNT, NNH, RR, OR...).

        >>> nnts = open_graph().findings(drug="TCA", condition="postherpetic neuralgia", measure="NNT")
        >>> all(f.measure == "NNT" for f in nnts) and len(nnts) > 0
        True
        """
        rows = self.query("findings", condition=condition, measure=measure,
                          intervention=self.resolve(drug) if drug else None).rows
        from npkg.records import Finding

        return [Finding(
            curie=r["finding"], intervention=r["drugOrClass"], intervention_label=r["interventionLabel"],
            condition=r["conditionStudied"], measure=r["measure"], point=r["point"], ci_low=r["ciLow"],
            ci_high=r["ciHigh"], outcome_kind=r["outcomeKind"], outcome=r["outcome"], source=r["source"],
            source_label=r["sourceLabel"], location=r["location"]) for r in rows]

    def mechanisms(self, drug: str) -> list[MechanismStep]:
        """Mechanism steps that apply to a drug or class, in path order.

        >>> steps = open_graph().mechanisms("nortriptyline")
        >>> any(s.status == "not_supported" and "mu-opioid" in (s.targets or "") for s in steps)
        True
        """
        rows = self.query("mechanisms-of-drug", drug=self.resolve(drug)).rows
        from npkg.records import MechanismStep

        return [MechanismStep(path=r["path"], path_label=r["pathLabel"], order=r["order"], action=r["action"],
                              targets=r["targetLabels"], sites=r["siteLabels"], site_kind=r["siteKind"], onset=r["onset"],
                              species=r["species"], status=r["status"], source=r["source"]) for r in rows]

    def adverse_effects(self, drug: str) -> QueryResult:
        """Adverse effects of a drug or class (statements on its classes included)."""
        return self.query("adverse-effects", drug=self.resolve(drug))

    def compare_classes(self, condition: str | None = None) -> QueryResult:
        """TCA, SNRI and SSRI NNTs side by side, source by source."""
        return self.query("class-comparison", condition=condition)

    def benefit_harm(self, intervention: str | None = None, condition: str | None = None) -> QueryResult:
        """NNT against NNH from the same source, with their ratio."""
        return self.query("benefit-harm", intervention=intervention, condition=condition)


def default_release() -> Path:
    return paths.release_dir() / "npkg.nt"


def open_graph(endpoint: str | None = None, *, release: Path | str | None = None, store: str | None = None,
               **kwargs: Any) -> KnowledgeGraph:
    """The factory behind ``npkg.open``: embedded by default, remote for an http(s) URL."""
    if endpoint is not None:
        if not str(endpoint).startswith(("http://", "https://")):
            raise BackendError(f"{endpoint!r} is not an http(s) SPARQL endpoint URL")
        from npkg.store.remote import RemoteStore  # type: ignore[import-untyped,unused-ignore]

        return KnowledgeGraph(RemoteStore(endpoint, **kwargs))
    from npkg.store.embedded import EmbeddedStore

    path = Path(store) if store else Path(release) if release else default_release()
    if not path.exists():
        raise BackendError(f"no npkg release at {path}; run `npkg build` first")
    # npkg's own release passed the strict parser gate when `npkg build` wrote it, so it is read
    # without re-validating every IRI (about a quarter of the load time); a file named by the
    # caller is always parsed strictly
    return KnowledgeGraph(EmbeddedStore(path, lenient=not (store or release)))


__all__: Sequence[str] = ("Drug", "Finding", "KnowledgeGraph", "MechanismStep", "QueryResult", "open_graph")
