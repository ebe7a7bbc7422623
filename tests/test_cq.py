"""Competency questions as data files, checked against the curated release on every run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

CQ_DIR = Path(__file__).parent / "cq"
CASES = sorted(CQ_DIR.glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"question", "query", "params"} <= set(data), f"{path.name}: question, query and params are required"
    return data


def test_every_competency_question_of_the_reference_is_covered() -> None:
    covered = {_load(p)["competency_question"] for p in CASES}
    assert covered == set(range(1, 17))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_competency_question(path: Path, kg: Any) -> None:
    case = _load(path)
    rows = kg.query(case["query"], **case["params"]).rows
    assert rows, f"{path.name}: no rows for {case['question']}"
    for column, expected in (case.get("expect_at_least") or {}).items():
        got = {r[column] for r in rows}
        missing = [e for e in expected if e not in got]
        assert not missing, f"{path.name}: {column} lacks {missing}"
    for column, forbidden in (case.get("expect_none") or {}).items():
        got = {r[column] for r in rows}
        assert not got & set(forbidden), f"{path.name}: {column} has {got & set(forbidden)}"
    for column in case.get("every_row_has") or []:
        assert all(r[column] is not None and r[column] != "" for r in rows), f"{path.name}: a row lacks {column}"
    if "sorted_ascending" in case:
        values = [r[case["sorted_ascending"]] for r in rows]
        assert values == sorted(values)
