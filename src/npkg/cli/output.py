"""Result formatting: an aligned table for a terminal, TSV when piped, CSV, SPARQL 1.1 JSON.

stdout carries only data; logs and progress go to stderr.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from npkg.api import QueryResult

FORMATS = ("table", "tsv", "csv", "json")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def default_format(stream: TextIO) -> str:
    return "table" if stream.isatty() else "tsv"


def render(result: QueryResult, fmt: str, stream: TextIO | None = None) -> str:
    out = stream or sys.stdout
    if fmt == "json":
        return json.dumps(result.to_sparql_json(), indent=2, ensure_ascii=False) + "\n"
    rows = [[_cell(r[c]) for c in result.columns] for r in result.rows]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a lone CR in a value then gets quoted
        w.writerow(result.columns)
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "tsv":
        def esc(v: str) -> str:
            return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return "\n".join("\t".join(esc(v) for v in row) for row in [list(result.columns), *rows]) + "\n"
    width = _terminal_width() if out.isatty() else 10_000
    cols = list(result.columns)
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
    cap = max(12, (width - 2 * len(cols)) // max(1, len(cols))) if sum(widths) + 2 * len(cols) > width else 10_000
    widths = [min(w, cap) for w in widths]

    def line(vals: list[str]) -> str:
        return "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()

    body = [line(cols), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]
    body.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(body) + "\n"


def _terminal_width() -> int:
    """$COLUMNS or the terminal's width, else 160 (``shutil.get_terminal_size`` without importing
    shutil, which pulls in the compression modules: a few ms of every cold command)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 160
    except (OSError, ValueError):
        return 160
