"""``npkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the embedded store.

The pieces: ``limits`` (configuration, request guards, content negotiation), ``pool`` and
``worker`` (queries in killable processes with a memory cap), ``results`` (serialisers with
a row cap), ``app`` (HTTP routes), ``page`` (the HTML page at ``/``). ``serve`` runs it all
until interrupted.
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from npkg.server.limits import ServerConfig

log = logging.getLogger("npkg.serve")


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(config: ServerConfig) -> None:
    """Bind, start the workers, announce the URL on stderr and serve until SIGINT/SIGTERM."""
    from npkg.server.app import make_server

    server = make_server(config)
    previous = signal.signal(signal.SIGTERM, _stop)  # before announcing: a client may stop us right away
    info = server.pool.info
    sys.stderr.write(
        f"npkg: serving {server.base_url}/ (SPARQL endpoint {server.base_url}/sparql; {config.workers} worker(s), "
        f"{config.timeout_s:g} s per query, {config.max_rows} rows, {config.memory_mb} MiB per worker, "
        f"{info.get('triples')} triples, network sandbox: {info.get('sandbox')})\n")
    sys.stderr.flush()
    if config.host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("listening on %s: the endpoint is reachable from other machines", config.host)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        sys.stderr.write("npkg: server stopped\n")


__all__ = ["ServerConfig", "serve"]
