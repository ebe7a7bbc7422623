"""The strict syntax gate: every RDF file and every incoming SPARQL text passes through here.

pyoxigraph's parsers reject all 312 negative W3C RDF syntax tests where rdflib accepts about
a third of them, so they are the gate. Before parsing, cheap pre-checks refuse what a parser
would choke on or what is dangerous: oversized files, bytes that are not UTF-8, byte-order
marks, and DTD or entity declarations in RDF/XML (billion-laughs, XXE). Errors carry
``file:line:column`` and a one-line reason; no traceback reaches the user.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, overload

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, Triple, parse

from npkg.errors import ParseError, UsageError

#: files larger than this are refused before parsing (the curated sources are < 2 MB)
MAX_FILE_BYTES = 256 * 1024 * 1024
#: SPARQL texts larger than this are refused
MAX_QUERY_BYTES = 1024 * 1024
#: nesting of [ ] ( ) { } deeper than this is refused before parsing
MAX_NESTING = 128
#: more operators (!, +, -, *, /, ||, &&, UNION, path steps) than this in one query is refused
MAX_OPERATORS = 2000

FORMATS = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}
DATASET_FORMATS = {RdfFormat.N_QUADS, RdfFormat.TRIG}
_PREFIX_DECL = re.compile(r"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*|)\s*:", re.IGNORECASE)
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def format_for(path: Path) -> RdfFormat:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unknown RDF file extension {path.suffix!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def _position(exc: SyntaxError) -> str:
    if exc.lineno:
        return f"{exc.lineno}:{exc.offset or 1}"
    m = re.search(r"(\d+):(\d+)", str(exc))
    return f"{m.group(1)}:{m.group(2)}" if m else "1:1"


def _reason(exc: SyntaxError) -> str:
    text = str(exc.msg if exc.msg else exc)
    return re.sub(r"^Parser error (at|between) [^:]*: ", "", text).strip()


def check_bytes(data: bytes, display: str, fmt: RdfFormat) -> None:
    """Pre-parse checks shared by files and in-memory documents."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"{display}: {len(data)} bytes is over the {MAX_FILE_BYTES}-byte limit")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(f"{display}:1:1: byte-order mark found; RDF text must be UTF-8 without BOM")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(f"{display}:{line}: invalid UTF-8 at byte offset {exc.start}") from None
    if fmt == RdfFormat.RDF_XML and _DTD.search(data):
        raise ParseError(f"{display}: DTD/entity declarations not allowed in RDF/XML (entity expansion, XXE)")
    depth = _max_nesting(data) if fmt != RdfFormat.RDF_XML else 0
    if depth > MAX_NESTING:
        raise ParseError(f"{display}: nesting too deep ({depth} levels of brackets, limit {MAX_NESTING})")


#: an IRIREF as Turtle and SPARQL lex it; a '<' that does not start one is an operator (SPARQL
#: less-than) or part of '<<' (RDF 1.2 triple terms) and must not hide the brackets after it
_IRIREF = re.compile(rb'<(?:[^\x00-\x20<>"{}|^`\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')


def _max_nesting(data: bytes) -> int:
    """Bracket depth outside strings, IRIs and comments: enough to stop recursion bombs early.

    >>> _max_nesting(b'SELECT * { FILTER(?x < 2) { { } } }'), _max_nesting(b':a :b << :c :d [ :e [ ] ] >> .')
    (3, 2)
    >>> _max_nesting(b'SELECT * { FILTER(1<((2>1)) }'), _max_nesting(b'<http://x/S0304-3959(15)0> a <x> .')
    (4, 1)
    """
    depth = best = 0
    in_str: bytes | None = None
    i, n = 0, len(data)
    while i < n:
        c = data[i : i + 1]
        if in_str is not None:
            if c == b"\\":
                i += 2
                continue
            if data.startswith(in_str, i):
                i += len(in_str)
                in_str = None
                continue
        elif c == b"#":
            j = data.find(b"\n", i)
            i = n if j < 0 else j
            continue
        elif c in (b'"', b"'"):
            in_str = c * 3 if data.startswith(c * 3, i) else c
            i += len(in_str)
            continue
        elif c == b"<":
            m = _IRIREF.match(data, i)
            if m:  # brackets in it count only upwards, in case the '<' was a less-than after all
                net = top = 0
                for b in m.group():
                    net += (b in b"([{") - (b in b")]}")
                    top = max(top, net)
                best = max(best, depth + top)
                depth += max(net, 0)
                i = m.end()
                continue
        elif c == b"\\":  # an escaped character of a local name (PN_LOCAL_ESC) is not a bracket
            i += 2
            continue
        elif c in (b"[", b"(", b"{"):
            depth += 1
            best = max(best, depth)
        elif c in (b"]", b")", b"}"):
            depth = max(depth - 1, 0)
        i += 1
    return best


@overload
def parse_rdf_bytes(data: bytes, fmt: RdfFormat, display: str, base_iri: str | None = None, *,
                    allow_named_graphs: Literal[False] = False) -> list[Triple]: ...
@overload
def parse_rdf_bytes(data: bytes, fmt: RdfFormat, display: str, base_iri: str | None = None, *,
                    allow_named_graphs: bool) -> list[Triple | Quad]: ...


def parse_rdf_bytes(data: bytes, fmt: RdfFormat, display: str, base_iri: str | None = None, *,
                    allow_named_graphs: bool = False) -> list[Triple] | list[Triple | Quad]:
    """Strictly parse an RDF document; a dataset format must not lose its named graphs.

    npkg sources hold a single default graph, so a quad in a named graph is refused unless
    ``allow_named_graphs`` is set (conformance tests, tools reading other people's datasets);
    then default-graph statements come back as ``Triple`` and the others as ``Quad``.
    """
    check_bytes(data, display, fmt)
    try:
        items = list(parse(data, format=fmt, base_iri=base_iri))
    except SyntaxError as exc:
        reason = _reason(exc)
        if "has not been declared" in reason:
            declared = sorted(set(_PREFIX_DECL.findall(data.decode("utf-8", "replace"))))
            reason += f"; declared prefixes: {', '.join(p + ':' for p in declared) or 'none'}"
        raise ParseError(f"{display}:{_position(exc)}: {reason}") from None
    except (ValueError, OSError) as exc:
        raise ParseError(f"{display}: {exc}") from None
    out: list[Triple | Quad] = []
    for item in items:
        if isinstance(item, Quad):
            if isinstance(item.graph_name, DefaultGraph):
                out.append(item.triple)
            elif allow_named_graphs:
                out.append(item)
            else:
                raise ParseError(f"{display}: named graph {item.graph_name} found; "
                                 "npkg sources hold a single default graph")
        else:
            out.append(item)
    if fmt in DATASET_FORMATS and not out and data.strip():
        raise ParseError(f"{display}: the dataset parsed to 0 triples")
    return out


def parse_rdf_file(path: Path, fmt: RdfFormat | None = None, display: str | None = None) -> list[Triple]:
    shown = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ParseError(f"{shown}: cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ParseError(f"{shown}: {size} bytes is over the {MAX_FILE_BYTES}-byte limit")
    return parse_rdf_bytes(path.read_bytes(), fmt or format_for(path), shown, base_iri=path.resolve().as_uri())


_STRIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_OPERATORS = re.compile(r"\|\||&&|!|\+|(?<![\w?$])-|\*|/|\^|\bUNION\b", re.IGNORECASE)
_SERVICE = re.compile(r"(?<![?$:\w-])SERVICE(?=\s|<|\?|\$|#)", re.IGNORECASE)
_DATASET = re.compile(r"(?<![?$\w])FROM\b", re.IGNORECASE)


def uses_service(text: str) -> bool:
    """True when SERVICE appears as a keyword (not inside a string, IRI or comment).

    >>> uses_service('SELECT * { SERVICE <http://x/> { ?s ?p ?o } }'), uses_service('SELECT ("SERVICE" AS ?x) {}')
    (True, False)
    >>> uses_service('SELECT ?service { ?s ex:service ?service }'), uses_service('SELECT * { SERVICE SILENT <http://x/> {} }')
    (False, True)
    """
    return bool(_SERVICE.search(_STRIP.sub(" ", text)))


def uses_dataset_clause(text: str) -> bool:
    """True when a FROM / FROM NAMED clause asks the engine to load a graph."""
    return bool(_DATASET.search(_STRIP.sub(" ", text)))


def precheck_query(text: str, display: str = "query", *, allow_service: bool = False) -> None:
    """Checks made before any parser sees a query: size, nesting depth, and SERVICE.

    SERVICE is refused here so that no code path can make an outbound request from a query
    npkg was handed.
    """
    if not allow_service and uses_service(text):
        raise UsageError(f"{display}: SERVICE (federated query) is disabled here; run it on a triple store")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise ParseError(f"{display}: query is over the {MAX_QUERY_BYTES}-byte limit")
    if _max_nesting(text.encode("utf-8", "surrogatepass")) > MAX_NESTING:
        raise ParseError(f"{display}: nesting too deep (limit {MAX_NESTING})")
    operators = len(_OPERATORS.findall(_STRIP.sub(" ", text)))
    if operators > MAX_OPERATORS:
        # pyoxigraph's recursive-descent parser overflows the stack on very long operator chains
        raise ParseError(f"{display}: query too complex ({operators} operators, limit {MAX_OPERATORS})")


def check_query(text: str, display: str = "query", *, allow_service: bool = False) -> None:
    """Parse a SPARQL query without running it (pyoxigraph parses eagerly, evaluates lazily)."""
    precheck_query(text, display, allow_service=allow_service)
    try:
        Store().query(text)
    except SyntaxError as exc:
        raise ParseError(f"{display}:{_position(exc)}: {_reason(exc)}") from None
    except RuntimeError:
        # raised after a successful parse, while planning (e.g. "custom function ... is not
        # supported"): the text is valid SPARQL; running it is the store's business
        pass
