"""Limits and request guards of ``npkg serve``: what is refused before a query reaches a worker.

Everything here is pure (no sockets, no store) so it can be tested directly and reused by the
HTTP layer. The guards work on the query text with strings, IRIs and comments blanked out,
so a keyword inside a literal (``"DROP"``) or an IRI never triggers a refusal, while the
keyword itself can never hide from it. They are the first line; the worker processes run
without network access where the kernel allows it (see ``npkg.server.worker``), and the
embedded store repeats the SERVICE / FROM checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

#: defaults, also stated in the service description and ``npkg serve --help``
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MEMORY_MB = 1024
DEFAULT_WORKERS = 2
MAX_BODY_BYTES = 1024 * 1024
MAX_URL_BYTES = 16 * 1024
DEFAULT_READ_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 128

#: response header and JSON key that say a result was cut at the row cap
TRUNCATED_HEADER = "X-npkg-truncated"
MAX_ROWS_HEADER = "X-npkg-max-rows"
TRUNCATED_JSON_KEY = "npkg:truncated"
MAX_ROWS_JSON_KEY = "npkg:maxRows"

FEDERATION_MESSAGE = ("federation/dataset loading disabled: npkg serve answers from its own store only "
                      "(SERVICE, FROM and FROM NAMED are refused and nothing is fetched)")
UPDATE_MESSAGE = ("updates refused: this SPARQL endpoint is read-only (SPARQL Update, INSERT, DELETE, LOAD, "
                  "CLEAR, DROP, CREATE, COPY, MOVE and ADD are not accepted); load data with `npkg build`")


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``npkg serve`` can be told; the CLI maps its options onto this one-to-one."""

    store: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_rows: int = DEFAULT_MAX_ROWS
    memory_mb: int = DEFAULT_MEMORY_MB
    workers: int = DEFAULT_WORKERS
    max_body_bytes: int = MAX_BODY_BYTES
    max_url_bytes: int = MAX_URL_BYTES
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS
    queries_dir: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """An HTTP answer other than 200, with a body meant for a person."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# ------------------------------------------------------------------------------ query text guards
_STRIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
    r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*', re.DOTALL)
_UESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PROLOGUE = re.compile(r"^\s*(?:(?:BASE)\s*|(?:PREFIX)\s+[^\s:]*:\s*)", re.IGNORECASE)
_FIRST_WORD = re.compile(r"^\s*([A-Za-z]+)")
_SERVICE = re.compile(r"(?<![\w?$:.\-])SERVICE(?![\w:\-])", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w?$:.\-])FROM(?![\w:\-])", re.IGNORECASE)
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH")
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def _unescape(text: str) -> str:
    """Apply SPARQL's codepoint escapes (``\\u0053ERVICE``) the way the grammar says a parser may.

    Oxigraph does not decode them outside strings, but checking the decoded text too costs
    nothing and keeps the guard independent of that detail.
    """
    def sub(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)
    return _UESCAPE.sub(sub, text)


def blank_literals(text: str) -> str:
    """The query with strings, IRIs and comments replaced by spaces (keywords stay in place).

    >>> blank_literals('SELECT ("DROP" AS ?x) { <http://x/SERVICE> ?p ?o } # FROM')
    'SELECT (  AS ?x) {   ?p ?o }  '
    """
    return _STRIP.sub(" ", text)


def _body(text: str) -> str:
    """The blanked text after the prologue (BASE / PREFIX declarations)."""
    rest = blank_literals(text)
    while True:
        m = _PROLOGUE.match(rest)
        if not m:
            return rest
        rest = rest[m.end():]


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE as the query starts, or None when it is none of them.

    >>> query_form('PREFIX ex: <http://e/> # c\\n construct { ?s ?p ?o } WHERE { ?s ?p ?o }')
    'CONSTRUCT'
    """
    m = _FIRST_WORD.match(_body(text))
    word = m.group(1).upper() if m else ""
    return word if word in QUERY_FORMS else None


def looks_like_update(text: str) -> bool:
    """True when the text is a SPARQL Update request (its first operation keyword is an update's).

    >>> looks_like_update('PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }'), looks_like_update('SELECT * {}')
    (True, False)
    """
    for candidate in (text, _unescape(text)):
        m = _FIRST_WORD.match(_body(candidate))
        if m and m.group(1).upper() in UPDATE_KEYWORDS:
            return True
    return False


def uses_federation(text: str) -> bool:
    """True for SERVICE, FROM or FROM NAMED used as keywords (not in strings, IRIs, names or comments).

    >>> uses_federation('SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }')
    True
    >>> uses_federation('SELECT ?from { ?s ex:service ?from }')
    False
    """
    for candidate in (text, _unescape(text)):
        body = blank_literals(candidate)
        if _SERVICE.search(body) or _FROM.search(body):
            return True
    return False


def guard_query(text: str) -> str:
    """Refuse what must never run; return the query form (or ``""`` when unknown: the worker's parser decides).

    Updates are 403 (the endpoint is read-only), federation and dataset loading 400, both
    before any parser or worker sees the text.
    """
    if looks_like_update(text):
        raise HttpError(403, UPDATE_MESSAGE)
    if uses_federation(text):
        raise HttpError(400, FEDERATION_MESSAGE)
    return query_form(text) or ""


# ------------------------------------------------------------------------------ URL and form decoding
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def decode_form(raw: bytes, where: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, strictly: bad %-escapes or invalid UTF-8 are a 400.

    ``urllib.parse.parse_qsl`` passes ``%zz`` through unchanged and replaces bad UTF-8, so a
    mangled query could run as something the client never sent; here it is refused instead.

    >>> decode_form(b'query=SELECT+%3Fs&x=%C3%A9', 'URL')
    [('query', 'SELECT ?s'), ('x', 'é')]
    """
    from urllib.parse import unquote_to_bytes

    if _BAD_PERCENT.search(raw):
        raise HttpError(400, f"malformed percent-encoding in the {where}")
    pairs: list[tuple[str, str]] = []
    if not raw:
        return pairs
    for part in raw.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        try:
            k = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8")
            v = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, f"the {where} is not valid UTF-8 after percent-decoding") from None
        pairs.append((k, v))
    return pairs


def single(pairs: list[tuple[str, str]], name: str) -> str | None:
    """The one value of ``name``; a repeated parameter is ambiguous and refused (SPARQL Protocol)."""
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise HttpError(400, f"parameter {name!r} given {len(values)} times; give it once")
    return values[0] if values else None


# ------------------------------------------------------------------------------ content negotiation
RESULTS_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values", "application/json")
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "text/plain")


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """Media ranges with q-values and their order; a missing header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    out = []
    for i, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        mt = parts[0].lower()
        if not mt:
            continue
        if "/" not in mt:
            mt = "*/*" if mt == "*" else mt + "/*"
        q = 1.0
        for p in parts[1:]:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((mt, q, i))
    return out


def negotiate(header: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered type the client prefers; ties go to the server's order (JSON first). None: 406.

    The most specific matching range sets the q-value of a type (RFC 9110 section 12.5.1).

    >>> negotiate('text/csv;q=0.5, application/sparql-results+xml', RESULTS_TYPES)
    'application/sparql-results+xml'
    >>> negotiate('*/*', RESULTS_TYPES), negotiate('image/png', RESULTS_TYPES)
    ('application/sparql-results+json', None)
    """
    ranges = parse_accept(header)
    best: tuple[float, int, str] | None = None
    for rank, mt in enumerate(offered):
        major = mt.split("/")[0]
        match: tuple[int, float] | None = None
        for rng, q, _i in ranges:
            spec = 2 if rng == mt else 1 if rng == f"{major}/*" else 0 if rng == "*/*" else -1
            if spec >= 0 and (match is None or spec > match[0]):
                match = (spec, q)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], -rank, mt)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None
