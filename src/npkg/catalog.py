"""Named queries: SPARQL files whose header comment states their contract.

Header lines (the files still run unchanged in any SPARQL tool)::

    # name: efficacy-by-condition
    # title: ...
    # description: ...
    # param: condition | CURIE | optional | a condition (npkg, MONDO, HP, MeSH...) | MONDO:0041052
    # returns: intervention interventionLabel ...

A parameter binds the SPARQL variable of the same name through ``npkg.bindings``. A body line
``#if ?param: PATTERN`` is switched on only when that optional parameter is bound (see
``npkg.bindings``), so the file as written is the query with its optional parameters unbound.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from npkg import paths
from npkg.errors import NpkgError, UnknownQueryError

KINDS = ("CURIE", "xref", "string", "integer", "decimal")
_ENUM = re.compile(r"^enum\(([^)]*)\)$")
#: a body line switched on when its variable is bound: ``  #if ?condition: ?c rdfs:subClassOf* ?condition .``
CONDITIONAL = re.compile(r"^([ \t]*)#if \?([A-Za-z_][A-Za-z0-9_]*):[ \t]?(.*)$", re.MULTILINE)


def conditional_vars(query: str) -> set[str]:
    """Variables that switch on ``#if ?var:`` lines in ``query``."""
    return {m.group(2) for m in CONDITIONAL.finditer(query)}


class Param(NamedTuple):  # NamedTuple, not a dataclass: see npkg.store._Value
    name: str
    kind: str  # CURIE, string, integer, decimal or enum(a,b,c)
    required: bool
    description: str
    example: str

    @property
    def choices(self) -> tuple[str, ...]:
        m = _ENUM.match(self.kind)
        return tuple(c.strip() for c in m.group(1).split(",")) if m else ()


class NamedQuery(NamedTuple):
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    text: str
    path: Path

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_header(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        key, _, value = line[1:].strip().partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 5:
                raise NpkgError(f"{path}: param line needs 5 '|'-separated fields: {value!r}")
            name, kind, req, desc, example = parts
            if kind not in KINDS and not _ENUM.match(kind):
                raise NpkgError(f"{path}: unknown parameter kind {kind!r}")
            if req not in ("required", "optional"):
                raise NpkgError(f"{path}: parameter {name} must be 'required' or 'optional'")
            params.append(Param(name, kind, req == "required", desc, example))
        elif key in ("name", "title", "description", "returns"):
            fields[key] = (fields.get(key, "") + " " + value).strip()
    for required in ("name", "title", "description", "returns"):
        if required not in fields:
            raise NpkgError(f"{path}: header lacks '# {required}:'")
    if fields["name"] != path.stem:
        raise NpkgError(f"{path}: header name {fields['name']!r} differs from the file name")
    optional = {p.name for p in params if not p.required}
    for var in sorted(conditional_vars(text) - optional):
        raise NpkgError(f"{path}: '#if ?{var}:' line does not name an optional parameter of the query")
    return NamedQuery(fields["name"], fields["title"], fields["description"], tuple(params),
                      tuple(fields["returns"].split()), text, path)


@cache
def _load(directory: str) -> dict[str, NamedQuery]:
    return {q.name: q for q in (parse_header(p) for p in sorted(Path(directory).glob("*.rq")))}


def catalog(directory: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries (QC queries in ``queries/qc`` are not part of the catalog)."""
    return _load(str(directory or paths.queries_dir()))


def get(name: str, directory: Path | None = None) -> NamedQuery:
    queries = catalog(directory)
    if name not in queries:
        raise UnknownQueryError(name, sorted(queries))
    return queries[name]
