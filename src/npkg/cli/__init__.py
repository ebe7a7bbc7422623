"""The ``npkg`` command line. Exit codes: 0 ok, 1 problems found, 2 usage error, 3 runtime error.

Heavy imports happen inside the commands, so ``npkg query`` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from npkg import __version__
from npkg.errors import EXIT_RUNTIME, EXIT_USAGE, NpkgError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 already; keep the message short
        self.print_usage(sys.stderr)
        sys.stderr.write(f"npkg: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


#: command-group modules under npkg.cli; each has register(subparsers). One module per group.
COMMAND_MODULES = ("query_cmds", "build_cmds", "mapping_cmds", "remote_cmds", "serve_cmds", "store_cmds", "docs_cmds",
                   "export_cmds")
#: which module defines a command: only that module is imported for a run (cold start), all for --help
COMMAND_OWNERS = {
    "queries": "query_cmds", "query": "query_cmds", "sparql": "query_cmds", "show": "query_cmds",
    "search": "query_cmds", "stats": "query_cmds", "build": "build_cmds", "validate": "build_cmds",
    "sssom": "mapping_cmds", "imports": "mapping_cmds", "check-xrefs": "mapping_cmds", "publish": "remote_cmds",
    "serve": "serve_cmds", "load": "store_cmds", "docs": "docs_cmds", "plot": "docs_cmds", "diff": "docs_cmds",
    "export": "export_cmds",
}
_GLOBAL_WITH_VALUE = {"--store", "--endpoint"}
#: commands that only read a store and write to stdout/stderr (see run)
READ_ONLY_COMMANDS = frozenset({"queries", "query", "sparql", "show", "search", "stats"})


def _command_of(argv: Sequence[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(prog="npkg", description="npkg: neuropathic-pain pharmacology knowledge graph")
    parser.add_argument("--version", action="version", version=f"npkg {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--store", help="path of an npkg release file (.nt/.ttl) or an on-disk store directory")
    parser.add_argument("--endpoint", help="SPARQL 1.1 endpoint URL to query instead of the embedded store")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    owner = COMMAND_OWNERS.get(_command_of(argv) or "") if argv is not None else None
    for name in (owner,) if owner else COMMAND_MODULES:
        try:
            module = importlib.import_module(f"npkg.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"npkg.cli.{name}":
                raise
            continue  # a command group not present in this version
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.verbose or args.command not in READ_ONLY_COMMANDS:  # logging costs imports a query need not pay
        import logging

        logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                            format="npkg: %(message)s")
    try:
        code: int = args.func(args)
        return code
    except NpkgError as exc:
        sys.stderr.write(f"npkg: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("npkg: interrupted\n")
        return EXIT_RUNTIME
    except BrokenPipeError:
        return 0


def run() -> NoReturn:
    """The console script: ``main`` and, after a read-only command, an exit without interpreter
    teardown (about 20 ms of a 130 ms query): such a command has only written to stdout and
    stderr, which are flushed first, and holds no files, temporary directories or servers."""
    argv = sys.argv[1:]
    code = main(argv)
    if _command_of(argv) in READ_ONLY_COMMANDS:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
