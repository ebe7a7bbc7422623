"""Commands for remote triple stores: ``npkg publish``.

Querying a remote store needs no command of its own: every read command takes the global
``--endpoint URL`` and runs through :class:`npkg.store.remote.RemoteStore`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK, UsageError


def register(sub: Any) -> None:
    p = sub.add_parser("publish", help="load the release into a triple store (Graph Store Protocol; all or nothing)",
                       description="Load the release into a triple store through the SPARQL 1.1 Graph Store Protocol: "
                                   "upload into a temporary graph, check the triple count, then MOVE it onto the target. "
                                   "Safe to repeat: the target ends with exactly the release's triples.")
    p.add_argument("--endpoint", dest="publish_endpoint", metavar="URL",
                   help="the store's SPARQL query URL: .../query (Oxigraph) or .../sparql (Virtuoso)")
    p.add_argument("--graph", metavar="IRI", help="target named graph (default: the default graph; required for Virtuoso)")
    p.add_argument("--store", dest="publish_store", metavar="FILE",
                   help="release file to publish (default: ontology/release/npkg.nt)")
    p.add_argument("--user", help="user for HTTP digest/basic auth (Virtuoso: dba)")
    p.add_argument("--password", help="password (or set NPKG_PUBLISH_PASSWORD to keep it out of the process list)")
    p.add_argument("--update-url", help="SPARQL Update URL when it cannot be derived from --endpoint")
    p.add_argument("--gsp-url", help="Graph Store Protocol URL when it cannot be derived from --endpoint")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per HTTP request (default 300)")
    p.set_defaults(func=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    from npkg.api import default_release
    from npkg.publish import publish

    endpoint = args.publish_endpoint or args.endpoint
    if not endpoint:
        raise UsageError("publish needs --endpoint URL (the store's SPARQL query URL)")
    store = args.publish_store or args.store
    release = Path(store) if store else default_release()
    password = args.password if args.password is not None else os.environ.get("NPKG_PUBLISH_PASSWORD")
    if args.user is not None and password is None:
        raise UsageError("--user given without --password (or NPKG_PUBLISH_PASSWORD)")
    result = publish(endpoint, release, graph=args.graph, user=args.user, password=password if args.user else None,
                     timeout=args.timeout, update_url=args.update_url, gsp_url=args.gsp_url)
    sys.stderr.write(f"npkg: published {result.triples} triples from {release} to {result.endpoint} "
                     f"({result.graph or 'default graph'}) in {result.seconds:.2f} s\n")
    sys.stdout.write(f"{result.triples}\n")
    return EXIT_OK
