"""Rewrite ``OPTIONAL { X }`` as ``LATERAL { OPTIONAL { X } }`` for the embedded engine.

pyoxigraph plans an OPTIONAL either as a per-row lookup or as a hash join that first reads
*every* match of ``X`` in the graph. Its choice rests on static size guesses that multiply with
each pattern before the OPTIONAL and saturate after about ten, so a report query with many
columns gets hash joins: at a million triples each such OPTIONAL costs 15-30 ms whatever the
number of rows (``benchmarks/bench_scale.py``). ``LATERAL`` (SPARQL SEP-0006, which pyoxigraph
implements) states the per-row lookup outright. For the named queries the two forms give the
same rows: ``tests/test_lateral.py`` compares them on every query and parameter combination,
and the backend suite compares the embedded answers with other engines, which get the portable
text. Only the embedded store uses this, and only for named queries: user SPARQL runs as written.
"""

from __future__ import annotations

import re
from functools import cache

# strings, IRIs and comments are copied through untouched; braces and OPTIONAL are looked at
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*'
    r'|(?<![\w?$:])OPTIONAL\b|[{}]',
    re.IGNORECASE,
)
_SUBSELECT = re.compile(r"(?:\s|#[^\n]*)*\{(?:\s|#[^\n]*)*SELECT\b", re.IGNORECASE)


@cache
def lateral_optionals(query: str) -> str:
    """The query with each OPTIONAL group wrapped in a LATERAL group.

    >>> lateral_optionals("SELECT * { ?s a ?t OPTIONAL { ?s <p> ?o } }")
    'SELECT * { ?s a ?t LATERAL { OPTIONAL { ?s <p> ?o } } }'
    >>> lateral_optionals("SELECT * { ?s a ?t OPTIONAL { SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s } }")
    'SELECT * { ?s a ?t OPTIONAL { SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s } }'
    """
    out: list[str] = []
    pos = 0
    # depth of each OPTIONAL's own brace, so its closing brace gets one more
    depth = 0
    closing: list[int] = []
    for m in _TOKEN.finditer(query):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            if closing and closing[-1] == depth:
                closing.pop()
                out.append(query[pos:m.end()] + " }")
                pos = m.end()
            depth -= 1
        elif tok.upper() == "OPTIONAL" and not _SUBSELECT.match(query, m.end()):
            out.append(query[pos:m.start()] + "LATERAL { ")
            pos = m.start()
            closing.append(depth + 1)
    out.append(query[pos:])
    return "".join(out)
