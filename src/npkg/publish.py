"""Publish a release into a triple store: all or nothing, safe to repeat.

Steps (each failure stops and cleans up; the target graph is touched only by the final swap):

1. Parse the release through the strict syntax gate (an IRI the store would reject is caught
   here, not half-way through an upload) and write it as canonical N-Triples; the expected
   triple count is the number of *distinct* triples.
2. ``PUT`` it into a fresh temporary named graph with the SPARQL 1.1 Graph Store Protocol.
3. Count the temporary graph through the query endpoint; a short count (an upload cut off,
   a server that dropped triples) aborts.
4. Swap with one SPARQL Update ``MOVE GRAPH <tmp> TO <target>``, executed by the server in one
   request (no upload can be interrupted half-way through it), then count the target.
5. On any failure, ``DROP SILENT GRAPH <tmp>``; the target keeps what it had.

Server layouts (derived from the query URL, or given explicitly):

* Oxigraph: query ``/query``, update ``/update``, GSP ``/store?graph=``.
* Virtuoso: query ``/sparql``, update ``/sparql-auth`` and GSP ``/sparql-graph-crud-auth?graph-uri=``,
  both with HTTP digest auth (anonymous updates fail with HTTP 500 there; ecosystem.md §6).
  Virtuoso's default graph is the union of all graphs, so ``graph`` is required for it.

HTTP goes through a private urllib opener (digest auth included), never a process-wide one.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from npkg.bindings import render_term
from npkg.errors import BackendError, UsageError
from npkg.store import IRI

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    """Where a server takes queries, updates and Graph Store Protocol requests."""

    query: str
    update: str
    gsp: str
    gsp_param: str  # "graph" (SPARQL 1.1 GSP) or "graph-uri" (Virtuoso)
    kind: str


@dataclass(frozen=True)
class PublishResult:
    endpoint: str
    graph: str | None
    triples: int
    seconds: float


def layout_for(endpoint: str, *, update: str | None = None, gsp: str | None = None) -> Layout:
    """The server layout for a query URL ending in ``/query`` (Oxigraph) or ``/sparql`` (Virtuoso)."""
    if not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"{endpoint!r} is not an http(s) SPARQL endpoint URL")
    base = endpoint.rstrip("/")
    if base.endswith("/query"):
        root = base[: -len("/query")]
        return Layout(endpoint, update or root + "/update", gsp or root + "/store", "graph", "oxigraph")
    if base.endswith("/sparql"):
        root = base[: -len("/sparql")]
        return Layout(endpoint, update or root + "/sparql-auth", gsp or root + "/sparql-graph-crud-auth", "graph-uri",
                      "virtuoso")
    if update and gsp:
        return Layout(endpoint, update, gsp, "graph", "generic")
    raise UsageError(f"cannot tell the update and Graph Store URLs of {endpoint}: give a query URL ending in /query "
                     "(Oxigraph) or /sparql (Virtuoso), or pass --update-url and --gsp-url")


def release_ntriples(path: Path) -> tuple[bytes, int]:
    """The release as canonical N-Triples (sorted, distinct) and its triple count; strict parse first."""
    from pyoxigraph import RdfFormat, serialize

    from npkg.syntax import parse_rdf_file

    if not path.is_file():
        raise UsageError(f"no release at {path}; run `npkg build` first or pass --store FILE")
    triples = sorted(set(parse_rdf_file(path)), key=str)
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    return data, len(triples)


class _Client:
    """Small HTTP client: a private opener (optional digest/basic auth) and error messages naming the URL."""

    def __init__(self, layout: Layout, user: str | None, password: str | None, timeout: float) -> None:
        self.layout = layout
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = []
        self.mgr: urllib.request.HTTPPasswordMgrWithDefaultRealm | None = None
        if user is not None and password is not None:
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (layout.update, layout.gsp, layout.query):
                mgr.add_password(None, url, user, password)
            handlers += [urllib.request.HTTPDigestAuthHandler(mgr), urllib.request.HTTPBasicAuthHandler(mgr)]
            self.mgr = mgr
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, url: str, data: bytes | None, headers: dict[str, str], what: str) -> bytes:
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                body: bytes = resp.read()
                return body
        except urllib.error.HTTPError as exc:
            from npkg.store.remote import _remote_text

            try:
                detail = _remote_text(exc.read())
            except OSError:
                detail = ""
            raise BackendError(f"publish to {self.layout.query}: {what} failed: HTTP {exc.code} {exc.reason} "
                               f"from {url.split('?')[0]}: {detail}") from None
        except (urllib.error.URLError, OSError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendError(f"publish to {self.layout.query}: {what} failed: connection to {url.split('?')[0]} "
                               f"broke or was refused ({type(reason).__name__}: {reason})") from None
        except Exception as exc:  # http.client.IncompleteRead, RemoteDisconnected...
            raise BackendError(f"publish to {self.layout.query}: {what} failed: {type(exc).__name__}: {exc}") from None

    def update(self, text: str, what: str) -> None:
        body = urllib.parse.urlencode({"update": text}).encode("ascii")
        self.request("POST", self.layout.update, body, {"Content-Type": "application/x-www-form-urlencoded"}, what)

    def _digest_authorization(self, method: str, url: str) -> str | None:
        """Fetch the digest challenge with an empty request, so that a large body is sent once, authorised.

        Virtuoso answers 401 and closes the connection while a megabyte-sized body is still being
        sent; urllib then sees a broken pipe instead of retrying with credentials.
        """
        probe = urllib.request.Request(url, data=b"", method=method)
        try:
            with urllib.request.build_opener().open(probe, timeout=self.timeout):
                return None
        except urllib.error.HTTPError as exc:
            challenge = exc.headers.get("WWW-Authenticate", "") or ""
            if exc.code in (401, 403) and self.mgr is None:
                raise BackendError(f"publish to {self.layout.query}: upload refused: HTTP {exc.code} {exc.reason} from "
                                   f"{url.split('?')[0]} (the store needs credentials: --user/--password)") from None
            if self.mgr is None or exc.code != 401 or not challenge.lower().startswith("digest "):
                return None
        except OSError:
            return None
        chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge[7:]))
        auth = urllib.request.HTTPDigestAuthHandler(self.mgr).get_authorization(
            urllib.request.Request(url, method=method), chal)
        return f"Digest {auth}" if auth else None

    def put_graph(self, graph: str, data: bytes) -> None:
        url = f"{self.layout.gsp}?{urllib.parse.urlencode({self.layout.gsp_param: graph})}"
        # N-Triples is Turtle; text/turtle is the one media type every GSP server here accepts
        headers = {"Content-Type": "text/turtle; charset=utf-8"}
        auth = self._digest_authorization("PUT", url)
        if auth:
            headers["Authorization"] = auth
        self.request("PUT", url, data, headers, f"upload into <{graph}>")

    def count(self, graph: str | None) -> int:
        from npkg.store import IRI
        from npkg.store.remote import RemoteStore

        store = RemoteStore(self.layout.query, timeout=self.timeout)
        if graph is None:
            return store.triple_count()
        # the graph IRI is bound as a parameter like any other value, never formatted into the text
        rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": [IRI(graph)]}).rows
        n = rows[0].get("n") if rows else None
        return int(getattr(n, "value", "-1"))


def publish(endpoint: str, release: Path, *, graph: str | None = None, user: str | None = None,
            password: str | None = None, timeout: float = 300.0, update_url: str | None = None,
            gsp_url: str | None = None) -> PublishResult:
    """Load ``release`` into ``graph`` (the default graph when None) of the store at ``endpoint``; see the module doc."""
    from pyoxigraph import NamedNode

    start = time.monotonic()
    layout = layout_for(endpoint, update=update_url, gsp=gsp_url)
    if graph is not None:
        try:
            NamedNode(graph)
        except ValueError as exc:
            raise UsageError(f"--graph {graph!r} is not a valid IRI: {exc}") from None
    elif layout.kind == "virtuoso":
        raise UsageError("Virtuoso needs --graph IRI: its default graph is the union of every graph it holds")
    if (user is None) != (password is None):
        raise UsageError("give both --user and --password, or neither")
    data, expected = release_ntriples(release)
    client = _Client(layout, user, password, timeout)
    tmp = f"urn:npkg:publish-tmp:{uuid.uuid4()}"
    # graph names cannot be VALUES-bound in an update: they go through the binding module's term
    # renderer, which refuses anything that is not a valid absolute IRI
    target = f"GRAPH {render_term(IRI(graph))}" if graph else "DEFAULT"
    log.info("publishing %d triples from %s to %s (%s) via <%s>", expected, release, endpoint, graph or "default graph", tmp)
    moved = False
    try:
        client.put_graph(tmp, data)
        got = client.count(tmp)
        if got != expected:
            raise BackendError(f"publish to {endpoint}: the temporary graph <{tmp}> holds {got} triples, expected "
                               f"{expected}; nothing was changed in the target")
        client.update(f"MOVE SILENT GRAPH {render_term(IRI(tmp))} TO {target}", f"swap <{tmp}> into the target")
        moved = True
        final = client.count(graph)
        if final != expected:
            raise BackendError(f"publish to {endpoint}: after the swap the target holds {final} triples, expected {expected}")
    finally:
        if not moved:
            try:
                client.update(f"DROP SILENT GRAPH {render_term(IRI(tmp))}", "drop the temporary graph")
            except BackendError as exc:
                log.warning("could not drop the temporary graph <%s>: %s", tmp, exc)
    return PublishResult(endpoint, graph, expected, time.monotonic() - start)
