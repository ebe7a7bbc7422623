"""SPARQL 1.1 result serialisers with a row cap: JSON, XML, CSV and TSV from npkg terms.

pyoxigraph can serialise whole result sets, but it cannot stop at a row cap or add the
truncation signal, and named queries come back as npkg terms (``npkg.store``) anyway, so
one small writer per format serves free and named queries alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from npkg.server.limits import MAX_ROWS_JSON_KEY, TRUNCATED_JSON_KEY
from npkg.store import IRI, XSD, BNode, Term

Row = Mapping[str, Term | None]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
PLAIN_JSON = "application/json"


def _json_term(t: Term) -> dict[str, str]:
    if isinstance(t, IRI):
        return {"type": "uri", "value": t.value}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": t.value}
    d = {"type": "literal", "value": t.value}
    if t.language:
        d["xml:lang"] = t.language
    elif t.datatype != XSD + "string":
        d["datatype"] = t.datatype
    return d


def _nt_string(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{out}"'


def nt_term(t: Term) -> str:
    """N-Triples form of a term, as the SPARQL TSV format wants it.

    >>> from npkg.store import Lit
    >>> nt_term(Lit('a "b"\\tc', language="en")), nt_term(IRI("http://e/x"))
    ('"a \\\\"b\\\\"\\\\tc"@en', '<http://e/x>')
    """
    if isinstance(t, IRI):
        return f"<{t.value}>"
    if isinstance(t, BNode):
        return f"_:{t.value}"
    if t.language:
        return f"{_nt_string(t.value)}@{t.language}"
    if t.datatype == XSD + "string":
        return _nt_string(t.value)
    return f"{_nt_string(t.value)}^^<{t.datatype}>"


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def select_bytes(media: str, variables: Sequence[str], rows: Sequence[Row], *, truncated: bool, max_rows: int) -> bytes:
    """One SELECT result in ``media``; ``truncated`` adds the documented top-level JSON keys."""
    if media in (JSON, PLAIN_JSON):
        doc: dict[str, object] = {
            "head": {"vars": list(variables)},
            "results": {"bindings": [{v: _json_term(t) for v, t in r.items() if t is not None} for r in rows]},
        }
        if truncated:
            doc[TRUNCATED_JSON_KEY] = True
            doc[MAX_ROWS_JSON_KEY] = max_rows
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if media == XML:
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head>\n<results>\n")
        for r in rows:
            parts.append("<result>")
            for v in variables:
                t = r.get(v)
                if t is None:
                    continue
                if isinstance(t, IRI):
                    inner = f"<uri>{escape(t.value)}</uri>"
                elif isinstance(t, BNode):
                    inner = f"<bnode>{escape(t.value)}</bnode>"
                elif t.language:
                    inner = f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
                elif t.datatype != XSD + "string":
                    inner = f"<literal datatype={quoteattr(t.datatype)}>{escape(t.value)}</literal>"
                else:
                    inner = f"<literal>{escape(t.value)}</literal>"
                parts.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
            parts.append("</result>\n")
        parts.append("</results>\n</sparql>\n")
        return "".join(parts).encode("utf-8")
    if media == CSV:
        lines = [",".join(_csv_field(v) for v in variables)]
        for r in rows:
            cells = []
            for v in variables:
                t = r.get(v)
                cells.append("" if t is None else _csv_field(f"_:{t.value}" if isinstance(t, BNode) else t.value))
            lines.append(",".join(cells))
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if media == TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if r.get(v) is None else nt_term(r[v]) for v in variables)  # type: ignore[arg-type]
                  for r in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"no serialiser for {media}")


def ask_bytes(media: str, value: bool) -> bytes:
    if media in (JSON, PLAIN_JSON):
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if media == XML:
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head/>\n'
                f"<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n").encode()
    # SPARQL CSV/TSV define no boolean form; this is what Oxigraph writes
    return b"true" if value else b"false"
