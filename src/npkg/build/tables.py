"""Strict reading of the curated TSV tables.

Every table has a fixed header; a cell never has surrounding whitespace; a bad byte, a wrong
column count or an unknown header is reported with ``file:line:column`` and nothing is
guessed. Problems are collected, not raised one by one, so a curator sees all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: table name -> (required columns in order)
SCHEMAS: dict[str, tuple[str, ...]] = {
    "sources": ("id", "authors", "year", "title", "journal", "pmid", "doi", "kind", "seen_in"),
    "drugs": ("id", "label", "synonyms", "note"),
    "drug_classes": ("drug", "class", "source", "location", "note"),
    "terms": ("id", "type", "label", "synonyms", "kind", "definition"),
    "xrefs": ("subject", "predicate", "object", "object_label", "justification", "evidence"),
    "findings": (
        "id", "intervention", "intervention_detail", "condition", "population", "outcome_kind", "outcome",
        "measure", "point", "ci_low", "ci_high", "ci_level", "comparator", "comparator_label", "n_studies",
        "n_participants", "design", "duration", "source", "location", "note",
    ),
    "recommendations": (
        "id", "intervention", "condition", "line", "strength", "quality", "guideline", "source", "location", "note",
    ),
    "mechanism_paths": ("id", "label", "agent", "description"),
    "mechanism_steps": (
        "id", "path", "order", "agent", "action", "target", "process", "site", "site_kind", "onset",
        "onset_note", "species", "model", "status", "conflicts_with", "source", "location", "note",
    ),
    "safety": ("id", "subject", "relation", "object", "effect", "dose_limiting", "mechanism", "source", "location", "note"),
}


@dataclass(frozen=True)
class Row:
    """One data row with the position it came from, for error messages."""

    file: str
    line: int
    cells: dict[str, str]

    def where(self, column: str | None = None) -> str:
        if column is None:
            return f"{self.file}:{self.line}"
        col = list(self.cells).index(column) + 1 if column in self.cells else 1
        return f"{self.file}:{self.line}:{col}"

    def __getitem__(self, key: str) -> str:
        return self.cells[key]


@dataclass
class Table:
    name: str
    path: Path
    rows: list[Row] = field(default_factory=list)


def read_table(path: Path, name: str, problems: list[str], display: str | None = None) -> Table:
    """Read one TSV table, appending every problem found to ``problems``."""
    shown = display or str(path)
    table = Table(name, path)
    columns = SCHEMAS[name]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{shown}: cannot read: {exc.strerror}")
        return table
    if raw.startswith(b"\xef\xbb\xbf") or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(f"{shown}:1:1: byte-order mark found; save the file as UTF-8 without BOM")
        return table
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        col = raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].count(b"\t") + 1
        problems.append(f"{shown}:{bad_line}:{col}: invalid UTF-8 at byte offset {exc.start}: {exc.reason}")
        return table
    if "\r" in text:
        problems.append(f"{shown}: carriage return found; use Unix line endings")
        return table
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        problems.append(f"{shown}:1: empty file; expected the header {chr(9).join(columns)!r}")
        return table
    header = lines[0].split("\t")
    if tuple(header) != columns:
        differ = [i for i, (got, want) in enumerate(zip(header, columns, strict=False)) if got != want]
        col = (differ[0] if differ else min(len(header), len(columns))) + 1
        problems.append(
            f"{shown}:1:{col}: header is {header!r}; expected exactly {list(columns)!r}"
        )
        return table
    for lineno, line in enumerate(lines[1:], start=2):
        if line == "":
            problems.append(f"{shown}:{lineno}: blank line")
            continue
        if line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(columns):
            problems.append(  # the column given is the first missing or the first extra one
                f"{shown}:{lineno}:{min(len(cells), len(columns)) + 1}: {len(cells)} columns, "
                f"expected {len(columns)} ({', '.join(columns)})"
            )
            continue
        bad = False
        for col, (key, value) in enumerate(zip(columns, cells, strict=True), start=1):
            if value != value.strip():
                problems.append(f"{shown}:{lineno}:{col}: {key} has leading or trailing whitespace")
                bad = True
            if any(ord(ch) < 32 for ch in value):
                problems.append(f"{shown}:{lineno}:{col}: {key} contains a control character")
                bad = True
        if not bad:
            table.rows.append(Row(shown, lineno, dict(zip(columns, cells, strict=True))))
    return table
