"""The Store interface and backend-neutral result types.

Every backend (embedded pyoxigraph, remote SPARQL endpoint) returns the same small term types
so that named queries give comparable answers everywhere: IRIs stay IRIs, literals keep their
lexical form, datatype and language tag (a decimal stays a decimal, never a float).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}


@dataclass(frozen=True)
class IRI:
    value: str

    def n3(self) -> str:
        return f"<{self.value}>"


@dataclass(frozen=True)
class BNode:
    value: str

    def n3(self) -> str:
        return f"_:{self.value}"


@dataclass(frozen=True)
class Lit:
    value: str
    datatype: str = XSD + "string"
    language: str | None = None

    def python(self) -> object:
        """The Python value: Decimal for xsd:decimal, int for integers, bool, else the string."""
        if self.datatype == XSD + "decimal":
            return Decimal(self.value)
        if self.datatype in _INTEGER_TYPES:
            return int(self.value)
        if self.datatype == XSD + "boolean":
            return self.value in ("true", "1")
        if self.datatype in (XSD + "double", XSD + "float"):
            return float(self.value)
        return self.value


Term = IRI | BNode | Lit


@dataclass(frozen=True)
class SelectResult:
    variables: tuple[str, ...]
    rows: tuple[Mapping[str, Term | None], ...]

    def __len__(self) -> int:
        return len(self.rows)


class Store(Protocol):
    """What the query layer needs from a backend. ``bindings`` are already-validated terms."""

    name: str
    read_only: bool

    def select(self, query: str, bindings: Mapping[str, Sequence[Term]] | None = None) -> SelectResult: ...

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> list[tuple[Term, Term, Term]]: ...

    def triple_count(self) -> int: ...
