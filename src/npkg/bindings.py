"""The one way a parameter value enters a SPARQL query: a VALUES block of validated terms.

No query text is ever built by string formatting of user input. IRIs are checked by
pyoxigraph's IRI parser (a space, ``>``, ``{`` or a newline is refused) and literals are
written in N-Triples escaping by pyoxigraph itself, so ``x" } ; DROP ALL ; #`` stays one
string value. The block goes right after the opening brace of the query's WHERE clause, where
the named query expects its parameter variables.

An optional parameter often restricts the rows through a pattern of its own (a condition and its
subclasses, a class and its members). Written as ``FILTER (!BOUND(?p) || EXISTS {...})`` that
pattern is tested row by row after everything else is joined, which at a million triples costs
seconds; as a plain pattern it lets the engine start from the bound value. So a query line of
the form ``#if ?p: PATTERN`` is a comment (the file as written is the query with ``?p`` unbound)
that ``bind`` turns into ``PATTERN`` when ``?p`` is bound. Only fixed template lines are switched
on, chosen by variable name; values still enter through the VALUES block alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pyoxigraph import Literal, NamedNode

from npkg.catalog import CONDITIONAL
from npkg.errors import ParameterError
from npkg.store import IRI, BNode, Lit, Term

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def render_term(term: Term) -> str:
    """N-Triples form of a validated term.

    >>> render_term(IRI("https://w3id.org/npkg/D1"))
    '<https://w3id.org/npkg/D1>'
    >>> render_term(Lit('x" } ; DROP ALL ; #'))
    '"x\\\\" } ; DROP ALL ; #"'
    """
    if isinstance(term, IRI):
        try:
            return str(NamedNode(term.value))
        except ValueError as exc:
            raise ParameterError(f"invalid IRI {term.value!r}: {exc}") from None
    if isinstance(term, Lit):
        if term.language:
            return str(Literal(term.value, language=term.language))
        return str(Literal(term.value, datatype=NamedNode(term.datatype)))
    if isinstance(term, BNode):
        raise ParameterError("blank nodes cannot be bound as parameters")
    raise ParameterError(f"cannot bind {term!r}")


def render_values(bindings: Mapping[str, Sequence[Term]]) -> str:
    """Render bindings as VALUES blocks, one per variable, the same on every backend.

    >>> render_values({"drug": [IRI("https://w3id.org/npkg/D1")]})
    'VALUES (?drug) { (<https://w3id.org/npkg/D1>) }'
    """
    blocks = []
    # entities before plain values: an engine that starts from the first VALUES block (pyoxigraph
    # does, on equal size) then starts from a condition or drug, not from an enum shared by
    # thousands of rows
    ordered = sorted(bindings.items(), key=lambda item: not any(isinstance(v, IRI) for v in item[1]))
    for var, values in ordered:
        if not _VAR.match(var):
            raise ParameterError(f"invalid variable name {var!r}")
        if not values:
            raise ParameterError(f"no value given for ?{var}")
        rows = " ".join(f"({render_term(v)})" for v in values)
        blocks.append(f"VALUES (?{var}) {{ {rows} }}")
    return "\n".join(blocks)


def activate(query: str, bound: Iterable[str]) -> str:
    r"""Switch on the ``#if ?var:`` lines whose variable is in ``bound``; the others stay comments.

    >>> activate("SELECT * WHERE {\n  #if ?c: ?x ?p ?c .\n}", {"c"})
    'SELECT * WHERE {\n  ?x ?p ?c .\n}'
    """
    names = set(bound)
    return CONDITIONAL.sub(lambda m: m.group(1) + m.group(3) if m.group(2) in names else m.group(0), query)


def bind(query: str, bindings: Mapping[str, Sequence[Term]] | None) -> str:
    """Insert the VALUES blocks at the start of the WHERE group of ``query`` and switch on the
    ``#if ?var:`` lines of the bound variables."""
    if not bindings:
        return query
    text = activate(query, bindings)
    m = _WHERE.search(text)
    if m is None:
        raise ParameterError("the query has no WHERE clause to bind parameters into")
    return text[: m.end()] + "\n" + render_values(bindings) + "\n" + text[m.end():]
