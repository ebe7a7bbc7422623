"""The query forms used for speed give the same answers as the portable query text.

Two rewrites stand between a named query file and what the embedded engine runs: ``#if ?p:``
lines switched on for bound parameters (npkg.bindings) and OPTIONAL groups wrapped in LATERAL
(npkg.lateral). Here every named query runs with every combination of its optional parameters
(example values), in its portable form and in the LATERAL form, on the curated release; the
answers must be the same multiset of rows (GROUP_CONCAT parts compared as sorted lists, since
SPARQL leaves their order open). The backend suite (test_backends.py) then compares the
embedded answers with Oxigraph server and Virtuoso, which get the portable text.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from pyoxigraph import Store

from npkg import catalog
from npkg.bindings import activate, bind
from npkg.errors import NpkgError
from npkg.lateral import lateral_optionals
from npkg.store import Lit

from .conftest import ROOT
from .test_backends import group_concat_columns, normalise

QUERIES = sorted(catalog.catalog(ROOT / "queries").values(), key=lambda q: q.name)


def combinations() -> list[Any]:
    out = []
    for nq in QUERIES:
        required = {p.name: p.example for p in nq.params if p.required}
        optional = [p for p in nq.params if not p.required]
        for k in range(len(optional) + 1):
            for chosen in itertools.combinations(optional, k):
                params = dict(required, **{p.name: p.example for p in chosen})
                out.append(pytest.param(nq, params, id=f"{nq.name}[{','.join(sorted(params)) or '-'}]"))
    return out


def rows(nq: catalog.NamedQuery, result: Any) -> Counter[tuple[Any, ...]]:
    gc = group_concat_columns(nq.text)
    return Counter(tuple(normalise(r.get(c), gc.get(c)) for c in nq.returns) for r in result.rows)


@pytest.mark.parametrize(("nq", "params"), combinations())
def test_lateral_form_gives_the_same_rows(nq: catalog.NamedQuery, params: dict[str, str], kg: Any) -> None:
    bindings = kg.bind_params(nq, params)
    plain = kg.store.select(nq.text, bindings)
    lateral = kg.store.select(lateral_optionals(nq.text), bindings)
    assert plain.variables == lateral.variables == nq.returns
    assert rows(nq, lateral) == rows(nq, plain)


@pytest.mark.parametrize(("nq", "params"), combinations())
def test_switched_on_lines_parse_and_keep_the_projection(nq: catalog.NamedQuery, params: dict[str, str]) -> None:
    text = activate(nq.text, params)
    for form in (text, lateral_optionals(text)):
        assert tuple(v.value for v in Store().query(form).variables) == nq.returns  # type: ignore[union-attr]


def test_the_api_sends_the_lateral_form_to_the_embedded_store(kg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = kg.store.select
    monkeypatch.setattr(kg.store, "select", lambda text, b=None: seen.append(text) or real(text, b))
    kg.query("efficacy-by-condition", condition="MONDO:0041052")
    assert "LATERAL { OPTIONAL {" in seen[-1] and "name: efficacy-by-condition" in seen[-1]


def test_if_lines_are_switched_on_only_for_bound_variables() -> None:
    nq = catalog.get("efficacy-by-condition", ROOT / "queries")
    line = "?conditionStudied rdfs:subClassOf* ?condition ."
    assert f"#if ?condition: {line}" in nq.text
    unbound = bind(nq.text, {"measure": [Lit("NNT")]})
    bound = bind(nq.text, {"condition": [Lit("x")]})
    assert f"#if ?condition: {line}" in unbound
    assert f"\n  {line}\n" in bound and "#if ?condition" not in bound


def test_an_if_line_must_name_an_optional_parameter(tmp_path: Any) -> None:
    (tmp_path / "q.rq").write_text("# name: q\n# title: t\n# description: d\n# returns: s\n"
                                   "SELECT ?s WHERE {\n  #if ?nothing: ?s ?p ?nothing .\n  ?s ?p ?o\n}\n")
    with pytest.raises(NpkgError, match=r"'#if \?nothing:' line does not name an optional parameter"):
        catalog.parse_header(tmp_path / "q.rq")


@pytest.mark.parametrize(("text", "expected"), [
    # strings, IRIs and comments that look like OPTIONAL or braces are left alone
    ('SELECT * { ?s ?p "OPTIONAL { }" }', 'SELECT * { ?s ?p "OPTIONAL { }" }'),
    ("SELECT * { ?s <http://x/OPTIONAL> ?o } # OPTIONAL {", "SELECT * { ?s <http://x/OPTIONAL> ?o } # OPTIONAL {"),
    ("SELECT * { ?s ?p ?OPTIONAL }", "SELECT * { ?s ?p ?OPTIONAL }"),
    ('SELECT * { ?s ?p """a\n} OPTIONAL {""" }', 'SELECT * { ?s ?p """a\n} OPTIONAL {""" }'),
    # nested and lower-case OPTIONALs, a comment between keyword and brace
    ("SELECT * { ?s ?p ?o optional { ?o ?q ?r OPTIONAL { ?r ?t ?u } } }",
     "SELECT * { ?s ?p ?o LATERAL { optional { ?o ?q ?r LATERAL { OPTIONAL { ?r ?t ?u } } } } }"),
    ("SELECT * { ?s ?p ?o OPTIONAL # c {\n { ?o ?q ?r } }",
     "SELECT * { ?s ?p ?o LATERAL { OPTIONAL # c {\n { ?o ?q ?r } } }"),
    ("SELECT * { ?s ?p ?o FILTER (?o < 3 && ?o > 1) OPTIONAL { ?s ?q ?r } }",
     "SELECT * { ?s ?p ?o FILTER (?o < 3 && ?o > 1) LATERAL { OPTIONAL { ?s ?q ?r } } }"),
])
def test_lateral_rewrite_respects_the_sparql_lexer(text: str, expected: str) -> None:
    assert lateral_optionals(text) == expected
    Store().query(expected)  # still a valid query
