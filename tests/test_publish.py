"""``npkg publish``: all or nothing, safe to repeat, on a real Oxigraph server and a real Virtuoso.

The interrupted push goes through a small TCP proxy in front of a real Oxigraph server that
drops the connection once the client has sent a set number of bytes (half the upload).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from npkg.cli import main
from npkg.errors import BackendError, UsageError
from npkg.publish import publish, release_ntriples
from npkg.store.remote import RemoteStore

from .servers import VIRTUOSO_PASSWORD, Server, shared_server

TARGET = "https://w3id.org/npkg/test-graph/published"


def graph_count(query_url: str, graph: str | None) -> int:
    store = RemoteStore(query_url, timeout=60)
    if graph is None:
        return store.triple_count()
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows
    return int(rows[0]["n"].value)  # type: ignore[union-attr]


def temp_graphs(query_url: str) -> list[str]:
    rows = RemoteStore(query_url, timeout=60).select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"urn:npkg:publish-tmp:\")) }").rows
    return [str(r["g"].value) for r in rows]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def release_nt(release: Path) -> Path:
    return release / "npkg.nt"


@pytest.fixture(scope="module")
def expected(release_nt: Path) -> int:
    return release_ntriples(release_nt)[1]


def test_publish_twice_to_oxigraph(release_nt: Path, expected: int, request: pytest.FixtureRequest) -> None:
    server = shared_server(request.config, "oxigraph", release_nt)
    for _ in range(2):
        assert main(["publish", "--endpoint", server.query_url, "--graph", TARGET, "--store", str(release_nt)]) == 0
        assert graph_count(server.query_url, TARGET) == expected
    assert temp_graphs(server.query_url) == []


def test_publish_twice_to_virtuoso(release_nt: Path, expected: int, request: pytest.FixtureRequest) -> None:
    server = shared_server(request.config, "virtuoso", release_nt)
    for _ in range(2):
        result = publish(server.query_url, release_nt, graph=TARGET, user="dba", password=VIRTUOSO_PASSWORD)
        assert result.triples == expected
        assert graph_count(server.query_url, TARGET) == expected
    assert temp_graphs(server.query_url) == []


def test_virtuoso_refuses_anonymous_publishing_and_changes_nothing(release_nt: Path, request: pytest.FixtureRequest) -> None:
    server = shared_server(request.config, "virtuoso", release_nt)
    graph = TARGET + "-anonymous"
    with pytest.raises(BackendError, match="HTTP 401"):
        publish(server.query_url, release_nt, graph=graph)
    assert graph_count(server.query_url, graph) == 0


def test_virtuoso_needs_a_graph(release_nt: Path) -> None:
    with pytest.raises(UsageError, match="needs --graph"):
        publish("http://127.0.0.1:1/sparql", release_nt, user="dba", password="x")


class DroppingProxy:
    """Forwards TCP to ``upstream``; a connection whose client has sent more than ``limit`` bytes is cut."""

    def __init__(self, upstream: tuple[str, int], limit: int) -> None:
        self.upstream, self.limit = upstream, limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropped = 0
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                sent += len(data)
                if counted and sent > self.limit:
                    self.dropped += 1
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()


@pytest.fixture()
def proxy(release_nt: Path, request: pytest.FixtureRequest) -> Iterator[tuple[DroppingProxy, Server]]:
    server = shared_server(request.config, "oxigraph", release_nt)
    host, port = server.base.removeprefix("http://").split(":")
    p = DroppingProxy((host, int(port)), limit=len(release_ntriples(release_nt)[0]) // 2)
    yield p, server
    p.close()


def test_an_interrupted_push_leaves_the_target_unchanged(proxy: tuple[DroppingProxy, Server], release_nt: Path,
                                                         expected: int, tmp_path: Path) -> None:
    prox, server = proxy
    graph = TARGET + "-interrupted"
    small = tmp_path / "small.nt"
    small.write_text("<https://w3id.org/npkg/a> <https://w3id.org/npkg/b> \"before\" .\n", encoding="utf-8")
    publish(server.query_url, small, graph=graph)  # the target's current content, published directly
    assert graph_count(server.query_url, graph) == 1
    with pytest.raises(BackendError) as err:
        publish(f"http://127.0.0.1:{prox.port}/query", release_nt, graph=graph, timeout=30)
    assert prox.dropped >= 1
    assert "upload into" in str(err.value) and f"127.0.0.1:{prox.port}" in str(err.value)
    assert graph_count(server.query_url, graph) == 1  # unchanged
    assert temp_graphs(server.query_url) == []  # the temporary graph was not left behind


def test_a_graph_the_gate_rejects_is_never_sent(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text("<https://w3id.org/npkg/a b> <https://w3id.org/npkg/b> \"x\" .\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"bad\.nt"):
        publish("http://127.0.0.1:1/query", bad, graph=TARGET)  # port 1: would fail if anything were sent first
