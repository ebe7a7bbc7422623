"""A read-only Store over a remote SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, ...).

Why it is built this way:

* **SPARQLWrapper, form-encoded.** Queries go as GET or form-encoded POST (``query=...``), never
  as a raw ``application/sparql-query`` POST: Virtuoso 7.2 hangs on that (ecosystem.md §6).
* **Faults are typed errors, never empty results.** SPARQLWrapper alone returns an HTML login
  page as ``bytes`` with a warning, lets a 503 escape as ``urllib.error.HTTPError`` and limits only
  each socket operation (faults.md, background 7). Here the HTTP exchange runs in a worker thread
  that the caller abandons at the deadline, the media type is checked before parsing, the JSON is
  checked for shape, and every failure is a :class:`RemoteError` naming the endpoint.
* **Reads only.** Update operations are refused before anything is sent; there is no write method
  that does anything but raise. Publishing goes through ``npkg.publish`` and the Graph Store
  Protocol instead.
* **Same terms as the embedded store.** JSON bindings become :class:`~npkg.store.IRI`,
  :class:`~npkg.store.Lit` and :class:`~npkg.store.BNode`. Where servers differ only in how they
  *write* a value, it is normalised the way pyoxigraph writes it: Virtuoso's ``typed-literal``
  type, plain literals as ``xsd:string``, canonical lexical forms for xsd numerics (``2.50`` ->
  ``2.5``, ``007`` -> ``7``) and lower-case language tags. Values themselves are never changed:
  a decimal stays a decimal, an integer an integer.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import math
import re
import socket
import threading
import time
import urllib.error
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from npkg.bindings import bind
from npkg.errors import BackendError, UsageError
from npkg.store import IRI, XSD, BNode, Lit, SelectResult, Term
from npkg.syntax import _STRIP, precheck_query, uses_dataset_clause

RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: a response body larger than this is refused (the whole release is ~2 MB of N-Triples)
MAX_RESPONSE_BYTES = 512 * 1024 * 1024
_JSON_TYPES = ("application/sparql-results+json", "application/json")
_RDF_TYPES = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "ttl", "application/turtle": "ttl",
              "application/x-turtle": "ttl"}
#: update keywords as SPARQL lexes them (not inside strings, IRIs, comments, variables or prefixed names)
_UPDATE = re.compile(r"(?<![?$\w:])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.IGNORECASE)
_CANON_INTEGER = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                    "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
                                    "unsignedShort", "unsignedByte")}


class RemoteError(BackendError):
    """A remote endpoint failed; ``endpoint`` is the URL that was asked."""

    def __init__(self, endpoint: str, message: str) -> None:
        super().__init__(f"SPARQL endpoint {endpoint}: {message}")
        self.endpoint = endpoint


class RemoteUnavailableError(RemoteError):
    """Nothing answers at the endpoint (connection refused, unknown host, connection reset)."""


class RemoteTimeoutError(RemoteError):
    """The endpoint did not deliver a complete answer within the deadline."""


class RemoteResponseError(RemoteError):
    """The endpoint answered something that is not SPARQL results (HTML page, truncated or invalid JSON)."""


class RemoteQueryError(RemoteError):
    """The endpoint rejected the query (HTTP 400); the remote message is included."""


class RemoteServerError(RemoteError):
    """The endpoint failed (HTTP 5xx, or 503 still after the retries) or refused access (401/403/404)."""

    def __init__(self, endpoint: str, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(endpoint, message)
        self.status = status
        self.reason = message
        self.retry_after = retry_after


class ReadOnlyError(BackendError):
    """A write was attempted through the read-only remote store."""


@dataclass(frozen=True)
class _Response:
    status: int
    content_type: str
    url: str
    body: bytes


def _remote_text(body: bytes, limit: int = 300) -> str:
    """A short, single-line excerpt of a remote error body (HTML tags removed)."""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def canonical_lexical(value: str, datatype: str) -> str:
    """The lexical form pyoxigraph writes for a numeric value, so servers compare equal.

    >>> canonical_lexical("2.50", XSD + "decimal"), canonical_lexical("007", XSD + "integer")
    ('2.5', '7')
    >>> canonical_lexical("1.0E0", XSD + "double"), canonical_lexical("abc", XSD + "decimal")
    ('1', 'abc')
    """
    try:
        if datatype == XSD + "decimal":
            d = Decimal(value.strip())
            if not d.is_finite():
                return value
            text = format(d.normalize(), "f")
            return "0" if text in ("-0", "0") else text
        if datatype in _CANON_INTEGER:
            return str(int(value.strip()))
        if datatype in (XSD + "double", XSD + "float"):
            f = float(value.strip())
            if math.isnan(f):
                return "NaN"
            if math.isinf(f):
                return "INF" if f > 0 else "-INF"
            return format(Decimal(repr(f)).normalize(), "f")
        if datatype == XSD + "boolean":
            return {"1": "true", "0": "false"}.get(value.strip(), value.strip())
    except (ValueError, InvalidOperation):
        return value
    return value


def term_from_json(binding: Mapping[str, Any], endpoint: str) -> Term:
    """One SPARQL 1.1 JSON term (plus Virtuoso's ``typed-literal``) as an npkg term."""
    kind = binding.get("type")
    value = binding.get("value")
    if not isinstance(value, str):
        raise RemoteResponseError(endpoint, f"malformed SPARQL JSON results: term without a string value: {binding!r}")
    if kind == "uri":
        return IRI(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = binding.get("xml:lang")
        if lang:
            return Lit(value, RDF_LANGSTRING, str(lang).lower())
        datatype = str(binding.get("datatype") or XSD + "string")
        return Lit(canonical_lexical(value, datatype), datatype)
    raise RemoteResponseError(endpoint, f"malformed SPARQL JSON results: unknown term type {kind!r}")


def _rdf_term(term: object) -> Term:
    from npkg.store.embedded import convert

    out = convert(term)
    assert out is not None
    if isinstance(out, Lit):
        out = Lit(canonical_lexical(out.value, out.datatype), out.datatype, out.language)
    return out


class RemoteStore:
    """Read-only :class:`~npkg.store.Store` over a SPARQL 1.1 Protocol endpoint.

    ``timeout`` is the whole budget of one call in seconds, retries of a 503 included.
    ``graph`` restricts queries to one named graph (sent as ``default-graph-uri``); needed on
    Virtuoso, whose default graph is the union of all graphs including its system graphs.
    ``user`` / ``password`` are sent with HTTP basic auth (``auth="digest"`` for digest; note
    that SPARQLWrapper then installs a process-wide urllib opener).
    """

    read_only = True

    def __init__(self, endpoint: str, *, timeout: float = 30.0, graph: str | None = None, user: str | None = None,
                 password: str | None = None, auth: str = "basic", retries: int = 3, method: str = "POST") -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise UsageError(f"{endpoint!r} is not an http(s) SPARQL endpoint URL")
        if timeout <= 0:
            raise UsageError(f"timeout must be positive, got {timeout}")
        if method not in ("GET", "POST"):
            raise UsageError(f"method must be GET or POST (form-encoded), got {method!r}")
        if auth not in ("basic", "digest"):
            raise UsageError(f"auth must be 'basic' or 'digest', got {auth!r}")
        if (user is None) != (password is None):
            raise UsageError("give both user and password, or neither")
        self.endpoint = endpoint
        self.name = f"remote {endpoint}"
        self.timeout = float(timeout)
        self.graph = graph
        self.user, self.password, self.auth = user, password, auth
        self.retries = max(0, retries)
        self.method = method

    # ------------------------------------------------------------------ writes: refused
    def update(self, text: str) -> None:
        """Always refused: the remote store is read-only (publish with ``npkg publish``)."""
        raise ReadOnlyError(f"{self.name} is read-only: updates are refused (use `npkg publish` to load a release)")

    def add(self, *_: object) -> None:
        """Always refused, see :meth:`update`."""
        self.update("")

    load = remove = clear = add

    # ------------------------------------------------------------------ reads
    def select(self, query: str, bindings: Mapping[str, Sequence[Term]] | None = None) -> SelectResult:
        data = self._json(bind(query, bindings), "SELECT")
        head, results = data.get("head"), data.get("results")
        if not isinstance(head, dict) or not isinstance(results, dict):
            raise RemoteResponseError(self.endpoint, "malformed SPARQL JSON results: no head/results (is it a SELECT query?)")
        variables, rows_json = head.get("vars"), results.get("bindings")
        if not isinstance(variables, list) or not isinstance(rows_json, list):
            raise RemoteResponseError(self.endpoint, "malformed SPARQL JSON results: head.vars or results.bindings missing")
        rows = []
        for row in rows_json:
            if not isinstance(row, dict):
                raise RemoteResponseError(self.endpoint, "malformed SPARQL JSON results: a binding is not an object")
            rows.append({v: (term_from_json(row[v], self.endpoint) if v in row else None) for v in variables})
        return SelectResult(tuple(variables), tuple(rows))

    def ask(self, query: str) -> bool:
        data = self._json(query, "ASK")
        value = data.get("boolean")
        if not isinstance(value, bool):
            raise RemoteResponseError(self.endpoint, "malformed SPARQL JSON results: no boolean (is it an ASK query?)")
        return value

    def construct(self, query: str) -> list[tuple[Term, Term, Term]]:
        from pyoxigraph import RdfFormat, parse

        resp = self._send(query, "CONSTRUCT")
        kind = _RDF_TYPES.get(resp.content_type)
        if kind is None:
            raise self._unexpected(resp, "N-Triples or Turtle")
        fmt = RdfFormat.N_TRIPLES if kind == "nt" else RdfFormat.TURTLE
        try:
            triples = [(_rdf_term(t.subject), _rdf_term(t.predicate), _rdf_term(t.object))
                       for t in parse(resp.body, format=fmt)]
        except SyntaxError as exc:
            raise RemoteResponseError(self.endpoint, f"invalid or truncated {resp.content_type} graph: {exc}") from None
        return triples

    def triple_count(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        n = rows[0].get("n") if rows else None
        if not isinstance(n, Lit):
            raise RemoteResponseError(self.endpoint, "COUNT(*) returned no number")
        return int(n.value)

    # ------------------------------------------------------------------ protocol
    def _check(self, text: str) -> None:
        stripped = _STRIP.sub(" ", text)
        m = _UPDATE.search(stripped)
        if m:
            raise ReadOnlyError(f"{self.name} is read-only: {m.group(1).upper()} is an update operation and is refused")
        if uses_dataset_clause(text):
            raise UsageError("FROM / FROM NAMED dataset clauses are disabled: use graph= to choose the remote graph")
        precheck_query(text, allow_service=True)

    def _json(self, query: str, form: str) -> dict[str, Any]:
        resp = self._send(query, form)
        if resp.content_type not in _JSON_TYPES:
            raise self._unexpected(resp, "application/sparql-results+json")
        try:
            data = json.loads(resp.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RemoteResponseError(self.endpoint,
                                      f"invalid or truncated JSON results ({len(resp.body)} bytes): {exc}") from None
        if not isinstance(data, dict):
            raise RemoteResponseError(self.endpoint, "malformed SPARQL JSON results: not a JSON object")
        return data

    def _unexpected(self, resp: _Response, wanted: str) -> RemoteResponseError:
        where = f" (redirected to {resp.url})" if resp.url.split("?")[0] != self.endpoint.split("?")[0] else ""
        got = resp.content_type or "no content type"
        return RemoteResponseError(self.endpoint, f"unexpected response ({got}){where}, expected {wanted}: "
                                   f"{_remote_text(resp.body, 120)!r}")

    def _wrapper(self, text: str, form: str) -> Any:
        from SPARQLWrapper import BASIC, DIGEST, GET, JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

        sw = SPARQLWrapper(self.endpoint)
        sw.setQuery(text)
        if sw.isSparqlUpdateRequest():  # a second guard behind _check
            raise ReadOnlyError(f"{self.name} is read-only: update operations are refused")
        sw.setMethod(POST if self.method == "POST" else GET)
        sw.setRequestMethod(URLENCODED)  # never POSTDIRECTLY: Virtuoso hangs on application/sparql-query
        sw.setOnlyConneg(True)
        if form == "CONSTRUCT":
            sw.setReturnFormat(TURTLE)
            sw.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9, text/plain;q=0.5")
        else:
            sw.setReturnFormat(JSON)
            sw.addCustomHttpHeader("Accept", "application/sparql-results+json, application/json;q=0.9")
        if self.graph:
            sw.addDefaultGraph(self.graph)
        if self.user is not None and self.password is not None:
            sw.setHTTPAuth(DIGEST if self.auth == "digest" else BASIC)
            sw.setCredentials(self.user, self.password)
        return sw

    def _send(self, text: str, form: str) -> _Response:
        self._check(text)
        deadline = time.monotonic() + self.timeout
        attempt = 0
        while True:
            try:
                return self._attempt(text, form, deadline)
            except RemoteServerError as exc:
                if exc.status != 503:
                    raise
                if attempt >= self.retries:
                    raise RemoteServerError(self.endpoint, f"{exc.reason} (still after {attempt + 1} attempts)", 503) from None
                wait = min(exc.retry_after if exc.retry_after is not None else 0.25 * 2 ** attempt, 10.0)
                if wait >= deadline - time.monotonic():
                    raise RemoteServerError(self.endpoint, f"{exc.reason}; retry after {wait:g} s would pass the "
                                            f"{self.timeout:g} s timeout (after {attempt + 1} attempt(s))", 503) from None
                attempt += 1
                time.sleep(wait)

    def _attempt(self, text: str, form: str, deadline: float) -> _Response:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RemoteTimeoutError(self.endpoint, f"no complete answer within the {self.timeout:g} s timeout")
        sw = self._wrapper(text, form)
        sw.timeout = left  # whole seconds in setTimeout(); urllib accepts a float
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["ok"] = self._exchange(sw, deadline)
            except BaseException as exc:  # handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=run, name="npkg-remote-query", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():  # abandoned: its socket timeout ends it soon after
            raise RemoteTimeoutError(self.endpoint, f"no complete answer within the {self.timeout:g} s timeout")
        if "error" in box:
            raise self._translate(box["error"]) from None
        result: _Response = box["ok"]
        return result

    def _exchange(self, sw: Any, deadline: float) -> _Response:
        """One HTTP exchange (in the worker thread): the response read in full, bounded in size and time."""
        result = sw.query()
        resp = result.response
        try:
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("deadline passed while reading the response")
                chunk = resp.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise RemoteResponseError(self.endpoint, f"response larger than {MAX_RESPONSE_BYTES} bytes")
                chunks.append(chunk)
            ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return _Response(getattr(resp, "status", 200), ctype, resp.geturl(), b"".join(chunks))
        finally:
            resp.close()

    def _translate(self, exc: BaseException) -> BaseException:
        """A library exception as a typed error naming the endpoint."""
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            SPARQLWrapperException,
            Unauthorized,
            URITooLong,
        )

        ep = self.endpoint
        if isinstance(exc, (BackendError, UsageError)):
            return exc
        if isinstance(exc, QueryBadFormed):
            return RemoteQueryError(ep, f"the endpoint rejected the query (HTTP 400): {_remote_text(_body(exc))}")
        if isinstance(exc, EndPointInternalError):
            return RemoteServerError(ep, f"remote error (HTTP 500): {_remote_text(_body(exc))}", 500)
        if isinstance(exc, Unauthorized):
            return RemoteServerError(ep, f"access refused (HTTP 401): {_remote_text(_body(exc))}", 401)
        if isinstance(exc, EndPointNotFound):
            return RemoteServerError(ep, f"no SPARQL endpoint here (HTTP 404): {_remote_text(_body(exc))}", 404)
        if isinstance(exc, URITooLong):
            return RemoteServerError(ep, "request too long (HTTP 414); use method='POST'", 414)
        if isinstance(exc, SPARQLWrapperException):
            return RemoteError(ep, f"{type(exc).__name__}: {_remote_text(_body(exc))}")
        if isinstance(exc, urllib.error.HTTPError):
            try:
                body = exc.read()
            except (OSError, http.client.HTTPException):
                body = b""
            after = _retry_after(exc.headers.get("Retry-After")) if exc.headers else None
            return RemoteServerError(ep, f"HTTP {exc.code} {exc.reason}: {_remote_text(body)}", exc.code, after)
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                return RemoteTimeoutError(ep, f"no answer within the {self.timeout:g} s timeout")
            return RemoteUnavailableError(ep, f"cannot connect: {reason}")
        if isinstance(exc, (TimeoutError, socket.timeout)):
            return RemoteTimeoutError(ep, f"no complete answer within the {self.timeout:g} s timeout")
        if isinstance(exc, http.client.IncompleteRead):
            return RemoteResponseError(ep, f"the connection closed mid-response ({len(exc.partial)} bytes read)")
        if isinstance(exc, (http.client.HTTPException, ConnectionError)):
            return RemoteUnavailableError(ep, f"the connection failed: {type(exc).__name__}: {exc}")
        if isinstance(exc, OSError):
            return RemoteUnavailableError(ep, f"network error: {exc}")
        return RemoteError(ep, f"unexpected failure: {type(exc).__name__}: {exc}")


def _body(exc: Exception) -> bytes:
    """The response body SPARQLWrapper put in an exception (its message ends with the body's repr)."""
    raw = getattr(exc, "response", None)
    if isinstance(raw, bytes):
        return raw
    msg = str(exc)
    m = re.search(r"Response:\s*\n?(b['\"].*)$", msg, re.S)
    if m:
        try:
            import ast

            value = ast.literal_eval(m.group(1).strip())
            if isinstance(value, bytes):
                return value
        except (ValueError, SyntaxError):
            pass
    return msg.encode("utf-8", "replace")
