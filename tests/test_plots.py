"""Plots: the figure data equals the named query's rows, and the written SVG shows exactly them."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from npkg import plots
from tests.conftest import NORTRIPTYLINE, POSTHERPETIC_NEURALGIA

NEUROPATHIC_PAIN = "NPKG:NeuropathicPain"
STROKE = "NPKG:Stroke"  # a condition with no findings of its own
SVG = "{http://www.w3.org/2000/svg}"


def svg_ids(path: Path) -> Counter[str]:
    """Counts of element-id families (point-, ci-, step-...) in an SVG written by npkg."""
    root = ET.parse(path).getroot()
    return Counter(el.get("id", "").split("-", 1)[0] for el in root.iter() if "-" in el.get("id", ""))


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def npkg(release: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "npkg.cli", "--store", str(release / "npkg.nt"), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("by", ["drug", "class"])
def test_forest_data_are_the_query_rows(kg, by: str) -> None:  # type: ignore[no-untyped-def]
    data = plots.forest_data(kg, POSTHERPETIC_NEURALGIA, "NNT", by)
    rows = kg.query("findings", condition=POSTHERPETIC_NEURALGIA, measure="NNT").rows
    assert Counter((r.finding, r.point, r.ci_low, r.ci_high, r.source_label) for r in data.rows) == \
        Counter((r["finding"], r["point"], r["ciLow"], r["ciHigh"], r["sourceLabel"]) for r in rows)
    assert data.condition == "NPKG:PostherpeticNeuralgia" and data.measure == "NNT"
    # rows are grouped: each group's rows are contiguous
    groups = [r.group for r in data.rows]
    assert all(groups.index(g) + groups.count(g) - 1 == len(groups) - 1 - groups[::-1].index(g) for g in set(groups))


def test_forest_class_grouping_uses_the_drug_class(kg) -> None:  # type: ignore[no-untyped-def]
    data = plots.forest_data(kg, POSTHERPETIC_NEURALGIA, "NNT", "class")
    pregabalin = [r for r in data.rows if r.intervention == "NPKG:pregabalin"]
    assert pregabalin and {r.group for r in pregabalin} == {"gabapentinoid"}
    tca = [r for r in data.rows if r.intervention == "NPKG:TricyclicAntidepressant"]
    assert tca and {r.group for r in tca} == {"tricyclic antidepressant"}


def test_forest_svg_shows_every_row_with_its_label_and_ci(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "forest.svg"
    data = plots.plot_forest(kg, NEUROPATHIC_PAIN, out, measure="NNH")
    ids = svg_ids(out)
    assert ids["point"] == len(data.rows) > 0
    assert ids["ci"] == sum(r.has_ci for r in data.rows)
    assert any(not r.has_ci for r in data.rows) or ids["ci"] == ids["point"]
    texts = svg_texts(out)
    for r in data.rows:
        assert r.label in texts
    no_ci = [t for t in texts if t.endswith("(no CI)")]
    assert len(no_ci) == sum(not r.has_ci for r in data.rows)
    values = {t for t in texts if " to " in t}
    for r in data.rows:
        if r.has_ci:
            assert f"{r.point:f} ({r.ci_low:f} to {r.ci_high:f})" in values


def test_forest_output_is_deterministic(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for suffix in ("svg", "png"):
        a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        plots.plot_forest(kg, POSTHERPETIC_NEURALGIA, a)
        plots.plot_forest(kg, POSTHERPETIC_NEURALGIA, b)
        assert a.read_bytes() == b.read_bytes()
    assert b"<dc:date>" not in (tmp_path / "a.svg").read_bytes()


def test_benefit_harm_plot_pairs(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "bh.svg"
    data = plots.plot_benefit_harm(kg, out, condition=NEUROPATHIC_PAIN)
    rows = kg.query("benefit-harm", condition=NEUROPATHIC_PAIN).rows
    assert [(p.nnt_finding, p.nnh_finding, p.nnt, p.nnh, p.ratio) for p in data.points] == \
        [(r["nntFinding"], r["nnhFinding"], r["nnt"], r["nnh"], r["ratio"]) for r in rows]
    ids = svg_ids(out)
    assert ids["pair"] == len(rows) and ids["label"] == len(rows)
    texts = svg_texts(out)
    tca = next(p for p in data.points if p.intervention == "NPKG:TricyclicAntidepressant")
    idx = data.points.index(tca)
    assert f"{idx + 1}. {tca.label}: NNH/NNT {tca.ratio:f}" in texts


def test_mechanism_diagram(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "mech.svg"
    data = plots.plot_mechanism(kg, NORTRIPTYLINE, out)
    rows = kg.query("mechanisms-of-drug", drug=NORTRIPTYLINE).rows
    assert sorted(b.step for lane in data.lanes for b in lane.steps) == sorted(r["step"] for r in rows)
    assert {lane.label for lane in data.lanes} == {r["pathLabel"] for r in rows}
    for lane in data.lanes:
        assert [b.order for b in lane.steps] == sorted(b.order for b in lane.steps)
    ids = svg_ids(out)
    assert ids["step"] == len(rows)
    assert ids["arrow"] == sum(len(lane.steps) - 1 for lane in data.lanes)
    text = "\n".join(svg_texts(out))
    # the negative finding (mu-opioid receptor not needed) is drawn with its status and onset
    assert "target: mu-opioid receptor" in text and "onset: delayed; not_supported" in text
    for lane in data.lanes:
        assert lane.label in text


def test_cli_writes_png_and_reports(release: Path, tmp_path: Path) -> None:
    out = tmp_path / "forest.png"
    res = npkg(release, "plot", "forest", "--condition", POSTHERPETIC_NEURALGIA, "--measure", "NNT", "--by", "class",
               "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "forest plot of" in res.stderr and res.stdout == ""
    res = npkg(release, "plot", "mechanism", "--drug", "nortriptyline", "-o", str(tmp_path / "m.png"))
    assert res.returncode == 0, res.stderr
    res = npkg(release, "plot", "benefit-harm", "-o", str(tmp_path / "bh.png"))
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize(("args", "code", "fragment"), [
    (["forest", "--condition", POSTHERPETIC_NEURALGIA, "-o", "x.pdf"], 2, "unsupported figure format"),
    (["forest", "--condition", "MONDO:9999999", "-o", "x.svg"], 2, "nothing in npkg maps to it"),
    (["forest", "--condition", STROKE, "-o", "x.svg"], 1, "no NNT findings"),
    (["forest", "--condition", POSTHERPETIC_NEURALGIA, "--measure", "RR", "-o", "x.svg"], 2, "invalid choice"),
    (["mechanism", "--drug", "nosuchdrug", "-o", "x.svg"], 2, "no npkg entity"),
])
def test_plot_errors(release: Path, tmp_path: Path, args: list[str], code: int, fragment: str) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    res = npkg(release, "plot", *args)
    assert res.returncode == code, res.stderr
    assert fragment in res.stderr and "Traceback" not in res.stderr
