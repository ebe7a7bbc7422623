"""``npkg export``: write the graph as KGX TSV (Biolink) or compact JSON-LD for other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export the graph as KGX TSV (Biolink nodes/edges) or JSON-LD")
    p.add_argument("--format", "-f", choices=("kgx", "jsonld"), required=True,
                   help="kgx: nodes.tsv and edges.tsv in a directory; jsonld: one file with an explicit @context")
    p.add_argument("--output", "-o", required=True, type=Path, help="directory (kgx) or file (jsonld) to write")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from npkg.api import open_graph
    from npkg.export import write_jsonld, write_kgx

    kg = open_graph(args.endpoint, store=args.store)
    if args.format == "kgx":
        nodes, edges = write_kgx(kg, args.output)
        sys.stderr.write(f"npkg: wrote {nodes} and {edges}\n")
    else:
        out = write_jsonld(kg, args.output)
        sys.stderr.write(f"npkg: wrote {out}\n")
    return EXIT_OK
