# ruff: noqa: F811  (pytest fixtures imported from test_serve.py are parameters here)
"""faults.md rows 23-29 on the HTTP surface, and row 25's output escaping, where other files left gaps.

* Row 23/24 (issue 6): the same 10 injection payloads as the Python API and CLI tests
  (``tests/test_api.py::INJECTIONS``) through ``GET /queries/NAME?param=...``, with the served
  store's canonical hash compared before and after.
* Row 26: IRI-shaped parameter values that are not valid or not npkg IRIs are a 400 naming the
  parameter, on every route that takes an identifier.
* Rows 27-29: unknown / missing / ill-typed parameters, unknown queries, and numeric bounds (the
  row cap is a server setting; a client cannot raise it, and LIMIT 10^12 is cut with the signal).
* Row 25: text with quotes, backslashes, newlines, NUL, bidi controls, emoji and combining
  accents comes back unchanged from every result format (server JSON/CSV/TSV, CLI json/csv/tsv).

The servers are the real ``npkg serve`` started by the helpers and fixtures of test_serve.py.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .test_api import INJECTIONS
from .test_serve import (  # noqa: F401  (fixtures are used by name)
    CAPPED_ROWS,
    Served,
    capped,
    hash_before,
    served_release,
    server,
    store_hash,
)

#: the 10 payloads must stay the same list on the three surfaces
assert len(INJECTIONS) == 10


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


# ------------------------------------------------------------------------------ rows 23-24: injection over HTTP
def test_label_lookup_control_finds_rows(server: Served) -> None:
    """Control: the route the payloads go through does return rows for a real label."""
    status, _, body = server.get("/queries/entity-by-label?" + urlencode({"text": "Cymbalta"}))
    assert status == 200, body
    rows = _json(body)["results"]["bindings"]
    assert [r["entity"]["value"] for r in rows] == ["https://w3id.org/npkg/duloxetine"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_over_http_give_zero_rows_and_leave_the_store_alone(
        server: Served, hash_before: str, payload: str) -> None:
    """A payload is one string value: 0 rows for a label, a 400 naming the parameter for an identifier."""
    status, headers, body = server.get("/queries/entity-by-label?" + urlencode({"text": payload}))
    assert status == 200, body
    assert headers["x-npkg-truncated"] == "false"
    assert _json(body)["results"]["bindings"] == []
    status, _, body = server.get("/queries/efficacy-by-condition?" + urlencode({"condition": payload}))
    assert status == 400, body
    assert b"parameter condition" in body and b"Traceback" not in body
    status, _, body = server.get("/entity?" + urlencode({"id": payload}), accept="application/sparql-results+json")
    assert status == 400, body
    assert store_hash(server) == hash_before


# ------------------------------------------------------------------------------ row 26: IRI parameters
BAD_IRIS = ["http://x/a b", "http://x/>", "http://x/<", 'http://x/"', "http://x/{", "http://x/\nb", "relative/iri",
            "javascript:alert(1)", "https://w3id.org/npkg/a b", "https://w3id.org/npkg/amitriptyline>",
            "https://w3id.org/npkg/{x}", "http://purl.obolibrary.org/obo/CHEBI_2666 x"]


@pytest.mark.parametrize("value", BAD_IRIS)
@pytest.mark.parametrize(("query", "param"), [("drug-profile", "drug"), ("entity-by-xref", "xref"),
                                              ("efficacy-by-condition", "condition")])
def test_bad_iri_parameters_are_400_naming_the_parameter(server: Served, query: str, param: str, value: str) -> None:
    status, headers, body = server.get(f"/queries/{query}?" + urlencode({param: value}))
    assert status == 400, body
    assert headers["content-type"].startswith("text/plain")
    text = body.decode("utf-8")
    assert f"parameter {param}" in text and "Traceback" not in text


@pytest.mark.parametrize("value", BAD_IRIS)
def test_bad_iri_entity_ids_are_400(server: Served, value: str) -> None:
    status, _, body = server.get("/entity?" + urlencode({"id": value}), accept="application/sparql-results+json")
    assert status == 400, body
    assert b"Traceback" not in body


def test_a_valid_iri_parameter_works(server: Served) -> None:
    """Control: an IRI form of a known identifier is accepted on the same route."""
    status, _, body = server.get("/queries/drug-profile?" + urlencode({"drug": "http://purl.obolibrary.org/obo/CHEBI_2666"}))
    assert status == 200, body
    assert _json(body)["results"]["bindings"]


# ------------------------------------------------------------------------------ row 27: parameter names and types
def test_unknown_parameter_names_it_and_lists_the_expected_ones_with_kinds(server: Served) -> None:
    status, _, body = server.get("/queries/efficacy-by-condition?colour=red")
    assert status == 400
    text = body.decode()
    assert "unknown parameter(s) colour" in text
    assert "condition (CURIE)" in text and "measure (enum(NNT" in text


def test_missing_required_parameter_names_it_and_its_kind(server: Served) -> None:
    status, _, body = server.get("/queries/alternatives-for-group")
    assert status == 400
    assert b"missing required parameter group (CURIE)" in body


def test_wrong_value_for_an_enum_names_the_choices(server: Served) -> None:
    status, _, body = server.get("/queries/efficacy-by-condition?measure=ten")
    assert status == 400
    assert b"parameter measure" in body and b"'ten' is not one of NNT" in body


def test_empty_required_parameter_counts_as_missing(server: Served) -> None:
    status, _, body = server.get("/queries/entity-by-label?text=")
    assert status == 400 and b"missing required parameter text" in body


# ------------------------------------------------------------------------------ row 28: unknown query
@pytest.mark.parametrize("name", ["nope", "efficacy-by-condition.rq", "..%2F..%2Fetc%2Fpasswd", "qc%2Fanything"])
def test_unknown_query_is_404_with_every_available_name(server: Served, name: str) -> None:
    from npkg import catalog

    status, _, body = server.get(f"/queries/{name}")
    assert status == 404, body
    text = body.decode()
    assert "available queries:" in text
    assert all(q in text for q in catalog.catalog())
    assert "root:" not in text


# ------------------------------------------------------------------------------ row 29: numeric bounds
@pytest.mark.parametrize("value", ["-1", "1000000000000", "0", "ten"])
@pytest.mark.parametrize("name", ["limit", "max-rows", "maxRows"])
def test_row_limits_are_not_client_parameters(server: Served, name: str, value: str) -> None:
    """No named query takes a limit: the server's --max-rows is the bound, and a client's try is a named 400."""
    status, _, body = server.get("/queries/findings?" + urlencode({name: value}))
    assert status == 400, body
    assert f"unknown parameter(s) {name}".encode() in body


def test_query_list_states_the_server_bounds(capped: Served) -> None:
    status, _, body = capped.get("/queries")
    assert status == 200
    doc = _json(body)
    assert doc["maxRows"] == CAPPED_ROWS and doc["timeoutSeconds"] == 30


def test_a_huge_sparql_limit_is_clamped_with_the_signal(capped: Served) -> None:
    status, headers, body = capped.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1000000000000")
    assert status == 200, body
    assert headers["x-npkg-truncated"] == "true" and headers["x-npkg-max-rows"] == str(CAPPED_ROWS)
    doc = _json(body)
    assert len(doc["results"]["bindings"]) == CAPPED_ROWS and doc["npkg:truncated"] is True


@pytest.mark.parametrize("limit", ["-1", "1.5", "ten"])
def test_a_malformed_sparql_limit_is_400(capped: Served, limit: str) -> None:
    status, _, body = capped.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}")
    assert status == 400, body


def test_named_query_over_the_cap_is_truncated_with_the_signal(capped: Served) -> None:
    status, headers, body = capped.get("/queries/findings")
    assert status == 200
    assert headers["x-npkg-truncated"] == "true" and headers["x-npkg-max-rows"] == str(CAPPED_ROWS)
    assert len(_json(body)["results"]["bindings"]) == CAPPED_ROWS


# ------------------------------------------------------------------------------ row 25: output escaping
HARD_TEXT = ["'", '"', '"""', "\\", "a\nb", "a\r\nb", "tab\there", "nul\x00byte", "rtl\u202eoverride", "emoji 💊",
             "cafe\u0301", 'x", "y', "=1+1", "   spaced   ", ""]

_text = st.text().filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


def _server_roundtrip(value: str) -> None:
    from pyoxigraph import Literal, RdfFormat, parse

    from npkg.server.results import CSV, JSON, TSV, select_bytes
    from npkg.store import IRI, Lit

    rows = [{"v": Lit(value), "e": IRI("https://w3id.org/npkg/x")}]
    js = json.loads(select_bytes(JSON, ("v", "e"), rows, truncated=False, max_rows=10))
    assert js["results"]["bindings"][0]["v"] == {"type": "literal", "value": value}
    got = list(csv.reader(io.StringIO(select_bytes(CSV, ("v", "e"), rows, truncated=False, max_rows=10).decode(),
                                      newline="")))
    assert got == [["v", "e"], [value, "https://w3id.org/npkg/x"]]
    tsv = select_bytes(TSV, ("v", "e"), rows, truncated=False, max_rows=10).decode()
    lines = tsv.split("\n")
    assert lines[0] == "?v\t?e" and lines[2] == "" and len(lines) == 3  # one row: newlines are escaped
    cell = lines[1].split("\t")
    assert len(cell) == 2 and cell[1] == "<https://w3id.org/npkg/x>"  # tabs are escaped too
    triple = next(iter(parse(f"<http://e/s> <http://e/p> {cell[0]} .".encode(), format=RdfFormat.N_TRIPLES)))
    assert triple.object == Literal(value)


def _cli_roundtrip(kg: Any, value: str) -> None:
    from npkg.api import QueryResult
    from npkg.cli.output import render
    from npkg.store import Lit

    raw = kg.store.select("SELECT ?v WHERE { }", {"v": [Lit(value)]})
    result = QueryResult(("v",), raw)
    js = json.loads(render(result, "json"))
    assert js["results"]["bindings"] == [{"v": {"type": "literal", "value": value}}]
    assert list(csv.reader(io.StringIO(render(result, "csv"), newline=""))) == [["v"], [value]]
    tsv = render(result, "tsv").split("\n")
    assert len(tsv) == 3 and tsv[0] == "v" and tsv[2] == ""
    unescaped = (tsv[1].replace("\\\\", "\x01").replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
                 .replace("\x01", "\\"))
    if "\x01" not in value:
        assert unescaped == value


@pytest.mark.parametrize("value", HARD_TEXT)
def test_hard_text_survives_every_server_result_format(value: str) -> None:
    _server_roundtrip(value)


@settings(max_examples=200, deadline=None)
@given(_text)
def test_any_text_survives_every_server_result_format(value: str) -> None:
    _server_roundtrip(value)


@pytest.mark.parametrize("value", HARD_TEXT)
def test_hard_text_survives_every_cli_format(kg: Any, value: str) -> None:
    _cli_roundtrip(kg, value)


def test_any_text_survives_every_cli_format(kg: Any) -> None:
    @settings(max_examples=150, deadline=None)
    @given(_text)
    def check(value: str) -> None:
        _cli_roundtrip(kg, value)

    check()


@pytest.mark.parametrize("value", ["\r", "a\rb"])
def test_cli_csv_quotes_a_carriage_return(kg: Any, value: str) -> None:
    from npkg.api import QueryResult
    from npkg.cli.output import render
    from npkg.store import Lit

    result = QueryResult(("v",), kg.store.select("SELECT ?v WHERE { }", {"v": [Lit(value)]}))
    assert list(csv.reader(io.StringIO(render(result, "csv"), newline=""))) == [["v"], [value]]


def test_payload_text_comes_back_unchanged_over_http(server: Served) -> None:
    """End to end: a bound string echoed by a free query keeps every character through JSON and CSV."""
    for value in HARD_TEXT[:-1]:
        lit = json.dumps(value, ensure_ascii=False)  # a JSON string is a valid SPARQL string literal for these characters
        q = f"SELECT ?v WHERE {{ BIND({lit} AS ?v) }}"
        status, _, body = server.query(q)
        assert status == 200, (value, body)
        assert _json(body)["results"]["bindings"][0]["v"]["value"] == value
        status, _, body = server.query(q, accept="text/csv")
        assert list(csv.reader(io.StringIO(body.decode(), newline=""))) == [["v"], [value]]



def test_oversized_input_is_refused_naming_its_size(tmp_path: Any, monkeypatch: Any) -> None:
    """faults.md row 7: a file over the configured limit is refused before parsing, with its size."""
    import npkg.syntax as syntax
    from npkg.errors import ParseError

    big = tmp_path / "big.ttl"
    big.write_text("<http://e/s> <http://e/p> \"" + "x" * 5000 + "\" .\n", encoding="utf-8")
    monkeypatch.setattr(syntax, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ParseError, match=r"big\.ttl: \d+ bytes is over the 1000-byte limit"):
        syntax.parse_rdf_file(big)
    monkeypatch.setattr(syntax, "MAX_QUERY_BYTES", 100)
    with pytest.raises(ParseError, match="over the 100-byte limit"):
        syntax.precheck_query("SELECT * WHERE { ?s ?p \"" + "y" * 200 + "\" }")


def test_validate_cli_writes_both_reports_and_exits_1_on_bad_data(tmp_path: Any) -> None:
    """faults.md row 12 through the CLI: reports written next to (not into) the release."""
    import subprocess
    import sys

    from .conftest import copy_sources

    root = copy_sources(tmp_path / "p")
    path = root / "data" / "findings.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split("\t")
    cells[9], cells[10] = "9.9", "9.95"  # CI above the point estimate
    lines[1] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    reports = tmp_path / "reports"
    res = subprocess.run([sys.executable, "-m", "npkg.cli", "validate", "--root", str(root), "--no-reason",
                          "--report-dir", str(reports)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stderr
    report = json.loads((reports / "validation.json").read_text(encoding="utf-8"))
    assert report["conforms"] is False and report["counts"]["ERROR"] >= 1
    assert any("confidence interval out of order" in i["message"] for i in report["issues"])
    assert "DOES NOT CONFORM" in (reports / "validation.txt").read_text(encoding="utf-8")
    assert not (root / "ontology" / "release").exists()
