"""``npkg serve`` over HTTP (faults.md rows 23-41): protocol, negotiation, named queries, refusals, limits.

Each server is the real CLI (``python -m npkg.cli serve --port 0``) started and stopped here on
127.0.0.1. The release served is the built one (``ontology/release/npkg.nt``, which ``make test``
builds first) or, when absent, the session ``release`` fixture. No timing is asserted, except
that a killed query answers before the client's own deadline (the endpoint's contract).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from .conftest import NORTRIPTYLINE, POSTHERPETIC_NEURALGIA, ROOT, SHARED

W3C_SPARQL = SHARED / "w3c" / "sparql" / "sparql11"
MAIN_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 2.0
CAPPED_ROWS = 100
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

CHEAP_NAMED = f"/queries/efficacy-by-condition?condition={POSTHERPETIC_NEURALGIA}&measure=NNT"
ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
ORDER_EVERYTHING = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } ORDER BY ?a ?b ?c ?d ?e ?f"
REGEX_BACKTRACK = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d FILTER(REGEX(CONCAT(STR(?b), STR(?d)), "(a+)+$")) }'
PATH_CLOSURE = ("SELECT (COUNT(*) AS ?n) WHERE { ?x (<http://www.w3.org/2000/01/rdf-schema#subClassOf>|"
                "^<http://www.w3.org/2000/01/rdf-schema#subClassOf>|<https://w3id.org/npkg/source>)* ?y . ?y ?p ?o }")


# ------------------------------------------------------------------------------ servers and clients
@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None,
                timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def get(self, path: str, accept: str | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, headers={"Accept": accept} if accept else {}, timeout=timeout)

    def query(self, text: str, accept: str | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/sparql", urlencode({"query": text}), headers, timeout=timeout)

    def raw(self, data: bytes, timeout: float = 10) -> bytes:
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(data)
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                out += chunk
            return out


def start_server(store: Path, log: Path, *options: str) -> Served:
    cmd = [sys.executable, "-m", "npkg.cli", "serve", "--store", str(store), "--port", "0", *options]
    fh = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fh, cwd=ROOT)
    fh.close()
    end = time.monotonic() + 90
    while time.monotonic() < end:
        m = re.search(r"serving http://([\d.]+):(\d+)/", log.read_text(errors="replace"))
        if m:
            return Served(proc, m.group(1), int(m.group(2)), log)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"npkg serve did not start: {log.read_text(errors='replace')}")


def stop_server(served: Served) -> None:
    served.proc.terminate()
    try:
        served.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        served.proc.wait()


@pytest.fixture(scope="session")
def served_release(request: pytest.FixtureRequest) -> Path:
    built = ROOT / "ontology" / "release" / "npkg.nt"
    if built.is_file():
        return built
    release: Path = request.getfixturevalue("release")
    return release / "npkg.nt"


@pytest.fixture(scope="module")
def server(served_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = start_server(served_release, tmp_path_factory.mktemp("serve") / "serve.log", "--workers", "2",
                     "--timeout", str(MAIN_TIMEOUT_S), "--read-timeout", str(READ_TIMEOUT_S), "--max-rows", "20000")
    yield s
    stop_server(s)


@pytest.fixture(scope="module")
def capped(served_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One worker, a small memory cap, a long deadline and a 100-row cap."""
    s = start_server(served_release, tmp_path_factory.mktemp("serve") / "capped.log", "--workers", "1",
                     "--timeout", "30", "--memory-mb", "320", "--max-rows", str(CAPPED_ROWS))
    yield s
    stop_server(s)


def store_hash(served: Served) -> str:
    """SHA-256 of the served graph, canonicalised (each worker's blank-node labels differ)."""
    from pyoxigraph import CanonicalizationAlgorithm, Dataset, Quad, RdfFormat, parse

    status, headers, body = served.query(ALL_TRIPLES, accept="application/n-triples")
    assert status == 200, body
    assert headers["x-npkg-truncated"] == "false"
    return _canonical_hash(Dataset(Quad(t.subject, t.predicate, t.object)
                                   for t in parse(body, format=RdfFormat.N_TRIPLES)), CanonicalizationAlgorithm)


def _canonical_hash(ds: Any, algo: Any) -> str:
    ds.canonicalize(algo.UNSTABLE)
    return hashlib.sha256(b"\n".join(sorted(str(q).encode() for q in ds))).hexdigest()


def release_hash(path: Path) -> str:
    """The same hash for the release as an embedded store holds it (Oxigraph canonicalises literals on load)."""
    from pyoxigraph import CanonicalizationAlgorithm, Dataset, Quad

    from npkg.store.embedded import EmbeddedStore

    triples = EmbeddedStore(path).raw_query(ALL_TRIPLES)
    return _canonical_hash(Dataset(Quad(t.subject, t.predicate, t.object) for t in triples),  # type: ignore[attr-defined]
                           CanonicalizationAlgorithm)


@pytest.fixture(scope="module")
def hash_before(server: Served, served_release: Path) -> str:
    h = store_hash(server)
    assert h == release_hash(served_release)
    return h


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


# ------------------------------------------------------------------------------ protocol and negotiation
SELECT_LABELS = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                 "SELECT ?e ?l WHERE { ?e rdfs:label ?l FILTER(isIRI(?e)) } ORDER BY ?e ?l LIMIT 5")


def test_get_post_form_and_post_direct_agree(server: Served) -> None:
    a = server.get("/sparql?" + urlencode({"query": SELECT_LABELS}))
    b = server.query(SELECT_LABELS)
    c = server.request("POST", "/sparql", SELECT_LABELS, {"Content-Type": "application/sparql-query"})
    assert a[0] == b[0] == c[0] == 200
    assert _json(a[2]) == _json(b[2]) == _json(c[2])
    doc = _json(a[2])
    assert doc["head"]["vars"] == ["e", "l"] and len(doc["results"]["bindings"]) == 5


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ("text/*;q=0.9, application/sparql-results+json;q=0.1", "text/csv"),
    ("image/png, text/tab-separated-values;q=0.2", "text/tab-separated-values"),
    ("application/json", "application/json"),
])
def test_select_content_negotiation(server: Served, accept: str | None, expected: str) -> None:
    status, headers, body = server.query(SELECT_LABELS, accept=accept)
    assert status == 200, body
    assert headers["content-type"].split(";")[0] == expected
    text = body.decode("utf-8")
    if expected == "text/csv":
        assert text.splitlines()[0] == "e,l" and len(text.splitlines()) == 6
    elif expected == "text/tab-separated-values":
        assert text.splitlines()[0] == "?e\t?l" and text.splitlines()[1].startswith("<")
    elif expected.endswith("xml"):
        assert text.count("<result>") == 5 and '<variable name="e"/>' in text
    else:
        assert len(_json(body)["results"]["bindings"]) == 5


@pytest.mark.parametrize("accept", ["image/png", "text/html", "application/sparql-results+json;q=0"])
def test_unacceptable_accept_is_406(server: Served, accept: str) -> None:
    status, _, body = server.query(SELECT_LABELS, accept=accept)
    assert status == 406
    assert b"application/sparql-results+json" in body


def test_ask_json_and_xml(server: Served) -> None:
    q = "ASK { ?s a <http://www.w3.org/2002/07/owl#Ontology> }"
    status, _, body = server.query(q)
    assert status == 200 and _json(body) == {"head": {}, "boolean": True}
    status, _, body = server.query(q, accept="application/sparql-results+xml")
    assert status == 200 and b"<boolean>true</boolean>" in body


@pytest.mark.parametrize(("accept", "fmt_name", "media"), [
    (None, "TURTLE", "text/turtle"),
    ("text/turtle", "TURTLE", "text/turtle"),
    ("application/n-triples", "N_TRIPLES", "application/n-triples"),
    ("application/ld+json", "JSON_LD", "application/ld+json"),
    ("application/rdf+xml", "RDF_XML", "application/rdf+xml"),
])
def test_construct_and_describe_formats(server: Served, accept: str | None, fmt_name: str, media: str) -> None:
    from pyoxigraph import RdfFormat, parse

    nortriptyline_iri = "https://w3id.org/npkg/" + NORTRIPTYLINE.split(":")[1]
    construct = f"CONSTRUCT {{ <{nortriptyline_iri}> ?p ?o }} WHERE {{ <{nortriptyline_iri}> ?p ?o }}"
    for q in (construct, f"DESCRIBE <{nortriptyline_iri}>"):
        status, headers, body = server.query(q, accept=accept)
        assert status == 200, body
        assert headers["content-type"].split(";")[0] == media
        triples = list(parse(body, format=getattr(RdfFormat, fmt_name)))
        assert triples and all(t.subject.value == nortriptyline_iri for t in triples if hasattr(t.subject, "value")
                               and not str(t.subject).startswith("_:"))
    status, _, _ = server.query(construct, accept="text/csv")
    assert status == 406


def test_service_description(server: Served) -> None:
    from pyoxigraph import NamedNode, RdfFormat, Store

    status, headers, body = server.get("/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    store = Store()
    store.load(body, format=RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    services = list(store.quads_for_pattern(None, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                            NamedNode(sd + "Service")))
    assert len(services) == 1
    endpoints = list(store.quads_for_pattern(services[0].subject, NamedNode(sd + "endpoint"), None))
    assert endpoints[0].object.value == f"http://127.0.0.1:{server.port}/sparql"
    assert list(store.quads_for_pattern(None, NamedNode(sd + "supportedLanguage"), NamedNode(sd + "SPARQL11Query")))
    text = body.decode()
    assert "npkg:truncated" in text and "X-npkg-truncated" in text  # the truncation signal is documented
    status, headers, body = server.get("/sparql", accept="application/n-triples")
    assert status == 200 and headers["content-type"].startswith("application/n-triples")


def test_cors_headers_and_preflight(server: Served) -> None:
    status, headers, _ = server.query(SELECT_LABELS)
    assert headers["access-control-allow-origin"] == "*"
    assert "X-npkg-truncated" in headers["access-control-expose-headers"]
    status, headers, body = server.request("OPTIONS", "/sparql", headers={
        "Origin": "http://example.test", "Access-Control-Request-Method": "POST"})
    assert status == 204 and body == b""
    assert "POST" in headers["access-control-allow-methods"]
    assert "Content-Type" in headers["access-control-allow-headers"]


# ------------------------------------------------------------------------------ named queries
def test_query_list_matches_catalog(server: Served) -> None:
    from npkg import catalog

    status, _, body = server.get("/queries")
    assert status == 200
    doc = _json(body)
    names = [q["name"] for q in doc["queries"]]
    assert names == list(catalog.catalog())
    eff = next(q for q in doc["queries"] if q["name"] == "efficacy-by-condition")
    assert {p["name"] for p in eff["params"]} == {"condition", "measure"}
    assert "NNT" in next(p for p in eff["params"] if p["name"] == "measure")["choices"]


def test_named_query_gives_the_api_answer(server: Served, served_release: Path) -> None:
    from npkg.api import open_graph

    expected = open_graph(release=served_release).query("efficacy-by-condition", condition=POSTHERPETIC_NEURALGIA,
                                                         measure="NNT").to_sparql_json()
    status, headers, body = server.get(CHEAP_NAMED)
    assert status == 200 and headers["x-npkg-truncated"] == "false"
    doc = _json(body)
    assert doc == expected
    assert doc["results"]["bindings"] and all(b["measure"]["value"] == "NNT" for b in doc["results"]["bindings"])
    assert doc["results"]["bindings"][0]["point"]["datatype"] == XSD_DECIMAL
    status, headers, body = server.get(CHEAP_NAMED, accept="text/csv")
    assert status == 200 and len(body.decode().splitlines()) == len(doc["results"]["bindings"]) + 1


def test_unknown_named_query_is_404_with_the_list(server: Served) -> None:
    status, _, body = server.get("/queries/no-such-query")
    assert status == 404
    assert b"no-such-query" in body and b"efficacy-by-condition" in body and b"drug-profile" in body


@pytest.mark.parametrize(("path", "param"), [
    ("/queries/efficacy-by-condition?condition=not-a-known-condition-label", "condition"),
    ("/queries/efficacy-by-condition?measure=TEN", "measure"),
    ("/queries/efficacy-by-condition?dose=10", "dose"),
    ("/queries/efficacy-by-condition?measure=NNT&measure=NNH", "measure"),
    ("/queries/drug-profile", "drug"),
    ("/queries/entity-by-xref?xref=" + quote("http//not a curie"), "xref"),
    ("/queries/entity-by-xref?xref=" + quote("CHEBI:<javascript:alert(1)>"), "xref"),
])
def test_bad_named_query_parameters_are_400_naming_the_parameter(server: Served, path: str, param: str) -> None:
    status, _, body = server.get(path)
    assert status == 400, body
    assert param in body.decode()
    assert b"Traceback" not in body


@pytest.mark.parametrize("payload", ['} ; DROP ALL ; #', 'nomatch" || true || "',
                                     'x" } ; DROP ALL ; INSERT DATA { <a> <b> <c> } #',
                                     "'", '"""', "\\", "a\nb", "\u202e", "\U0001f600"])
def test_injection_payloads_bind_as_values(server: Served, payload: str) -> None:
    """faults.md rows 23-25: a payload is one value (an unknown label: 400 naming the parameter), never SPARQL."""
    status, _, body = server.get("/queries/efficacy-by-condition?" + urlencode({"condition": payload}))
    assert status == 400 and b"condition" in body
    status, _, body = server.get("/queries/entity-by-label?" + urlencode({"label": payload}))
    assert status in (200, 400), body
    if status == 200:
        assert _json(body)["results"]["bindings"] == []


def test_entity_route(server: Served) -> None:
    status, headers, body = server.get(f"/entity?id={NORTRIPTYLINE}", accept="application/sparql-results+json")
    assert status == 200 and headers["x-npkg-entity"] == NORTRIPTYLINE
    assert any(b.get("valueLabel", {}).get("value") for b in _json(body)["results"]["bindings"])
    status, headers, _ = server.get(f"/entity?id={NORTRIPTYLINE}", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 303 and headers["location"] == f"/#entity={NORTRIPTYLINE}"
    status, _, body = server.get("/entity?id=no-such-entity-label", accept="application/json")
    assert status == 400


# ------------------------------------------------------------------------------ refusals: updates
UPDATES = {
    "INSERT": "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "DELETE": "DELETE WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR": "CLEAR ALL",
    "DROP": "DROP ALL",
    "CREATE": "CREATE GRAPH <http://example.org/g>",
    "COPY": "COPY DEFAULT TO <http://example.org/g>",
    "MOVE": "MOVE DEFAULT TO <http://example.org/g>",
    "ADD": "ADD DEFAULT TO <http://example.org/g>",
    "WITH": "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "prefixed": "PREFIX ex: <http://example.org/>\n# a comment\nDELETE DATA { ex:a ex:b ex:c }",
}


@pytest.mark.parametrize("keyword", sorted(UPDATES))
@pytest.mark.parametrize("surface", ["post-direct", "post-form", "get", "query-param", "update-route"])
def test_updates_are_403(server: Served, hash_before: str, keyword: str, surface: str) -> None:
    text = UPDATES[keyword]
    if surface == "post-direct":
        r = server.request("POST", "/sparql", text, {"Content-Type": "application/sparql-update"})
    elif surface == "post-form":
        r = server.request("POST", "/sparql", urlencode({"update": text}),
                           {"Content-Type": "application/x-www-form-urlencoded"})
    elif surface == "get":
        r = server.get("/sparql?" + urlencode({"update": text}))
    elif surface == "query-param":
        r = server.query(text)
    else:
        r = server.request("POST", "/update", urlencode({"update": text}),
                           {"Content-Type": "application/x-www-form-urlencoded"})
    status, headers, body = r
    assert status == 403, body
    assert headers["content-type"].startswith("text/plain")
    assert b"read-only" in body


def test_store_unchanged_after_update_attempts(server: Served, hash_before: str) -> None:
    for text in UPDATES.values():
        server.query(text)
        server.request("POST", "/sparql", text, {"Content-Type": "application/sparql-update"})
    assert store_hash(server) == hash_before


# ------------------------------------------------------------------------------ refusals: federation
class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), _RecordingHandler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True


class _RecordingHandler(BaseHTTPRequestHandler):
    server: _Recorder

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        body = b"<http://e/s> <http://e/p> <http://e/o> .\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    srv = _Recorder()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_the_recorder_sees_a_real_service_call(recorder: _Recorder) -> None:
    """Control: an unguarded pyoxigraph does call out, so 0 recorded connections below means something."""
    from pyoxigraph import Store

    url = f"http://127.0.0.1:{recorder.server_address[1]}/sparql"
    # the fake answers N-Triples, not SPARQL results: an error after the request is fine
    with contextlib.suppress(OSError, SyntaxError, RuntimeError):
        list(Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    assert recorder.connections >= 1


FEDERATION = {
    "service": "SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "service-silent-lower": "select * where {{ ?x ?y ?z . service silent <{url}sparql> {{ ?s ?p ?o }} }}",
    "service-in-subquery": "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }} }}",
    "service-escaped": "SELECT * WHERE {{ \\u0053ERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "from-http": "SELECT * FROM <{url}data.nt> WHERE {{ ?s ?p ?o }}",
    "from-file": "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "from-named": "SELECT * FROM NAMED <{url}g.nt> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "construct-from": "CONSTRUCT {{ ?s ?p ?o }} FROM <{url}data.nt> WHERE {{ ?s ?p ?o }}",
    "ask-from": "ASK FROM <{url}data.nt> {{ ?s ?p ?o }}",
}


@pytest.mark.parametrize("name", sorted(FEDERATION))
def test_federation_and_dataset_loading_refused_without_connecting(server: Served, recorder: _Recorder, name: str) -> None:
    url = f"http://127.0.0.1:{recorder.server_address[1]}/"
    status, _, body = server.query(FEDERATION[name].format(url=url))
    assert status == 400, body
    assert b"federation/dataset loading disabled" in body
    assert recorder.connections == 0 and recorder.paths == []


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_parameters_refused(server: Served, recorder: _Recorder, param: str) -> None:
    url = f"http://127.0.0.1:{recorder.server_address[1]}/data.nt"
    status, _, body = server.get("/sparql?" + urlencode({"query": SELECT_LABELS, param: url}))
    assert status == 400 and b"federation/dataset loading disabled" in body
    assert recorder.connections == 0


def test_federation_words_in_strings_iris_and_comments_are_fine(server: Served) -> None:
    q = ('SELECT ?x ?y WHERE { BIND("SERVICE <http://x/> FROM <file:///x>" AS ?x) '
         'BIND(<http://example.org/SERVICE/FROM> AS ?y) } # FROM <file:///etc/passwd>')
    status, _, body = server.query(q)
    assert status == 200, body


# ------------------------------------------------------------------------------ refusals: bad requests
def _manifest_tests(suite: str, kinds: tuple[str, ...]) -> list[Path]:
    from pyoxigraph import NamedNode, RdfFormat, Store

    manifest = W3C_SPARQL / suite / "manifest.ttl"
    if not manifest.is_file():
        return []
    store = Store()
    store.load(path=str(manifest), format=RdfFormat.TURTLE, base_iri=manifest.resolve().as_uri())
    mf = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    out = []
    for kind in kinds:
        for q in store.quads_for_pattern(None, rdf_type, NamedNode(mf + kind)):
            action = next(store.quads_for_pattern(q.subject, NamedNode(mf + "action"), None)).object.value
            out.append(Path(action.removeprefix("file://")))
    return sorted(out)


NEGATIVE_QUERY = _manifest_tests("syntax-query", ("NegativeSyntaxTest11",))
NEGATIVE_UPDATE = _manifest_tests("syntax-update-1", ("NegativeUpdateSyntaxTest11", "NegativeSyntaxTest11"))


def test_w3c_negative_counts() -> None:
    assert len(NEGATIVE_QUERY) == 31, f"SPARQL syntax-query manifest missing or changed under {W3C_SPARQL}"
    assert len(NEGATIVE_UPDATE) == 13, f"SPARQL syntax-update-1 manifest missing or changed under {W3C_SPARQL}"


@pytest.mark.parametrize("path", NEGATIVE_QUERY, ids=lambda p: p.name)
def test_w3c_negative_syntax_queries_are_400(server: Served, path: Path) -> None:
    status, _, body = server.query(path.read_text(encoding="utf-8"))
    assert status == 400, body
    assert b"Traceback" not in body


@pytest.mark.parametrize("path", NEGATIVE_UPDATE, ids=lambda p: p.name)
def test_w3c_negative_update_syntax_is_refused(server: Served, path: Path) -> None:
    """Sent as a query, a broken update is a 400 (or a 403 when it opens like an update); never run."""
    status, _, body = server.query(path.read_text(encoding="utf-8"))
    assert status in (400, 403), body


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: the SPARQL 1.1 Protocol manifest's negative tests (protocol/manifest.ttl, bad_*), each a 4xx
PROTOCOL_NEGATIVE: dict[str, tuple[str, str, dict[str, str], bytes | None, int]] = {
    "bad_query_method": ("PUT", "/sparql?query=ASK%20%7B%7D", {}, None, 405),
    "bad_multiple_queries": ("GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D", {}, None, 400),
    "bad_query_wrong_media_type": ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    "bad_query_missing_form_type": ("POST", "/sparql", {}, b"query=ASK%20%7B%7D", 415),
    "bad_query_missing_direct_type": ("POST", "/sparql", {}, b"ASK {}", 415),
    "bad_query_non_utf8": ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=UTF-16"},
                           "ASK {}".encode("utf-16"), 415),
    "bad_query_syntax": ("GET", "/sparql?query=ASK%20%7B", {}, None, 400),
    "bad_update_get": ("GET", "/sparql?update=CLEAR%20ALL", {}, None, 403),
    "bad_multiple_updates": ("POST", "/sparql", FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", 403),
    "bad_update_wrong_media_type": ("POST", "/sparql", {"Content-Type": "text/plain"}, b"CLEAR NAMED", 415),
    "bad_update_missing_form_type": ("POST", "/sparql", {}, b"update=CLEAR%20NAMED", 415),
    "bad_update_non_utf8": ("POST", "/sparql", {"Content-Type": "application/sparql-update; charset=UTF-16"},
                            "CLEAR NAMED".encode("utf-16"), 403),
    "bad_update_syntax": ("POST", "/sparql", FORM, b"update=INSERT%20DATA%20%7B", 403),
    "bad_update_dataset_conflict": ("POST", "/sparql?using-graph-uri=http%3A%2F%2Fexample%2Fg", FORM,
                                    b"update=WITH%20%3Chttp%3A%2F%2Fex%2Fg%3E%20CLEAR%20ALL", 403),
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_NEGATIVE))
def test_protocol_negative_tests(server: Served, name: str) -> None:
    method, path, headers, body, expected = PROTOCOL_NEGATIVE[name]
    status, _, out = server.request(method, path, body, headers)
    assert status == expected, out


@pytest.mark.parametrize("target", [
    "/sparql?query=SELECT%zz",                 # not a percent-escape
    "/sparql?query=SELECT%",                   # truncated escape
    "/sparql?query=SELECT%20%3Fs%20%E9",       # Latin-1 byte: invalid UTF-8
    "/sparql?query=%C3",                       # truncated UTF-8 sequence
    "/queries/efficacy-by-condition?condition=%FF%FE",
])
def test_malformed_percent_encoding_and_utf8_are_400(server: Served, target: str) -> None:
    status, _, body = server.get(target)
    assert status == 400, body


def test_raw_non_utf8_bytes_in_request_line_and_form_body(server: Served) -> None:
    out = server.raw(b"GET /sparql?query=ASK\xff\xfe{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    status, _, _ = server.request("POST", "/sparql", b"query=ASK%20%7B%7D%ZZ", FORM)
    assert status == 400
    status, _, _ = server.request("POST", "/sparql", b"ASK {} \xff", {"Content-Type": "application/sparql-query"})
    assert status == 400


def test_two_query_parameters_are_400(server: Served) -> None:
    status, _, body = server.get("/sparql?" + urlencode([("query", "ASK {}"), ("query", "ASK {}")]))
    assert status == 400 and b"query" in body
    status, _, body = server.request("POST", "/sparql?" + urlencode({"query": "ASK {}"}), "ASK {}",
                                     {"Content-Type": "application/sparql-query"})
    assert status == 400


def test_oversized_body_with_content_length_is_413_unread(server: Served) -> None:
    """Only the headers and a few bytes are sent: a 413 proves the server did not wait for 50 MiB."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 52428800\r\n\r\nSELECT")
    out = server.raw(head)
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    assert b"limit" in out
    assert server.get("/health")[0] == 200


def test_oversized_chunked_body_is_413_before_the_end(server: Served) -> None:
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"#" * 65536
        sent = 0
        try:
            while sent < 2 * 1024 * 1024:  # never sends the terminating 0-chunk
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while chunk_in := s.recv(65536):
                data += chunk_in
        except ConnectionResetError:
            pass
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert server.get("/health")[0] == 200


def test_body_within_limit_works_and_411_without_length(server: Served) -> None:
    padded = SELECT_LABELS + "\n#" + "x" * (512 * 1024)
    status, _, _ = server.request("POST", "/sparql", padded, {"Content-Type": "application/sparql-query"})
    assert status == 200
    out = server.raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Connection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 411")


@pytest.mark.parametrize("size", [20_000, 70_000])
def test_very_long_url_is_414(server: Served, size: int) -> None:
    q = "ASK {}" + "#" * size
    out = server.raw(f"GET /sparql?query={quote(q)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert out.startswith(b"HTTP/1.1 414"), out[:100]
    assert server.get("/health")[0] == 200


def test_slow_client_is_disconnected(server: Served) -> None:
    """Headers trickled one byte at a time (each recv well inside the timeout) are cut off at the read timeout."""
    with socket.create_connection((server.host, server.port), timeout=30) as s:
        s.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\n")
        header = b"X-Slow: " + b"a" * 400
        closed = False
        for i in range(len(header)):
            try:
                s.sendall(header[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.05)
            s.setblocking(False)
            try:
                got = s.recv(1024)
                if got == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed = True
                break
            finally:
                s.setblocking(True)
        assert closed, "the server kept a trickling client for 20 s"
    assert server.get("/health")[0] == 200


def test_other_methods_and_routes(server: Served) -> None:
    assert server.request("DELETE", "/sparql")[0] == 405
    assert server.request("PUT", "/sparql", b"x", {"Content-Type": "text/turtle"})[0] == 405
    assert server.get("/nothing-here")[0] == 404
    assert server.get("/sparql?query=")[0] == 400


# ------------------------------------------------------------------------------ limits that hold
def _cheap_answer(server: Served) -> Any:
    status, _, body = server.get(CHEAP_NAMED, timeout=30)
    assert status == 200, body
    return _json(body)


@pytest.mark.parametrize("query", [CARTESIAN_COUNT, ORDER_EVERYTHING, REGEX_BACKTRACK, PATH_CLOSURE],
                         ids=["cartesian", "order-by-everything", "regex-backtracking", "path-closure"])
def test_pathological_query_is_stopped_while_cheap_queries_answer(server: Served, query: str) -> None:
    golden = _cheap_answer(server)
    result: dict[str, Any] = {}

    def slow() -> None:
        try:
            # the endpoint's contract: an answer within the deadline + 2 s (the client gives up after that)
            result["r"] = server.query(query, timeout=MAIN_TIMEOUT_S + 2)
        except Exception as exc:  # a client timeout lands here and fails the test below
            result["error"] = exc

    t = threading.Thread(target=slow)
    t.start()
    cheap_during = 0
    while t.is_alive():
        assert _cheap_answer(server) == golden
        cheap_during += 1
    t.join()
    assert "error" not in result, result
    status, _, body = result["r"]
    if query == PATH_CLOSURE and status == 200:
        return  # small enough to finish here: answered is allowed (faults.md row 34)
    assert status in (503, 504), body
    assert b"query timeout" in body or b"memory" in body
    assert cheap_during >= 1
    assert _cheap_answer(server) == golden


def test_row_cap_is_signalled(capped: Served) -> None:
    status, headers, body = capped.query("SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert headers["x-npkg-truncated"] == "true" and headers["x-npkg-max-rows"] == str(CAPPED_ROWS)
    doc = _json(body)
    assert len(doc["results"]["bindings"]) == CAPPED_ROWS
    assert doc["npkg:truncated"] is True and doc["npkg:maxRows"] == CAPPED_ROWS
    status, headers, body = capped.query("SELECT * WHERE { ?s ?p ?o }", accept="text/csv")
    assert headers["x-npkg-truncated"] == "true" and len(body.decode().splitlines()) == CAPPED_ROWS + 1
    status, headers, body = capped.query(ALL_TRIPLES, accept="application/n-triples")
    assert headers["x-npkg-truncated"] == "true" and len(body.decode().splitlines()) == CAPPED_ROWS
    status, headers, body = capped.query("SELECT * WHERE { ?s ?p ?o } LIMIT 7")
    assert headers["x-npkg-truncated"] == "false" and "npkg:truncated" not in _json(body)
    status, headers, body = capped.get("/queries/efficacy-by-condition")
    assert status == 200 and headers["x-npkg-truncated"] == "true"
    assert len(_json(body)["results"]["bindings"]) == CAPPED_ROWS


def test_memory_cap_gives_an_error_and_a_fresh_worker(capped: Served) -> None:
    status, _, body = capped.query(ORDER_EVERYTHING, timeout=60)
    assert status == 503, body
    assert b"memory" in body
    status, _, body = capped.query("ASK { ?s ?p ?o }", timeout=60)
    assert status == 200 and _json(body)["boolean"] is True
    status, _, body = capped.get("/health")
    assert _json(body)["crashes"] >= 1


# ------------------------------------------------------------------------------ the CLI around it
@pytest.mark.parametrize("args", [["--workers", "0"], ["--timeout", "0"], ["--max-rows", "0"], ["--port", "70000"],
                                  ["--memory-mb", "-1"]])
def test_serve_usage_errors_exit_2(args: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "npkg.cli", "serve", *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr


def test_serve_without_a_release_exits_3(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "npkg.cli", "serve", "--store", str(tmp_path / "none.nt")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and "no npkg release" in r.stderr


def test_memory_cap_below_the_store_is_refused(served_release: Path, tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "npkg.cli", "serve", "--store", str(served_release), "--port", "0",
                        "--memory-mb", "8"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and "memory" in r.stderr and "Traceback" not in r.stderr
