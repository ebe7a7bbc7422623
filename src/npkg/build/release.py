"""Assemble base and full releases, serialise them deterministically and swap them in atomically.

An interrupted build must never leave a partial or empty release: every file is written into a
staging directory, flushed to disk, and the staging directory is then exchanged with the live
release directory in one ``renameat2(RENAME_EXCHANGE)`` call (Linux), falling back to two
renames with recovery on platforms without it. A lock file makes a second concurrent build
refuse instead of interleaving its files with the first.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from npkg import __version__, vocab
from npkg.build.canon import canonicalize
from npkg.errors import BuildLockedError, DataError, NpkgError
from npkg.prefixes import PREFIX_MAP

ONTOLOGY_IRI = "https://w3id.org/npkg/npkg.owl"
BASE_IRI = "https://w3id.org/npkg/npkg-base.owl"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PAV_CREATED_WITH = "http://purl.org/pav/createdWith"
OUTPUTS = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "owl": RdfFormat.RDF_XML, "jsonld": RdfFormat.JSON_LD}
SERIAL_PREFIXES = {k: v for k, v in PREFIX_MAP.items() if k in {
    "rdf", "rdfs", "owl", "xsd", "skos", "dcterms"}} | {"npkg": PREFIX_MAP["NPKG"], "obo": "http://purl.obolibrary.org/obo/"}


@dataclass(frozen=True)
class ReleaseInfo:
    version: str
    date: str

    @property
    def version_iri(self) -> str:
        return f"https://w3id.org/npkg/releases/{self.date}/npkg.owl"


def release_info(root: Path) -> ReleaseInfo:
    """The release date comes from a file, never from the clock, so builds are reproducible."""
    path = root / "ontology" / "release.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        return ReleaseInfo(version=str(meta["version"]), date=str(meta["date"]))
    except (OSError, ValueError, KeyError) as exc:
        raise DataError([f"{path}: cannot read release metadata ({exc}); expected {{\"version\", \"date\"}}"]) from None


_CONTENTS = {"-base": "base: npkg terms and curated data", "": "full: base plus imported external term labels"}


def header(info: ReleaseInfo, iri: str, kind: str) -> list[Triple]:
    o = NamedNode(iri)
    dc = vocab.DCTERMS
    return [
        Triple(o, NamedNode(vocab.RDF_TYPE), NamedNode(vocab.OWL_ONTOLOGY)),
        Triple(o, NamedNode(vocab.OWL + "versionIRI"), NamedNode(info.version_iri.replace("npkg.owl", f"npkg{kind}.owl"))),
        Triple(o, NamedNode(vocab.OWL + "versionInfo"), Literal(info.date)),
        Triple(o, NamedNode(dc + "license"), NamedNode(LICENSE)),
        Triple(o, NamedNode(dc + "date"), Literal(info.date)),
        Triple(o, NamedNode(PAV_CREATED_WITH), Literal(f"npkg {__version__}")),
        Triple(o, NamedNode(vocab.RDFS_COMMENT), Literal(
            f"npkg release {info.date} ({_CONTENTS[kind]}). Content licensed CC BY 4.0; code MIT.", language="en")),
    ]


def _strip_ontology_header(triples: list[Triple]) -> list[Triple]:
    """The edit file's own ontology header is replaced by the release header."""
    return [t for t in triples if t.subject != NamedNode(ONTOLOGY_IRI)]


def assemble(info: ReleaseInfo, body: list[Triple], imports: list[Triple]) -> tuple[list[Triple], list[Triple]]:
    """Return (base, full): both canonicalised and sorted."""
    edited = [t for t in body if t.subject == NamedNode(ONTOLOGY_IRI) and t.predicate.value != vocab.RDF_TYPE]
    core = _strip_ontology_header(body)
    base_header = [Triple(NamedNode(BASE_IRI), t.predicate, t.object) for t in edited]
    full_header = [Triple(NamedNode(ONTOLOGY_IRI), t.predicate, t.object) for t in edited]
    base = canonicalize(core + header(info, BASE_IRI, "-base") + base_header)
    full = canonicalize(core + imports + header(info, ONTOLOGY_IRI, "") + full_header)
    return base, full


def serialise(triples: list[Triple], fmt: RdfFormat) -> bytes:
    prefixes = SERIAL_PREFIXES if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML, RdfFormat.JSON_LD) else None
    data = serialize(triples, format=fmt, prefixes=prefixes)
    assert data is not None
    return data


def render(base: list[Triple], full: list[Triple], extra: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Serialise base and full in every format; ``extra`` files (the SSSOM table) join the SHA256SUMS manifest."""
    files: dict[str, bytes] = {}
    for name, triples in (("npkg-base", base), ("npkg", full)):
        for ext, fmt in OUTPUTS.items():
            files[f"{name}.{ext}"] = serialise(triples, fmt)
    files.update(extra or {})
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    files["SHA256SUMS"] = manifest.encode()
    return files


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Refuse a second concurrent build instead of interleaving two releases."""
    lock_path = root / "ontology" / ".build.lock"
    try:
        fh = open(lock_path, "a+")  # noqa: SIM115 - held for the duration of the build
    except OSError as exc:
        raise NpkgError(f"cannot create the build lock {lock_path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(f"build locked: another npkg build holds {lock_path}") from None
        yield
    finally:
        fh.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the call is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc != 0:
        err = ctypes.get_errno()
        if err in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: filesystem cannot exchange
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


def recover(release_dir: Path) -> None:
    """Undo the effect of a build killed between the two fallback renames."""
    if release_dir.exists():
        return
    prev = sorted(release_dir.parent.glob(release_dir.name + ".prev-*"))
    if prev:
        os.rename(prev[-1], release_dir)


def write_release(release_dir: Path, files: dict[str, bytes]) -> None:
    """Write all files to a staging directory, then swap it in as one step."""
    parent = release_dir.parent
    recover(release_dir)
    # after recover() the release is in place, so a .prev-* left by a killed build is stale too
    for stale in [*parent.glob(release_dir.name + ".staging-*"), *parent.glob(release_dir.name + ".prev-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    staging = parent / f"{release_dir.name}.staging-{os.getpid()}"
    try:
        staging.mkdir()
        for name, data in files.items():
            with open(staging / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_dir(staging)
        if release_dir.exists():
            if _exchange(staging, release_dir):
                shutil.rmtree(staging)
            else:
                prev = parent / f"{release_dir.name}.prev-{os.getpid()}"
                os.rename(release_dir, prev)
                os.rename(staging, release_dir)
                shutil.rmtree(prev)
        else:
            os.rename(staging, release_dir)
        _fsync_dir(parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise NpkgError(f"cannot write the release to {release_dir}: {exc.strerror or exc}") from None
