"""The embedded default store: pyoxigraph in memory, loaded from the release N-Triples.

Measured on this machine (benchmarks/bench_queries.py), pyoxigraph's native API answers the
named queries 10-100x faster than rdflib's SPARQL engine, parses strictly and is safe with
concurrent threads; loading the ~11k-triple release takes a few milliseconds. It is opened
read-only from the caller's point of view: no method writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, QueryTriples, RdfFormat
from pyoxigraph import Store as OxStore

from npkg.bindings import bind
from npkg.errors import BackendError, ParseError, UsageError
from npkg.store import IRI, BNode, Lit, SelectResult, Term
from npkg.syntax import precheck_query, uses_dataset_clause


@lru_cache(maxsize=1024)
def _checked(query: str) -> None:
    if uses_dataset_clause(query):
        raise UsageError("FROM / FROM NAMED dataset clauses are disabled: npkg never loads graphs from a query")
    precheck_query(query)


def convert(term: object) -> Term | None:
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return IRI(term.value)
    if isinstance(term, Literal):
        return Lit(term.value, term.datatype.value, term.language)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    raise BackendError(f"unsupported term {term!r}")


class EmbeddedStore:
    """pyoxigraph-backed store; ``path`` is an N-Triples/Turtle file or an on-disk store directory."""

    name = "embedded"
    read_only = True
    #: named queries are sent with their OPTIONALs as LATERAL groups (npkg.lateral)
    plans_lateral = True

    def __init__(self, path: Path, *, lenient: bool = False) -> None:
        self.path = path
        try:
            if path.is_dir():
                self._store = OxStore.read_only(str(path))
            else:
                self._store = OxStore()
                fmt = RdfFormat.N_TRIPLES if path.suffix == ".nt" else RdfFormat.TURTLE
                # measured faster than bulk_load at this size; lenient only for npkg's own built release
                self._store.load(path=str(path), format=fmt, lenient=lenient)
        except (OSError, SyntaxError) as exc:
            raise BackendError(f"cannot open the npkg store at {path}: {exc}") from None

    def _run(self, query: str, bindings: Mapping[str, Sequence[Term]] | None) -> object:
        # the checks look at the query as written; bound values are rendered by pyoxigraph and cannot
        # add keywords or nesting, so a named query's template is checked once, not on every call
        _checked(query)
        text = bind(query, bindings)
        try:
            return self._store.query(text)
        except SyntaxError as exc:
            from npkg.syntax import _position, _reason

            raise ParseError(f"query:{_position(exc)}: {_reason(exc)}") from None
        except RuntimeError as exc:  # valid SPARQL pyoxigraph cannot plan, e.g. an unknown custom function
            raise UsageError(f"query: {exc}") from None
        except OSError as exc:
            raise BackendError(f"embedded store error: {exc}") from None

    def select(self, query: str, bindings: Mapping[str, Sequence[Term]] | None = None) -> SelectResult:
        res = self._run(query, bindings)
        if not isinstance(res, QuerySolutions):
            raise UsageError("expected a SELECT query")
        variables = tuple(v.value for v in res.variables)
        memo: dict[object, Term | None] = {}  # rows repeat terms (labels, classes, sources): convert each once

        def term(t: object) -> Term | None:
            try:
                return memo[t]
            except KeyError:
                memo[t] = converted = convert(t)
                return converted

        rows = tuple(dict(zip(variables, map(term, sol), strict=True)) for sol in res)
        return SelectResult(variables, rows)

    def ask(self, query: str) -> bool:
        res = self._run(query, None)
        if not isinstance(res, bool) and not hasattr(res, "__bool__"):
            raise UsageError("expected an ASK query")
        return bool(res)

    def construct(self, query: str) -> list[tuple[Term, Term, Term]]:
        res = self._run(query, None)
        if not isinstance(res, QueryTriples):
            raise UsageError("expected a CONSTRUCT or DESCRIBE query")
        out = []
        for t in res:
            s, p, o = convert(t.subject), convert(t.predicate), convert(t.object)
            assert s is not None and p is not None and o is not None
            out.append((s, p, o))
        return out

    def raw_query(self, text: str) -> object:
        """The pyoxigraph result object, for serialising SPARQL results in standard formats."""
        return self._run(text, None)

    def triple_count(self) -> int:
        return len(self._store)

    def dump_nt(self) -> bytes:
        """The whole store as canonical N-Triples, sorted: used to prove a read changed nothing."""
        data = self._store.dump(format=RdfFormat.N_QUADS)
        assert data is not None
        return b"\n".join(sorted(data.splitlines()))
