"""The HTTP side of ``npkg serve``: SPARQL 1.1 Protocol, named-query routes, the page, CORS.

Standard library only (``http.server.ThreadingHTTPServer``): it starts in well under a
second and needs no dependency. Each connection gets a thread that parses and checks the
request (sizes, encodings, refusals); the query itself runs in a killable worker process
(``npkg.server.pool``). Routes:

* ``GET /`` the page for people; ``GET /sparql`` with no query: the service description.
* ``GET|POST /sparql`` SPARQL 1.1 Protocol queries; results negotiated from ``Accept``.
* ``GET /queries`` the named queries as JSON; ``GET /queries/NAME?param=value`` runs one.
* ``GET /entity?id=CURIE`` every fact about an entity (a browser is sent to the page).
* ``GET /health`` liveness and pool counters.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

from npkg import __version__
from npkg.server.limits import (
    FEDERATION_MESSAGE,
    MAX_ROWS_HEADER,
    MAX_ROWS_JSON_KEY,
    RESULTS_TYPES,
    TRUNCATED_HEADER,
    TRUNCATED_JSON_KEY,
    UPDATE_MESSAGE,
    HttpError,
    ServerConfig,
    decode_form,
    guard_query,
    negotiate,
    single,
)
from npkg.server.pool import WorkerPool

log = logging.getLogger("npkg.serve")

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Expose-Headers": f"{TRUNCATED_HEADER}, {MAX_ROWS_HEADER}, X-npkg-entity",
    "Access-Control-Max-Age": "600",
}
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
#: drained after an early answer (413, 403) so the client reads the answer instead of a reset
DRAIN_BYTES = 256 * 1024


class Watchdog:
    """Closes connections whose request (line, headers, body) is not in within the read timeout.

    A per-recv socket timeout does not stop a client that trickles one byte every few seconds;
    this puts a deadline on the whole request. One thread serves every connection.
    """

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, socket.socket]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.fired = 0
        threading.Thread(target=self._loop, name="npkg-watchdog", daemon=True).start()

    def arm(self, sock: socket.socket, seconds: float) -> None:
        with self._lock:
            self._armed[id(sock)] = (time.monotonic() + seconds, sock)

    def disarm(self, sock: socket.socket) -> None:
        with self._lock:
            self._armed.pop(id(sock), None)

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            now = time.monotonic()
            with self._lock:
                late = [(k, s) for k, (t, s) in self._armed.items() if t <= now]
                for k, _s in late:
                    del self._armed[k]
            for _k, s in late:
                self.fired += 1
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class NpkgHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, config: ServerConfig, pool: WorkerPool) -> None:
        self.config = config
        self.pool = pool
        self.watchdog = Watchdog()
        self.active = threading.BoundedSemaphore(config.max_connections)
        from npkg import catalog

        self.queries = catalog.catalog(config.queries_dir)
        from npkg.server.page import render_page

        self.page = render_page()
        super().__init__((config.host, config.port), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.active.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                                b"Retry-After: 1\r\nContent-Length: 28\r\n\r\ntoo many connections; retry\n")
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.active.release()

    def server_close(self) -> None:
        super().server_close()
        self.watchdog.stop()
        self.pool.close()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"npkg-serve/{__version__}"
    server: NpkgHTTPServer

    # ------------------------------------------------------------------------------ plumbing
    def setup(self) -> None:
        super().setup()
        # per recv/send; the watchdog bounds the whole request read
        self.connection.settimeout(self.server.config.read_timeout_s)
        # headers and body go out as separate writes: without this, Nagle's algorithm and the client's
        # delayed ACK add ~40 ms to every keep-alive response
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_one_request(self) -> None:
        self._body_unread = False
        self.server.watchdog.arm(self.connection, self.server.config.read_timeout_s)
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        finally:
            self.server.watchdog.disarm(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414 over 64 KiB, 431) in npkg's plain-text style."""
        self.close_connection = True
        self._send(code, (message or self.responses.get(code, ("error",))[0]) + "\n", "text/plain; charset=utf-8")

    def _send(self, status: int, body: bytes | str, content_type: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in CORS.items():
            self.send_header(k, v)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection or self._body_unread:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()
        if self._body_unread:
            self._drain()

    def _drain(self) -> None:
        """Read (and drop) a bounded amount of an unread body, so the answer is not lost to a TCP reset."""
        sock = self.connection
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(0.5)
            got = 0
            while got < DRAIN_BYTES:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        except OSError:
            pass

    def _error(self, err: HttpError) -> None:
        self._send(err.status, err.message + "\n", "text/plain; charset=utf-8", err.headers)

    def _json(self, status: int, doc: Any) -> None:
        self._send(status, json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "application/json; charset=utf-8")

    def _dispatch(self, fn: Any) -> None:
        try:
            fn()
        except HttpError as err:
            self._error(err)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    # ------------------------------------------------------------------------------ request parsing
    def _target(self) -> tuple[str, list[tuple[str, str]]]:
        raw = self.path.encode("latin-1", "replace")  # http.server decoded the request line as latin-1
        if len(raw) > self.server.config.max_url_bytes:
            raise HttpError(414, f"URL too long: {len(raw)} bytes, limit {self.server.config.max_url_bytes}; "
                                 "send long queries by POST")
        path, _, qs = raw.partition(b"?")
        path = path.split(b"#", 1)[0]
        try:
            from urllib.parse import unquote_to_bytes

            text_path = unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the URL path is not valid UTF-8 after percent-decoding") from None
        return text_path, decode_form(qs, "URL query string")

    def _read_body(self) -> bytes:
        """The request body within the size limit; 413 without reading the rest, 411 when unframed."""
        limit = self.server.config.max_body_bytes
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            return self._read_chunked(limit)
        length = self.headers.get("Content-Length")
        if length is None:
            raise HttpError(411, "a POST needs Content-Length or chunked Transfer-Encoding")
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            self._body_unread = True
            raise HttpError(400, f"bad Content-Length {length!r}") from None
        if n > limit:
            self._body_unread = True
            raise HttpError(413, f"request body of {n} bytes is over the {limit}-byte limit")
        data = self.rfile.read(n)
        if len(data) < n:
            self.close_connection = True
            raise HttpError(400, "request body shorter than its Content-Length")
        return data

    def _read_chunked(self, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                self.close_connection = True
                raise HttpError(400, "malformed chunked body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self._body_unread = True
                raise HttpError(400, "malformed chunk size in a chunked body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > limit:
                self._body_unread = True
                raise HttpError(413, f"chunked request body is over the {limit}-byte limit (stopped reading at "
                                     f"{total - size} bytes)")
            data = self.rfile.read(size)
            if len(data) < size:
                self.close_connection = True
                raise HttpError(400, "chunked body ended early")
            parts.append(data)
            self.rfile.readline(8)

    def _content_type(self) -> tuple[str, dict[str, str]]:
        raw = self.headers.get("Content-Type") or ""
        parts = [p.strip() for p in raw.split(";")]
        params = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip().strip('"')
        return parts[0].lower(), params

    # ------------------------------------------------------------------------------ methods
    def do_GET(self) -> None:
        self._dispatch(self._get)

    def do_POST(self) -> None:
        self._dispatch(self._post)

    def do_OPTIONS(self) -> None:
        self.server.watchdog.disarm(self.connection)
        self._send(204, b"", "text/plain", {"Allow": "GET, POST, OPTIONS"})

    def _not_allowed(self) -> None:
        self._body_unread = bool(self.headers.get("Content-Length") or self.headers.get("Transfer-Encoding"))
        if self.path.split("?")[0] == "/update":
            self._error(HttpError(403, UPDATE_MESSAGE))
            return
        self._error(HttpError(405, f"method {self.command} not allowed; this read-only endpoint accepts GET and POST",
                              {"Allow": "GET, POST, OPTIONS"}))

    do_PUT = do_DELETE = do_PATCH = do_HEAD = _not_allowed

    def _get(self) -> None:
        path, params = self._target()
        self.server.watchdog.disarm(self.connection)
        if path == "/sparql":
            self._sparql(params, None)
        elif path in ("/", "/index.html"):
            self._send(200, self.server.page, "text/html; charset=utf-8",
                       {"Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                                   "style-src 'unsafe-inline'; connect-src 'self'"})
        elif path == "/queries":
            self._list_queries()
        elif path.startswith("/queries/"):
            self._named(path[len("/queries/"):], params)
        elif path == "/entity":
            self._entity(params)
        elif path == "/health":
            pool = self.server.pool
            self._json(200, {"status": "ok", "workers": self.server.config.workers, **pool.stats,
                             "sandbox": pool.info.get("sandbox"), "triples": pool.info.get("triples"),
                             "workerBaseMiB": pool.info.get("vm_mb"), "memoryCapMiB": self.server.config.memory_mb})
        elif path == "/update":
            raise HttpError(403, UPDATE_MESSAGE)
        else:
            raise HttpError(404, f"no such route {path!r}; try /sparql, /queries or /")

    def _post(self) -> None:
        path, params = self._target()
        if path == "/update":
            self._body_unread = True
            raise HttpError(403, UPDATE_MESSAGE)
        if path != "/sparql":
            self._body_unread = True
            raise HttpError(404 if not path.startswith("/queries") else 405,
                            f"POST is only for /sparql (got {path!r})")
        ctype, cparams = self._content_type()
        if ctype == SPARQL_UPDATE:
            self._body_unread = True
            raise HttpError(403, UPDATE_MESSAGE)
        if ctype not in (FORM, SPARQL_QUERY):
            self._body_unread = True
            raise HttpError(415, f"unsupported Content-Type {ctype or '(none)'!r}; send {FORM} (query=...) or "
                                 f"{SPARQL_QUERY}")
        charset = cparams.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            self._body_unread = True
            raise HttpError(415, f"charset {charset!r} not supported; SPARQL requests are UTF-8")
        body = self._read_body()
        self.server.watchdog.disarm(self.connection)
        if ctype == FORM:
            self._sparql(params + decode_form(body, "form body"), None)
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise HttpError(400, f"the query is not valid UTF-8 (byte {exc.start})") from None
            self._sparql(params, text)

    # ------------------------------------------------------------------------------ routes
    def _sparql(self, params: list[tuple[str, str]], direct: str | None) -> None:
        if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
            raise HttpError(403, UPDATE_MESSAGE)
        if any(k in ("default-graph-uri", "named-graph-uri") for k, _ in params):
            raise HttpError(400, FEDERATION_MESSAGE)
        query = single(params, "query")
        if direct is not None:
            if query is not None:
                raise HttpError(400, "a query in both the URL and the request body; give one")
            query = direct
        if query is None:
            if self.command == "GET" and not params:
                self._service_description()
                return
            raise HttpError(400, "missing the 'query' parameter")
        if not query.strip():
            raise HttpError(400, "empty query")
        guard_query(query)
        self._run({"kind": "sparql", "text": query})

    def _run(self, job: dict[str, Any]) -> None:
        job["accept"] = self.headers.get("Accept")
        deadline = time.monotonic() + self.server.config.timeout_s
        out = self.server.pool.run(job, deadline)
        self._send(out["status"], out["body"], out["content_type"], out["headers"])

    def _list_queries(self) -> None:
        items = []
        for q in self.server.queries.values():
            items.append({
                "name": q.name, "title": q.title, "description": q.description, "returns": list(q.returns),
                "url": f"/queries/{q.name}",
                "params": [{"name": p.name, "kind": p.kind, "required": p.required, "description": p.description,
                            "example": p.example, "choices": list(p.choices)} for p in q.params],
            })
        self._json(200, {"queries": items, "maxRows": self.server.config.max_rows,
                         "timeoutSeconds": self.server.config.timeout_s})

    def _named(self, name: str, params: list[tuple[str, str]]) -> None:
        nq = self.server.queries.get(name)
        if nq is None:
            raise HttpError(404, f"unknown query {name!r}; available queries: {', '.join(sorted(self.server.queries))}")
        values: dict[str, str] = {}
        for key, _ in params:
            if key in values:
                raise HttpError(400, f"query {name!r}: parameter {key} given more than once; give it once")
            values[key] = next(v for k, v in params if k == key)
        unknown = sorted(k for k in values if nq.param(k) is None)
        if unknown:
            expected = ", ".join(f"{p.name} ({p.kind})" for p in nq.params) or "none"
            raise HttpError(400, f"query {name!r}: unknown parameter(s) {', '.join(unknown)}; expected: {expected}")
        self._run({"kind": "named", "name": name, "params": values})

    def _entity(self, params: list[tuple[str, str]]) -> None:
        ident = single(params, "id")
        if not ident:
            raise HttpError(400, "parameter id (a CURIE, IRI or label) is required")
        html = negotiate(self.headers.get("Accept"), ("text/html", *RESULTS_TYPES))
        if html == "text/html":
            self._send(303, b"", "text/plain", {"Location": "/#entity=" + quote(ident, safe=":")})
            return
        self._run({"kind": "entity", "id": ident})

    def _service_description(self) -> None:
        media = negotiate(self.headers.get("Accept"), ("text/turtle", "application/n-triples", "text/plain"))
        if media is None:
            raise HttpError(406, "the service description is available as text/turtle or application/n-triples")
        ttl = service_description(self.server.base_url, self.server.config, self.server.pool.info.get("triples"))
        if media == "text/turtle":
            self._send(200, ttl, "text/turtle; charset=utf-8")
            return
        from pyoxigraph import RdfFormat, parse, serialize

        nt = serialize(parse(ttl.encode(), format=RdfFormat.TURTLE), format=RdfFormat.N_TRIPLES) or b""
        self._send(200, nt, media + "; charset=utf-8")


def _ttl_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def service_description(base_url: str, config: ServerConfig, triples: int | None) -> str:
    """SPARQL 1.1 Service Description (sd:) of this endpoint, limits and truncation signal included."""
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
    comment = (
        f"Read-only SPARQL 1.1 Query endpoint over the npkg release (npkg {__version__}). "
        f"Refused: SPARQL Update (403), SERVICE, FROM, FROM NAMED and protocol dataset parameters (400). "
        f"Limits: {config.timeout_s:g} s per query (the worker is killed at the limit: 504 'query timeout'), "
        f"{config.memory_mb} MiB address space per worker, requests up to {config.max_body_bytes} bytes (413 above), "
        f"URLs up to {config.max_url_bytes} bytes (414 above). "
        f"Results are cut at {config.max_rows} rows (or triples); a cut result carries the response header "
        f"'{TRUNCATED_HEADER}: true' (and '{MAX_ROWS_HEADER}'), and SPARQL JSON results carry the top-level keys "
        f"\"{TRUNCATED_JSON_KEY}\": true and \"{MAX_ROWS_JSON_KEY}\": {config.max_rows}. "
        "Named queries: GET /queries (JSON list), GET /queries/NAME?param=value. Results: JSON (default), XML, CSV, "
        "TSV by Accept; CONSTRUCT and DESCRIBE as Turtle (default), N-Triples, JSON-LD or RDF/XML.")
    lines = [
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .",
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix formats: <http://www.w3.org/ns/formats/> .",
        "",
        f"<{base_url}/sparql#service> a sd:Service ;",
        f"  sd:endpoint <{base_url}/sparql> ;",
        "  sd:supportedLanguage sd:SPARQL11Query ;",
        "  sd:resultFormat " + ", ".join(f"formats:{f}" for f in formats) + " ;",
        "  dcterms:title \"npkg SPARQL endpoint\" ;",
        f"  rdfs:comment {_ttl_string(comment)} ;",
        "  sd:defaultDataset [ a sd:Dataset ;",
        "    sd:defaultGraph [ a sd:Graph" + (f" ; void:triples {int(triples)}" if triples is not None else "") + " ] ] .",
    ]
    return "\n".join(lines) + "\n"


def make_server(config: ServerConfig) -> NpkgHTTPServer:
    """Start the worker pool and bind the socket (port 0 picks a free port: see ``server_address``)."""
    pool = WorkerPool(config)
    try:
        return NpkgHTTPServer(config, pool)
    except BaseException:
        pool.close()
        raise
