"""The W3C RDF 1.1 and SPARQL 1.1 syntax suites against npkg's syntax gate (faults.md rows 3, 4, 33).

Manifests are read with rdflib (only the manifests: rdflib is not the gate); every action file
goes through ``npkg.syntax.parse_rdf_bytes`` / ``npkg.syntax.check_query``. The suites live in
``../shared/w3c`` next to the repository; if that folder is missing every test here fails with a
message saying so (it must not be skipped: a missing suite is not a passing suite).

Dataset formats (TriG, N-Quads) are parsed with ``allow_named_graphs=True``: npkg refuses named
graphs in its own sources on purpose ("npkg sources hold a single default graph"), which is
policy, not syntax. A few positive files are refused on purpose too; they are listed in
``EXPECTED_REFUSALS`` with the reason, and the test checks the refusal is for that reason and
that pyoxigraph's parser itself accepts the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

W3C = Path(__file__).resolve().parents[1].parent / "shared" / "w3c"
MISSING = f"W3C test suites not found at {W3C}: check out shared/w3c next to the repository"

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
#: where the W3C publishes the suites (github.com/w3c/rdf-tests)
PUBLISHED = "https://w3c.github.io/rdf-tests/"

#: suite folder under rdf/rdf11 -> pyoxigraph format name
RDF_SUITES = {
    "rdf-turtle": "TURTLE",
    "rdf-n-triples": "N_TRIPLES",
    "rdf-n-quads": "N_QUADS",
    "rdf-trig": "TRIG",
    "rdf-xml": "RDF_XML",
}
#: SPARQL 1.1 query-syntax suites. syntax-update-1 / syntax-update-2 are deliberately not
#: collected: npkg has no update path at all (the stores are read-only and no surface accepts
#: SPARQL Update), so there is nothing of npkg's to test against them.
SPARQL_SUITES = ("syntax-query",)

#: counts found in the manifests' mf:entries lists (W3C rdf-tests, shared/w3c/VERSION)
EXPECTED_RDF_COUNTS = {
    "rdf-turtle": {"TestTurtlePositiveSyntax": 74, "TestTurtleNegativeSyntax": 94, "TestTurtleEval": 145},
    "rdf-n-triples": {"TestNTriplesPositiveSyntax": 41, "TestNTriplesNegativeSyntax": 29},
    "rdf-n-quads": {"TestNQuadsPositiveSyntax": 53, "TestNQuadsNegativeSyntax": 34},
    "rdf-trig": {"TestTrigPositiveSyntax": 98, "TestTrigNegativeSyntax": 115, "TestTrigEval": 143},
    "rdf-xml": {"TestXMLNegativeSyntax": 40, "TestXMLEval": 126},
}
EXPECTED_RDF_NEGATIVE = 312  # faults.md row 4: "312/312 rejected"
EXPECTED_RDF_POSITIVE_SYNTAX = 266  # faults.md row 4: "266/266 positives accepted" (parser level)
EXPECTED_RDF_EVAL = 414
EXPECTED_SPARQL_COUNTS = {"PositiveSyntaxTest11": 63, "NegativeSyntaxTest11": 31}

_EMPTY = ("npkg refuses a TriG/N-Quads source that parses to 0 triples (faults.md row 10: rdflib "
          "silently yields 0 triples for datasets, so an empty dataset is treated as a loading error)")
#: positive tests npkg refuses on purpose: test IRI -> (reason, text the ParseError must contain)
EXPECTED_REFUSALS: dict[str, tuple[str, str]] = {
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-n-quads/manifest#nt-syntax-file-02": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-n-quads/manifest#nt-syntax-file-03": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-syntax-file-02": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-syntax-file-03": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-syntax-base-01": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-syntax-base-02": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-syntax-prefix-01": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-syntax-prefix-02": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-kw-graph-03": (_EMPTY, "0 triples"),
    "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-trig/manifest#trig-kw-graph-10": (_EMPTY, "0 triples"),
    # Positive RDF/XML tests carrying a DOCTYPE would be refused ("DTD/entity declarations not
    # allowed", faults.md row 6) and belong here; the suite has none (checked below).
}


@dataclass(frozen=True)
class W3CTest:
    iri: str  # the test's IRI (with the suite's mf:assumedTestBase where it has one)
    kind: str  # local name of the rdf:type, e.g. TestTurtleNegativeSyntax
    suite: str
    path: Path  # the action file
    action_iri: str  # the action as the W3C harness names it (used as base IRI)

    @property
    def negative(self) -> bool:
        return "Negative" in self.kind


def _load_manifest(manifest: Path, suite: str, published: str) -> list[W3CTest]:
    """Tests in the order of mf:entries. Manifests without mf:assumedTestBase (N-Triples,
    N-Quads, SPARQL) get the suite's published location, so ids and base IRIs never depend on
    where the suite is checked out."""
    import rdflib
    from rdflib.collection import Collection

    graph = rdflib.Graph()
    file_base = manifest.resolve().as_uri()
    graph.parse(manifest, format="turtle", publicID=file_base)
    mf = rdflib.Namespace(MF)
    tests: list[W3CTest] = []
    for man in graph.subjects(rdflib.RDF.type, mf.Manifest):
        assumed = str(graph.value(man, mf.assumedTestBase) or published)
        canonical = f"{assumed}manifest"
        for entry in Collection(graph, graph.value(man, mf.entries)):
            kind = str(graph.value(entry, rdflib.RDF.type)).rsplit("#", 1)[-1]
            action = str(graph.value(entry, mf.action))
            path = Path(action.removeprefix("file://"))
            rel = path.relative_to(manifest.parent.resolve()).as_posix()
            iri = str(entry)
            if iri.startswith(file_base):
                iri = canonical + iri[len(file_base):]
            tests.append(W3CTest(iri, kind, suite, path, f"{assumed}{rel}"))
    return tests


def _collect(language: str, suites: Sequence[str]) -> list[W3CTest]:
    """Tests of ``language`` ("rdf/rdf11" or "sparql/sparql11") from the suites' manifests."""
    tests: list[W3CTest] = []
    for suite in suites:
        manifest = W3C / language / suite / "manifest.ttl"
        if manifest.is_file():
            tests.extend(_load_manifest(manifest, suite, f"{PUBLISHED}{language}/{suite}/"))
    return tests


RDF_TESTS = _collect("rdf/rdf11", RDF_SUITES) if W3C.is_dir() else []
SPARQL_TESTS = _collect("sparql/sparql11", SPARQL_SUITES) if W3C.is_dir() else []


def _params(tests: list[W3CTest]) -> list[object]:
    """One param per test, id = test IRI; a single failing param when the suite is absent."""
    if not tests:
        return [pytest.param(None, id="w3c-suite-missing")]
    return [pytest.param(t, id=t.iri) for t in tests]


def _require(test: W3CTest | None) -> W3CTest:
    if test is None:
        pytest.fail(MISSING)
    return test


def _rdf_format(test: W3CTest):  # type: ignore[no-untyped-def]
    from pyoxigraph import RdfFormat

    return getattr(RdfFormat, RDF_SUITES[test.suite])


def _parse(test: W3CTest) -> object:
    from npkg.syntax import DATASET_FORMATS, parse_rdf_bytes

    fmt = _rdf_format(test)
    return parse_rdf_bytes(test.path.read_bytes(), fmt, test.path.name, base_iri=test.action_iri,
                           allow_named_graphs=fmt in DATASET_FORMATS)


# ---------------------------------------------------------------------------- suite presence, totals

def test_w3c_suites_present() -> None:
    assert W3C.is_dir(), MISSING
    for suite in RDF_SUITES:
        assert (W3C / "rdf" / "rdf11" / suite / "manifest.ttl").is_file(), f"{suite}: manifest.ttl missing in {W3C}"
    for suite in SPARQL_SUITES:
        assert (W3C / "sparql" / "sparql11" / suite / "manifest.ttl").is_file(), f"{suite}: manifest missing"


def test_rdf_manifest_counts() -> None:
    assert RDF_TESTS, MISSING
    found = {suite: dict(Counter(t.kind for t in RDF_TESTS if t.suite == suite)) for suite in RDF_SUITES}
    assert found == EXPECTED_RDF_COUNTS
    assert sum(t.negative for t in RDF_TESTS) == EXPECTED_RDF_NEGATIVE
    assert sum(t.kind.endswith("PositiveSyntax") for t in RDF_TESTS) == EXPECTED_RDF_POSITIVE_SYNTAX
    assert sum(t.kind.endswith("Eval") for t in RDF_TESTS) == EXPECTED_RDF_EVAL
    assert all(t.path.is_file() for t in RDF_TESTS)
    # every expected refusal names a positive test that exists
    positives = {t.iri for t in RDF_TESTS if not t.negative}
    assert set(EXPECTED_REFUSALS) <= positives


def test_rdf_totals_all_negatives_rejected_all_positives_accepted() -> None:
    """The whole RDF corpus in one pass: 312/312 negatives rejected, every positive accepted."""
    from npkg.errors import ParseError

    assert RDF_TESTS, MISSING
    rejected_neg = accepted_pos = refused_pos = 0
    for test in RDF_TESTS:
        try:
            _parse(test)
        except ParseError:
            if test.negative:
                rejected_neg += 1
            else:
                refused_pos += 1
        else:
            accepted_pos += 0 if test.negative else 1
    assert rejected_neg == EXPECTED_RDF_NEGATIVE
    assert refused_pos == len(EXPECTED_REFUSALS)
    assert accepted_pos == EXPECTED_RDF_POSITIVE_SYNTAX + EXPECTED_RDF_EVAL - len(EXPECTED_REFUSALS)


def test_no_positive_rdfxml_with_dtd_beyond_the_listed_refusals() -> None:
    """A positive RDF/XML test with a DOCTYPE would be refused on purpose; it must be listed."""
    assert RDF_TESTS, MISSING
    with_dtd = {t.iri for t in RDF_TESTS if t.suite == "rdf-xml" and not t.negative
                and b"<!DOCTYPE" in t.path.read_bytes().upper()}
    assert with_dtd <= set(EXPECTED_REFUSALS)


def test_sparql_manifest_counts() -> None:
    assert SPARQL_TESTS, MISSING
    assert dict(Counter(t.kind for t in SPARQL_TESTS)) == EXPECTED_SPARQL_COUNTS


# ---------------------------------------------------------------------------- RDF, one test per file

@pytest.mark.parametrize("test", _params([t for t in RDF_TESTS if t.negative]))
def test_rdf_negative_rejected(test: W3CTest | None) -> None:
    from npkg.errors import ParseError

    test = _require(test)
    with pytest.raises(ParseError) as info:
        _parse(test)
    message = str(info.value)
    assert test.path.name in message
    assert "Traceback" not in message


@pytest.mark.parametrize("test", _params([t for t in RDF_TESTS if not t.negative and t.iri not in EXPECTED_REFUSALS]))
def test_rdf_positive_accepted(test: W3CTest | None) -> None:
    test = _require(test)
    _parse(test)


@pytest.mark.parametrize("test", _params([t for t in RDF_TESTS if t.iri in EXPECTED_REFUSALS]))
def test_rdf_positive_refused_on_purpose(test: W3CTest | None) -> None:
    """Refused by npkg policy, not by the parser: pyoxigraph alone accepts the file."""
    from pyoxigraph import parse

    from npkg.errors import ParseError

    test = _require(test)
    _reason, needle = EXPECTED_REFUSALS[test.iri]
    with pytest.raises(ParseError, match=needle):
        _parse(test)
    list(parse(test.path.read_bytes(), format=_rdf_format(test), base_iri=test.action_iri))


def test_named_graphs_still_refused_by_default() -> None:
    """allow_named_graphs is opt-in: a source with a named graph is refused as before."""
    from pyoxigraph import Quad, RdfFormat

    from npkg.errors import ParseError
    from npkg.syntax import parse_rdf_bytes

    data = b"<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n<http://e/s> <http://e/p> <http://e/o2> .\n"
    with pytest.raises(ParseError, match="named graph"):
        parse_rdf_bytes(data, RdfFormat.N_QUADS, "x.nq")
    items = parse_rdf_bytes(data, RdfFormat.N_QUADS, "x.nq", allow_named_graphs=True)
    assert len(items) == 2
    assert sum(isinstance(i, Quad) for i in items) == 1


# ---------------------------------------------------------------------------- SPARQL query syntax

def _query_text(test: W3CTest) -> str:
    # The W3C harness parses a query with its file's location as base IRI; check_query takes no
    # base, so it is given the same way a client would: a BASE declaration in front of the
    # prologue (two positive tests use relative IRIs, <x> and <file>).
    return f"BASE <{test.action_iri}>\n" + test.path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("test", _params([t for t in SPARQL_TESTS if not t.negative]))
def test_sparql_positive_accepted(test: W3CTest | None) -> None:
    from npkg.syntax import check_query

    test = _require(test)
    check_query(_query_text(test), test.path.name, allow_service=True)


@pytest.mark.parametrize("test", _params([t for t in SPARQL_TESTS if t.negative]))
def test_sparql_negative_rejected(test: W3CTest | None) -> None:
    from npkg.errors import ParseError
    from npkg.syntax import check_query

    test = _require(test)
    with pytest.raises(ParseError):
        check_query(_query_text(test), test.path.name, allow_service=True)


def test_sparql_totals() -> None:
    from npkg.errors import ParseError
    from npkg.syntax import check_query

    assert SPARQL_TESTS, MISSING
    outcome: Counter[tuple[str, bool]] = Counter()
    for test in SPARQL_TESTS:
        try:
            check_query(_query_text(test), test.path.name, allow_service=True)
            outcome[(test.kind, True)] += 1
        except ParseError:
            outcome[(test.kind, False)] += 1
    assert outcome == Counter({("PositiveSyntaxTest11", True): 63, ("NegativeSyntaxTest11", False): 31})


def test_custom_function_is_valid_syntax_not_a_crash(tmp_path: Path) -> None:
    """syntax-select-expr-04 calls an unknown extension function: valid SPARQL.

    pyoxigraph raises RuntimeError ("custom function ... is not supported") after parsing;
    check_query must accept the text, and running it must give a usage error (exit 2), not a
    RuntimeError traceback.
    """
    from npkg.errors import UsageError
    from npkg.store.embedded import EmbeddedStore
    from npkg.syntax import check_query

    text = "PREFIX : <http://example/>\nSELECT (:function(?x + ?y) AS ?F) ?z {}"
    check_query(text)
    empty = tmp_path / "empty.nt"
    empty.write_bytes(b"")
    with pytest.raises(UsageError, match="not supported") as info:
        EmbeddedStore(empty).select(text)
    assert info.value.exit_code == 2
