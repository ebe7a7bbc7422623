"""A query worker: one process holding its own copy of the store, killed when a query overruns.

No engine in npkg's stack can stop a running query (pyoxigraph's API has no timeout,
oxigraph#1926; ``ORDER BY`` materialises unbounded, oxigraph#1871), so the only deadline that
really holds is killing the process that runs it. Each worker therefore:

* drops network access first (a new network namespace, where the kernel lets it), so even a
  query that slipped past the SERVICE guard could not reach anything;
* loads the release into an embedded store and warms the label index;
* caps its own address space (``RLIMIT_AS``) so a runaway query ends in an allocation
  failure of this process, never the host's OOM killer;
* answers jobs from the parent over a socket, one at a time, and exits after a MemoryError.

Run as ``python -m npkg.server.worker --fd N --store PATH ...``; started by ``npkg.server.pool``.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import sys
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from npkg.server.limits import GRAPH_TYPES, RESULTS_TYPES, negotiate

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

#: every fact about one entity (the page's entity view); ?entity is bound through npkg.bindings
ENTITY_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX npkg: <https://w3id.org/npkg/>
SELECT ?direction ?property ?value ?valueLabel ?source WHERE {
  { ?entity ?property ?value BIND("out" AS ?direction) OPTIONAL { ?value rdfs:label ?valueLabel } }
  UNION { ?value ?property ?entity BIND("in" AS ?direction) OPTIONAL { ?value rdfs:label ?valueLabel }
          FILTER (?property NOT IN (<http://www.w3.org/2002/07/owl#annotatedSource>,
                                    <http://www.w3.org/2002/07/owl#annotatedTarget>)) }
  OPTIONAL { ?value npkg:source/rdfs:label ?source }
  FILTER (!isBlank(?value))
} ORDER BY ?direction ?property ?value"""


def drop_network() -> str:
    """Move this process into an empty network namespace; say how (for the log)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return "no libc"
    for flags, how in ((CLONE_NEWNET, "netns"), (CLONE_NEWUSER | CLONE_NEWNET, "userns+netns")):
        if libc.unshare(flags) == 0:
            return how
    return "unavailable"


def vm_size_mb() -> float:
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reply(status: int, body: bytes | str, content_type: str = "text/plain; charset=utf-8",
          headers: dict[str, str] | None = None, retire: bool = False) -> dict[str, Any]:
    if isinstance(body, str):
        body = (body.rstrip("\n") + "\n").encode("utf-8")
    return {"status": status, "body": body, "content_type": content_type, "headers": headers or {}, "retire": retire}


class Runner:
    """Executes jobs against one KnowledgeGraph; every outcome is a reply, never an exception."""

    def __init__(self, store: Path, queries_dir: Path | None, max_rows: int) -> None:
        from npkg.api import KnowledgeGraph
        from npkg.store.embedded import EmbeddedStore

        self.kg = KnowledgeGraph(EmbeddedStore(store), queries_dir)
        self.max_rows = max_rows
        self.kg.search("a", 1)  # build the label index now, not in the first request

    # -------------------------------------------------------------------------------- helpers
    def _not_acceptable(self, accept: str | None, offered: tuple[str, ...]) -> dict[str, Any]:
        return reply(406, f"not acceptable: Accept {accept!r} matches none of: {', '.join(offered)}")

    def _select(self, accept: str | None, variables: tuple[str, ...], rows: list[Any], truncated: bool) -> dict[str, Any]:
        from npkg.server.results import select_bytes

        media = negotiate(accept, RESULTS_TYPES)
        if media is None:
            return self._not_acceptable(accept, RESULTS_TYPES)
        headers = {"X-npkg-truncated": "true" if truncated else "false", "X-npkg-max-rows": str(self.max_rows)}
        body = select_bytes(media, variables, rows, truncated=truncated, max_rows=self.max_rows)
        charset = "; charset=utf-8"
        return reply(200, body, media + charset, headers)

    # -------------------------------------------------------------------------------- jobs
    def sparql(self, job: dict[str, Any]) -> dict[str, Any]:
        from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, serialize

        from npkg.errors import BackendError
        from npkg.prefixes import PREFIX_MAP
        from npkg.server.results import ask_bytes
        from npkg.store.embedded import EmbeddedStore, convert

        accept: str | None = job.get("accept")
        store = self.kg.store
        assert isinstance(store, EmbeddedStore)
        res = store.raw_query(job["text"])
        if isinstance(res, QuerySolutions):
            variables = tuple(v.value for v in res.variables)
            rows: list[dict[str, Any]] = []
            truncated = False
            for sol in res:
                if len(rows) >= self.max_rows:
                    truncated = True
                    break
                try:
                    rows.append({v: convert(sol[v]) for v in variables})
                except BackendError as exc:
                    return reply(400, f"the results hold a term this endpoint cannot serialise: {exc}")
            return self._select(accept, variables, rows, truncated)
        if isinstance(res, (QueryBoolean, bool)):
            media = negotiate(accept, RESULTS_TYPES)
            if media is None:
                return self._not_acceptable(accept, RESULTS_TYPES)
            return reply(200, ask_bytes(media, bool(res)), media + "; charset=utf-8")
        if isinstance(res, QueryTriples):
            media = negotiate(accept, GRAPH_TYPES)
            if media is None:
                return self._not_acceptable(accept, GRAPH_TYPES)
            triples: list[Any] = []
            truncated = False
            for t in res:
                if len(triples) >= self.max_rows:
                    truncated = True
                    break
                triples.append(t)
            fmt = RdfFormat.N_TRIPLES if media == "text/plain" else RdfFormat.from_media_type(media)
            kwargs: dict[str, Any] = {}
            if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML):
                kwargs["prefixes"] = {k: v for k, v in PREFIX_MAP.items() if k.isalpha()}
            body = serialize(triples, format=fmt, **kwargs) or b""
            headers = {"X-npkg-truncated": "true" if truncated else "false", "X-npkg-max-rows": str(self.max_rows)}
            return reply(200, body, media + "; charset=utf-8", headers)
        return reply(500, f"unexpected result type {type(res).__name__}")

    def named(self, job: dict[str, Any]) -> dict[str, Any]:
        from npkg import catalog
        from npkg.errors import CurieError

        name: str = job["name"]
        params: dict[str, str] = job["params"]
        nq = catalog.get(name, self.kg._queries_dir)
        try:
            result = self.kg.query(name, **params)
        except CurieError as exc:
            # say which parameter: resolve each identifier-valued one on its own
            for p in nq.params:
                if p.kind == "CURIE" and params.get(p.name):
                    try:
                        self.kg.resolve(params[p.name])
                    except CurieError as inner:
                        return reply(400, f"query {name!r}, parameter {p.name}: {inner}")
            return reply(400, f"query {name!r}: {exc}")
        rows = list(result.raw.rows)
        truncated = len(rows) > self.max_rows
        return self._select(job.get("accept"), result.columns, rows[: self.max_rows], truncated)

    def entity(self, job: dict[str, Any]) -> dict[str, Any]:
        from npkg.prefixes import expand
        from npkg.store import IRI

        curie = self.kg.resolve(job["id"])
        raw = self.kg.store.select(ENTITY_QUERY, {"entity": [IRI(expand(curie))]})
        rows = list(raw.rows)
        truncated = len(rows) > self.max_rows
        out = self._select(job.get("accept"), raw.variables, rows[: self.max_rows], truncated)
        out["headers"]["X-npkg-entity"] = curie
        return out

    def sleep(self, job: dict[str, Any]) -> dict[str, Any]:
        """Busy-wait for ``seconds`` (tests use it to hold a worker without SPARQL)."""
        import time

        end = time.monotonic() + float(job.get("seconds", 1))
        while time.monotonic() < end:
            pass
        return reply(200, "slept")

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        from npkg.errors import NpkgError, ParseError, UnknownQueryError, UsageError

        kind = job.get("kind")
        handler = {"sparql": self.sparql, "named": self.named, "entity": self.entity, "sleep": self.sleep}.get(str(kind))
        if handler is None:
            return reply(500, f"unknown job kind {kind!r}")
        try:
            return handler(job)
        except UnknownQueryError as exc:
            return reply(404, str(exc))
        except (ParseError, UsageError) as exc:
            return reply(400, str(exc))
        except MemoryError:
            return reply(503, "query stopped: the worker ran out of memory (its memory cap was reached); "
                              "the query was abandoned and the worker replaced", retire=True)
        except NpkgError as exc:
            return reply(500, str(exc))
        except RuntimeError as exc:  # pyoxigraph evaluation errors (e.g. an unsupported function)
            return reply(400, f"query evaluation error: {exc}")
        except OSError as exc:
            return reply(500, f"store error: {exc}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="npkg-serve-worker")
    ap.add_argument("--fd", type=int, required=True)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--queries-dir", type=Path)
    ap.add_argument("--memory-mb", type=int, required=True)
    ap.add_argument("--max-rows", type=int, required=True)
    args = ap.parse_args(argv)
    sandbox = drop_network()  # first: creating a user namespace needs a single-threaded process
    conn = Connection(args.fd)
    try:
        runner = Runner(args.store, args.queries_dir, args.max_rows)
    except Exception as exc:  # report why to the parent, which refuses to start
        conn.send({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 3
    base = vm_size_mb()
    cap = args.memory_mb * 1024 * 1024
    if args.memory_mb > 0:
        if args.memory_mb <= base:
            conn.send({"ready": False, "error": f"--memory-mb {args.memory_mb} is below what a worker holding the store "
                                                f"already maps ({base:.0f} MiB)"})
            return 3
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    conn.send({"ready": True, "pid": os.getpid(), "sandbox": sandbox, "vm_mb": round(base, 1),
               "triples": runner.kg.store.triple_count()})
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return 0
        except MemoryError:
            return 3
        try:
            out = runner.run(job)
        except MemoryError:
            out = reply(503, "query stopped: the worker ran out of memory", retire=True)
        except Exception:  # a bug: report it, do not die silently
            out = reply(500, "internal error in the query worker:\n" + traceback.format_exc(limit=5))
        try:
            conn.send(out)
        except MemoryError:
            conn.send(reply(503, "query stopped: the response did not fit in the worker's memory cap", retire=True))
            return 3
        if out.get("retire"):
            return 3


if __name__ == "__main__":
    sys.exit(main())
