"""The Store interface and backend-neutral result types.

Every backend (embedded pyoxigraph, remote SPARQL endpoint) returns the same small term types
so that named queries give comparable answers everywhere: IRIs stay IRIs, literals keep their
lexical form, datatype and language tag (a decimal stays a decimal, never a float).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple, Protocol

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}


class _Value:
    """Value object, hand-written rather than a dataclass: ``dataclasses`` imports ``inspect``,
    about a tenth of a cold ``npkg query``. Equal only to the same type; treat it as immutable
    (it is hashed), assignments are not blocked because that would slow every construction."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._key()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._fields)})"


class _Node(_Value):
    """A term named by one string (IRI or blank node); equality and hash written out because
    they run for every term of every result row."""

    __slots__ = ("value",)
    _fields = ("value",)
    value: str

    def __init__(self, value: str) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.value == self.value

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.value))


class IRI(_Node):
    __slots__ = ()

    def n3(self) -> str:
        return f"<{self.value}>"


class BNode(_Node):
    __slots__ = ()

    def n3(self) -> str:
        return f"_:{self.value}"


class Lit(_Value):
    __slots__ = ("datatype", "language", "value")
    _fields = ("value", "datatype", "language")
    value: str
    datatype: str
    language: str | None

    def __init__(self, value: str, datatype: str = XSD + "string", language: str | None = None) -> None:
        self.value = value
        self.datatype = datatype
        self.language = language

    def python(self) -> object:
        """The Python value: Decimal for xsd:decimal, int for integers, bool, else the string."""
        convert = _PYTHON.get(self.datatype)
        return self.value if convert is None else convert(self.value)


Term = IRI | BNode | Lit

#: datatype -> Python constructor for Lit.python (strings and other datatypes stay text)
_PYTHON: dict[str, Callable[[str], object]] = {
    XSD + "decimal": Decimal,
    XSD + "boolean": lambda v: v in ("true", "1"),
    XSD + "double": float,
    XSD + "float": float,
    **{t: int for t in _INTEGER_TYPES},
}


class SelectResult(NamedTuple):
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
