"""Commands that manage an on-disk store: load.

``npkg load --store DIR`` bulk-loads the release (and optional extra RDF files, such as merged
ontologies) into a pyoxigraph RocksDB directory once; afterwards ``npkg --store DIR query ...``
opens it read-only in tens of milliseconds instead of parsing millions of triples per call
(see ../shared/reference/performance.md: a 10M-triple store opens and answers an aggregate in
about 70 ms of wall time, while parsing 10M triples into memory takes about 40 s).

The store is built in a sibling temporary directory and renamed into place, so an interrupted
load never leaves a half-written store where a reader expects a complete one.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK, BackendError, ParseError, UsageError

log = logging.getLogger("npkg")

#: file suffixes bulk_load reads as triples (quad formats would land in named graphs the queries never see)
_FORMATS = {".nt": "N_TRIPLES", ".ttl": "TURTLE", ".owl": "RDF_XML", ".rdf": "RDF_XML", ".xml": "RDF_XML",
            ".jsonld": "JSON_LD", ".n3": "N3"}


def register(sub: Any) -> None:
    p = sub.add_parser("load", help="build an on-disk store (pyoxigraph/RocksDB) from the release and extra RDF files",
                       description="Bulk-load the release plus optional extra RDF files into an on-disk store "
                                   "directory; query it afterwards with `npkg --store DIR query ...`.")
    p.add_argument("--store", dest="load_store", metavar="DIR",
                   help="the store directory to create (also accepted as the global `npkg --store DIR load`)")
    p.add_argument("--release", type=Path, metavar="FILE",
                   help="the release to load (default ontology/release/npkg.nt)")
    p.add_argument("--extra", type=Path, action="append", default=[], metavar="FILE",
                   help="another RDF file to load into the same default graph (.nt, .ttl, .owl/.rdf, .jsonld); repeatable")
    p.add_argument("--force", action="store_true", help="replace DIR if it already holds a store")
    p.set_defaults(func=cmd_load)


def rdf_format(path: Path) -> Any:
    """The pyoxigraph RdfFormat for a file, from its suffix; a usage error for anything else."""
    from pyoxigraph import RdfFormat

    name = _FORMATS.get(path.suffix.lower())
    if name is None:
        raise UsageError(f"{path}: unsupported RDF file suffix {path.suffix or '(none)'!r}; "
                         f"expected one of {', '.join(sorted(_FORMATS))}")
    return getattr(RdfFormat, name)


def is_store_dir(path: Path) -> bool:
    """A RocksDB directory (as pyoxigraph writes it) has a CURRENT file and an OPTIONS file."""
    return (path / "CURRENT").is_file() and any(path.glob("OPTIONS-*"))


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def load_store(target: Path, files: list[Path], *, force: bool = False) -> tuple[int, float]:
    """Bulk-load ``files`` into a new store at ``target``; return (triples, seconds).

    Refuses a non-empty ``target`` unless ``force`` and it is a store (never deletes other data).
    """
    from pyoxigraph import Store

    for f in files:
        if not f.is_file():
            raise UsageError(f"{f}: no such file")
        rdf_format(f)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise UsageError(f"{target} is not empty; use --force to replace the store in it")
        if not is_store_dir(target):
            raise UsageError(f"{target} is not empty and does not look like a store (no RocksDB CURRENT/OPTIONS "
                             f"files); --force only replaces a store, so remove the directory yourself")
    start = time.perf_counter()
    tmp = target.with_name(f".{target.name}.loading-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        store = Store(str(tmp))
        for f in files:
            log.info("loading %s", f)
            try:
                store.bulk_load(path=str(f), format=rdf_format(f))
            except SyntaxError as exc:
                raise ParseError(f"{f}: {exc}") from None
        store.flush()
        triples = len(store)
        del store  # closes RocksDB before the directory is renamed
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BackendError(f"cannot build the store at {target}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return triples, time.perf_counter() - start


def cmd_load(args: argparse.Namespace) -> int:
    from npkg.api import default_release

    directory = args.load_store or args.store
    if not directory:
        raise UsageError("npkg load: give the store directory with --store DIR")
    release = args.release or default_release()
    if not release.is_file():
        raise UsageError(f"no npkg release at {release}; run `npkg build` first or pass --release FILE")
    target = Path(directory)
    triples, seconds = load_store(target, [release, *args.extra], force=args.force)
    sys.stderr.write(f"npkg: loaded {triples} triples from {1 + len(args.extra)} file(s) into {target} "
                     f"in {seconds:.1f} s ({dir_size(target) / 1e6:.1f} MB on disk); "
                     f"query it with `npkg --store {target} query ...`\n")
    return EXIT_OK
