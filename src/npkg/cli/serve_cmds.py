"""``npkg serve``: the read-only SPARQL endpoint and page (see ``npkg.server``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK, BackendError, UsageError
from npkg.server.limits import (
    DEFAULT_HOST,
    DEFAULT_MAX_ROWS,
    DEFAULT_MEMORY_MB,
    DEFAULT_PORT,
    DEFAULT_READ_TIMEOUT_S,
    DEFAULT_TIMEOUT_S,
    DEFAULT_WORKERS,
)


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve a read-only SPARQL 1.1 endpoint and a query page on 127.0.0.1",
                       description="Serve the embedded store (the release npkg.nt, or --store) as a read-only SPARQL "
                                   "1.1 Protocol endpoint at /sparql, named queries at /queries/NAME and a page at /. "
                                   "Queries run in killable worker processes: --timeout and --memory-mb really hold.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"seconds per query before its worker is killed (default {DEFAULT_TIMEOUT_S:g})")
    p.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"rows (or triples) per result; more are cut and flagged (default {DEFAULT_MAX_ROWS})")
    p.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB, metavar="M",
                   help=f"address-space cap per worker in MiB, 0 for none (default {DEFAULT_MEMORY_MB})")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, metavar="K",
                   help=f"query worker processes, each holding the store (default {DEFAULT_WORKERS})")
    p.add_argument("--read-timeout", type=float, default=DEFAULT_READ_TIMEOUT_S, metavar="S",
                   help=f"seconds a client has to send a whole request (default {DEFAULT_READ_TIMEOUT_S:g})")
    p.add_argument("--store", dest="serve_store", metavar="PATH",
                   help="release file (.nt/.ttl) or on-disk store to serve (default: the built release npkg.nt)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from npkg.api import default_release
    from npkg.server import ServerConfig, serve

    if args.endpoint:
        raise UsageError("npkg serve serves the embedded store; --endpoint cannot be combined with it")
    for name, value, low in (("--timeout", args.timeout, 0.01), ("--max-rows", args.max_rows, 1),
                             ("--workers", args.workers, 1), ("--read-timeout", args.read_timeout, 0.1)):
        if value < low:
            raise UsageError(f"{name} must be at least {low:g}, got {value:g}")
    if args.memory_mb < 0:
        raise UsageError(f"--memory-mb must be 0 (no cap) or a size in MiB, got {args.memory_mb}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0-65535, got {args.port}")
    chosen = args.serve_store or args.store
    store = Path(chosen) if chosen else default_release()
    if not store.exists():
        raise BackendError(f"no npkg release at {store}; run `npkg build` first or pass --store")
    config = ServerConfig(store=store.resolve(), host=args.host, port=args.port, timeout_s=args.timeout,
                          max_rows=args.max_rows, memory_mb=args.memory_mb, workers=args.workers,
                          read_timeout_s=args.read_timeout)
    try:
        serve(config)
    except OSError as exc:
        raise BackendError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return EXIT_OK
