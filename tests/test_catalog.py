"""Each named query's header states its contract; the query text must honour it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pyoxigraph import Store

from npkg import catalog

from .conftest import ROOT

QUERIES = sorted(catalog.catalog(ROOT / "queries").values(), key=lambda q: q.name)


def test_at_least_sixteen_named_queries() -> None:
    assert len(QUERIES) >= 16


@pytest.mark.parametrize("nq", QUERIES, ids=[q.name for q in QUERIES])
def test_header_returns_match_the_projection(nq: catalog.NamedQuery) -> None:
    variables = [v.value for v in Store().query(nq.text).variables]  # type: ignore[union-attr]
    assert tuple(variables) == nq.returns


@pytest.mark.parametrize("nq", QUERIES, ids=[q.name for q in QUERIES])
def test_every_parameter_is_a_variable_of_the_query(nq: catalog.NamedQuery) -> None:
    body = "\n".join(ln for ln in nq.text.splitlines() if not ln.startswith("#"))
    for p in nq.params:
        assert re.search(rf"\?{p.name}\b", body), f"{nq.name}: parameter {p.name} is not used as ?{p.name}"
        assert p.description and p.example


@pytest.mark.parametrize("nq", QUERIES, ids=[q.name for q in QUERIES])
def test_every_query_answers_with_its_example_parameters(nq: catalog.NamedQuery, kg: Any) -> None:
    params = {p.name: p.example for p in nq.params}
    result = kg.query(nq.name, **params)
    assert result.columns == nq.returns
    if nq.name != "unsourced-facts":
        assert len(result) > 0, f"{nq.name} returned no rows for its own examples {params}"


def test_qc_queries_follow_the_report_convention() -> None:
    for path in sorted((ROOT / "queries" / "qc").glob("*.rq")):
        assert path.stem.endswith(("-violation", "-warning", "-info")), path.name
        text = path.read_text(encoding="utf-8")
        assert "# Problem:" in text and "# Solution:" in text, path.name
        variables = [v.value for v in Store().query(text).variables]  # type: ignore[union-attr]
        assert variables == ["entity", "property", "value"], path.name
