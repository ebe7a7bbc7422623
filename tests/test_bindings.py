"""The binding function is the only way values enter SPARQL; it must be injection-proof."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Store

from npkg.bindings import bind, render_values
from npkg.errors import ParameterError
from npkg.store import IRI, Lit
from npkg.store.embedded import convert

PAYLOADS = [
    'x" } ; DROP ALL ; #',
    'nomatch" || true || "',
    "x' } ; CLEAR DEFAULT ; #",
    '"""',
    "\\",
    "line\nbreak",
    "nul\x00byte",
    "rtl\u202eoverride",
    "emoji 💊",
    "cafe\u0301",
    "} UNION { ?s ?p ?o }",
    "<http://evil/> . ?s ?p ?o",
]

ECHO = "SELECT ?x WHERE { }"


def _echo(value: str) -> list[object]:
    text = bind(ECHO, {"x": [Lit(value)]})
    return [convert(s["x"]) for s in Store().query(text)]  # type: ignore[union-attr]


def test_payloads_come_back_as_the_same_single_literal() -> None:
    for payload in PAYLOADS:
        assert _echo(payload) == [Lit(payload)], payload


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_bound_as_one_literal(text: str) -> None:
    # lone surrogates cannot be encoded as UTF-8 at all: pyoxigraph refuses them before any query
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return
    assert _echo(text) == [Lit(text)]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_iri_is_either_refused_or_bound_as_one_iri(text: str) -> None:
    candidate = "http://example.org/" + text
    try:
        rendered = render_values({"x": [IRI(candidate)]})
    except ParameterError:
        return
    rows = [convert(s["x"]) for s in Store().query(bind(ECHO, {"x": [IRI(candidate)]}))]  # type: ignore[union-attr]
    assert rows == [IRI(candidate)], rendered


def test_invalid_iris_are_refused_before_any_query() -> None:
    for bad in ("http://x/a b", "http://x/>", "http://x/{", "http://x/\n", "relative", 'http://x/"'):
        try:
            render_values({"x": [IRI(bad)]})
        except ParameterError as exc:
            assert "invalid IRI" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_variable_names_are_checked() -> None:
    try:
        render_values({"x } DROP": [Lit("a")]})
    except ParameterError:
        pass
    else:
        raise AssertionError("a bad variable name was accepted")
