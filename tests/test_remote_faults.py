"""Remote faults (faults.md rows 42-46): each is a typed error naming the endpoint, never empty results.

The faults come from small fake servers (http.server in a thread on 127.0.0.1, a free port).
Deadlines are checked without timing asserts: a slow handler blocks on an event that is only
released at teardown, so the client can only have returned by giving up on its own deadline.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from npkg.errors import BackendError
from npkg.store import IRI, Lit
from npkg.store.remote import (
    ReadOnlyError,
    RemoteQueryError,
    RemoteResponseError,
    RemoteServerError,
    RemoteStore,
    RemoteTimeoutError,
    RemoteUnavailableError,
    canonical_lexical,
)

from .servers import free_port

GOOD = json.dumps({"head": {"vars": ["s", "n"]}, "results": {"bindings": [
    {"s": {"type": "uri", "value": "https://w3id.org/npkg/x"},
     "n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#decimal", "value": "2.50"}}]}}).encode()
HTML = b"<html><head><title>Login</title></head><body>Please sign in</body></html>"


class FakeState:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.requests: list[str] = []
        self.busy_left = 0
        self.slow_entered = threading.Event()
        self.slow_finished = threading.Event()


def make_handler(state: FakeState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, code: int, ctype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self.route()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.route()

        def route(self) -> None:
            path = self.path.split("?")[0]
            state.requests.append(path)
            if path == "/ok":
                self._send(200, "application/sparql-results+json", GOOD)
            elif path == "/slow":
                state.slow_entered.set()
                state.release.wait(60)
                state.slow_finished.set()
                self._send(200, "application/sparql-results+json", GOOD)
            elif path == "/drip":  # headers at once, then a body that never completes
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(GOOD)))
                self.end_headers()
                self.wfile.write(GOOD[:10])
                self.wfile.flush()
                state.release.wait(60)
            elif path == "/html":
                self._send(200, "text/html; charset=utf-8", HTML)
            elif path == "/redirect":
                self._send(302, "text/html", b"moved", {"Location": "/html"})
            elif path == "/truncated":
                self._send(200, "application/sparql-results+json", GOOD[: len(GOOD) // 2])
            elif path == "/cut":  # announces the full length, sends half, closes
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(GOOD)))
                self.end_headers()
                self.wfile.write(GOOD[: len(GOOD) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif path == "/notresults":
                self._send(200, "application/sparql-results+json", b'{"hello": "world"}')
            elif path == "/bad":
                self._send(400, "text/plain", b"Parse error: unexpected token 'SELEC' at line 1")
            elif path == "/error":
                self._send(500, "text/plain", b"Internal failure: out of memory in the query engine")
            elif path == "/busy":
                self._send(503, "text/plain", b"maintenance", {"Retry-After": "0"})
            elif path == "/busy-long":
                self._send(503, "text/plain", b"maintenance", {"Retry-After": "3600"})
            elif path == "/busy-once":
                if state.busy_left > 0:
                    state.busy_left -= 1
                    self._send(503, "text/plain", b"warming up", {"Retry-After": "0"})
                else:
                    self._send(200, "application/sparql-results+json", GOOD)
            else:
                self._send(404, "text/plain", b"no such page")

    return Handler


@pytest.fixture()
def fake() -> Iterator[tuple[str, FakeState]]:
    state = FakeState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


Q = "SELECT ?s ?n WHERE { ?s ?p ?n }"


def test_a_good_answer_is_normalised(fake: tuple[str, FakeState]) -> None:
    base, _ = fake
    res = RemoteStore(base + "/ok", timeout=5).select(Q)
    assert res.variables == ("s", "n")
    assert res.rows[0]["s"] == IRI("https://w3id.org/npkg/x")
    assert res.rows[0]["n"] == Lit("2.5", "http://www.w3.org/2001/XMLSchema#decimal")  # typed-literal, canonical form


def test_connection_refused_names_the_endpoint() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(RemoteUnavailableError) as err:
        RemoteStore(url, timeout=2).select(Q)
    assert url in str(err.value) and "connect" in str(err.value)


def test_slow_endpoint_times_out_before_it_answers(fake: tuple[str, FakeState]) -> None:
    base, state = fake
    with pytest.raises(RemoteTimeoutError) as err:
        RemoteStore(base + "/slow", timeout=1).select(Q)
    assert base + "/slow" in str(err.value) and "1 s timeout" in str(err.value)
    assert state.slow_entered.is_set() and not state.slow_finished.is_set()  # gave up while the server still slept


def test_a_body_that_never_completes_times_out(fake: tuple[str, FakeState]) -> None:
    base, _ = fake
    with pytest.raises(RemoteTimeoutError):
        RemoteStore(base + "/drip", timeout=1).select(Q)


@pytest.mark.parametrize("path", ["/html", "/redirect"])
def test_an_html_page_is_an_error_not_results(fake: tuple[str, FakeState], path: str) -> None:
    base, _ = fake
    with pytest.raises(RemoteResponseError) as err:
        RemoteStore(base + path, timeout=5).select(Q)
    msg = str(err.value)
    assert "unexpected response (text/html)" in msg and base + path in msg and "Please sign in" in msg
    if path == "/redirect":
        assert "redirected to " + base + "/html" in msg


@pytest.mark.parametrize("path", ["/truncated", "/cut", "/notresults"])
def test_truncated_or_invalid_json_is_an_error(fake: tuple[str, FakeState], path: str) -> None:
    base, _ = fake
    with pytest.raises(RemoteResponseError) as err:
        RemoteStore(base + path, timeout=5).select(Q)
    assert base + path in str(err.value)


def test_ask_and_construct_check_their_answers_too(fake: tuple[str, FakeState]) -> None:
    base, _ = fake
    with pytest.raises(RemoteResponseError, match="no boolean"):
        RemoteStore(base + "/ok", timeout=5).ask("ASK { ?s ?p ?o }")
    with pytest.raises(RemoteResponseError, match="unexpected response"):
        RemoteStore(base + "/ok", timeout=5).construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def test_400_surfaces_the_remote_message(fake: tuple[str, FakeState]) -> None:
    base, _ = fake
    with pytest.raises(RemoteQueryError) as err:
        RemoteStore(base + "/bad", timeout=5).select(Q)
    assert "HTTP 400" in str(err.value) and "unexpected token 'SELEC'" in str(err.value)


def test_500_is_a_remote_error(fake: tuple[str, FakeState]) -> None:
    base, _ = fake
    with pytest.raises(RemoteServerError) as err:
        RemoteStore(base + "/error", timeout=5).select(Q)
    assert err.value.status == 500 and "out of memory" in str(err.value)


def test_503_is_retried_then_fails(fake: tuple[str, FakeState]) -> None:
    base, state = fake
    with pytest.raises(RemoteServerError) as err:
        RemoteStore(base + "/busy", timeout=5, retries=2).select(Q)
    assert err.value.status == 503 and "after 3 attempts" in str(err.value)
    assert state.requests.count("/busy") == 3


def test_503_then_success_returns_the_answer(fake: tuple[str, FakeState]) -> None:
    base, state = fake
    state.busy_left = 2
    res = RemoteStore(base + "/busy-once", timeout=5, retries=3).select(Q)
    assert len(res) == 1 and state.requests.count("/busy-once") == 3


def test_503_with_a_retry_after_beyond_the_deadline_fails_at_once(fake: tuple[str, FakeState]) -> None:
    base, state = fake
    with pytest.raises(RemoteServerError, match="would pass the 2 s timeout"):
        RemoteStore(base + "/busy-long", timeout=2).select(Q)
    assert state.requests.count("/busy-long") == 1


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR DEFAULT",
])
def test_writes_are_refused_before_anything_is_sent(fake: tuple[str, FakeState], text: str) -> None:
    base, state = fake
    store = RemoteStore(base + "/ok", timeout=5)
    with pytest.raises(ReadOnlyError):
        store.select(text)
    with pytest.raises(BackendError, match="read-only"):
        store.update(text)
    assert state.requests == []


def test_read_queries_mentioning_update_words_still_run(fake: tuple[str, FakeState]) -> None:
    base, _ = fake
    store = RemoteStore(base + "/ok", timeout=5)
    text = 'PREFIX ex: <http://x/> SELECT ?s ?n WHERE { ?s ex:drop ?insert . FILTER(?n != "DELETE") } # LOAD'
    assert len(store.select(text)) == 1


def test_canonical_lexical_forms() -> None:
    x = "http://www.w3.org/2001/XMLSchema#"
    assert canonical_lexical("2.50", x + "decimal") == "2.5"
    assert canonical_lexical("3.0", x + "decimal") == "3"
    assert canonical_lexical("+007", x + "integer") == "7"
    assert canonical_lexical("1.0E0", x + "double") == "1"
    assert canonical_lexical("text", x + "string") == "text"
