"""Figures from the release: forest plots, benefit-harm scatter, mechanism diagrams.

Each plot has two halves: a ``*_data`` function that runs the named query and returns a frozen
figure-data structure (rows, labels, values), and a renderer that draws exactly that structure.
Tests assert on the data and on the written SVG, so a figure can be checked against the query
it claims to show. matplotlib is imported only inside the renderers (``import npkg`` stays cheap),
and output is deterministic: a fixed ``svg.hashsalt``, no creation date, text kept as SVG text.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from npkg.errors import DataError, UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from npkg.api import KnowledgeGraph

FORMATS = (".svg", ".png")
MEASURES = ("NNT", "NNH")
GROUPINGS = ("drug", "class")
STATUS_COLOURS = {"supported": "#2e7d32", "not_supported": "#c62828", "disputed": "#ef6c00"}


# ---------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class ForestRow:
    """One finding as drawn: a row label, its group, the point estimate and the 95% CI if any."""

    finding: str
    intervention: str
    intervention_label: str
    group: str
    source: str
    source_label: str
    outcome: str
    point: Decimal
    ci_low: Decimal | None
    ci_high: Decimal | None

    @property
    def label(self) -> str:
        return f"{self.intervention_label} ({self.source_label})"

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None


@dataclass(frozen=True)
class ForestData:
    condition: str
    condition_label: str
    measure: str
    by: str
    rows: tuple[ForestRow, ...]

    @property
    def title(self) -> str:
        return f"{self.measure} in {self.condition_label} ({self.condition}), by {self.by}"


@dataclass(frozen=True)
class BenefitHarmPoint:
    intervention: str
    intervention_label: str
    condition_label: str
    source: str
    source_label: str
    nnt: Decimal
    nnt_low: Decimal | None
    nnt_high: Decimal | None
    nnh: Decimal
    nnh_low: Decimal | None
    nnh_high: Decimal | None
    ratio: Decimal
    nnt_finding: str
    nnh_finding: str

    @property
    def label(self) -> str:
        return f"{self.intervention_label} ({self.source_label})"


@dataclass(frozen=True)
class BenefitHarmData:
    condition: str | None
    points: tuple[BenefitHarmPoint, ...]


@dataclass(frozen=True)
class MechanismBox:
    step: str
    order: int
    action: str
    targets: str | None
    sites: str | None
    site_kind: str | None
    onset: str
    status: str
    source_label: str

    @property
    def text(self) -> str:
        """The box text: target, then site (and kind), then the action, then onset and source."""
        lines = []
        if self.targets:
            lines.append("target: " + self.targets)
        if self.sites or self.site_kind:
            lines.append("site: " + ", ".join(x for x in (self.sites, f"[{self.site_kind}]" if self.site_kind else None) if x))
        lines.append(self.action)
        lines.append(f"onset: {self.onset}; {self.status}")
        lines.append(self.source_label)
        return "\n".join(textwrap.fill(line, 34) for line in lines)


@dataclass(frozen=True)
class MechanismLane:
    path: str
    label: str
    steps: tuple[MechanismBox, ...]


@dataclass(frozen=True)
class MechanismData:
    drug: str
    drug_label: str
    lanes: tuple[MechanismLane, ...]


def _class_of(kg: KnowledgeGraph) -> dict[str, str]:
    """Drug CURIE -> label(s) of its direct drug class(es), for grouping rows by class."""
    groups: dict[str, set[str]] = defaultdict(set)
    for r in kg.query("class-members").rows:
        groups[r["drug"]].add(r["directClassLabel"])
    return {d: " / ".join(sorted(labels)) for d, labels in groups.items()}


def forest_data(kg: KnowledgeGraph, condition: str, measure: str = "NNT", by: str = "drug") -> ForestData:
    """The rows of the ``findings`` named query for a condition (subclasses included) and measure."""
    if measure not in MEASURES:
        raise UsageError(f"--measure {measure!r}: expected one of {', '.join(MEASURES)}")
    if by not in GROUPINGS:
        raise UsageError(f"--by {by!r}: expected one of {', '.join(GROUPINGS)}")
    curie = kg.resolve(condition)
    rows = kg.query("findings", condition=curie, measure=measure).rows
    if not rows:
        raise DataError([f"no {measure} findings for {condition} ({curie}) in the release: nothing to plot"])
    classes = _class_of(kg) if by == "class" else {}
    out = []
    for r in rows:
        iv = r["drugOrClass"]
        group = r["interventionLabel"] if by == "drug" else classes.get(iv, r["interventionLabel"])
        out.append(ForestRow(finding=r["finding"], intervention=iv, intervention_label=r["interventionLabel"], group=group,
                             source=r["source"], source_label=r["sourceLabel"], outcome=r["outcome"], point=r["point"],
                             ci_low=r["ciLow"], ci_high=r["ciHigh"]))
    out.sort(key=lambda x: (x.group.lower(), x.point, x.intervention_label, x.source_label, x.finding))
    return ForestData(condition=curie, condition_label=kg.label(curie) or curie, measure=measure, by=by, rows=tuple(out))


def benefit_harm_data(kg: KnowledgeGraph, condition: str | None = None) -> BenefitHarmData:
    """NNT/NNH pairs from the ``benefit-harm`` named query (same source, intervention and condition)."""
    curie = kg.resolve(condition) if condition else None
    rows = kg.query("benefit-harm", condition=curie).rows
    if not rows:
        raise DataError([f"no NNT/NNH pairs from one source{' for ' + condition if condition else ''}: nothing to plot"])
    points = tuple(BenefitHarmPoint(
        intervention=r["drugOrClass"], intervention_label=r["interventionLabel"], condition_label=r["conditionLabel"],
        source=r["source"], source_label=r["sourceLabel"], nnt=r["nnt"], nnt_low=r["nntLow"], nnt_high=r["nntHigh"],
        nnh=r["nnh"], nnh_low=r["nnhLow"], nnh_high=r["nnhHigh"], ratio=r["ratio"], nnt_finding=r["nntFinding"],
        nnh_finding=r["nnhFinding"]) for r in rows)
    return BenefitHarmData(condition=curie, points=points)


def mechanism_data(kg: KnowledgeGraph, drug: str) -> MechanismData:
    """The ``mechanisms-of-drug`` rows of a drug or class, one lane per path, steps in order."""
    curie = kg.resolve(drug)
    rows = kg.query("mechanisms-of-drug", drug=curie).rows
    if not rows:
        raise DataError([f"no mechanism paths for {drug} ({curie}) in the release: nothing to plot"])
    lanes: dict[str, tuple[str, list[MechanismBox]]] = {}
    for r in rows:
        lane = lanes.setdefault(r["path"], (r["pathLabel"], []))
        lane[1].append(MechanismBox(step=r["step"], order=r["order"], action=r["action"], targets=r["targetLabels"],
                                    sites=r["siteLabels"], site_kind=r["siteKind"], onset=r["onset"], status=r["status"],
                                    source_label=r["sourceLabel"]))
    ordered = sorted(lanes.items(), key=lambda kv: (kv[1][0], kv[0]))
    return MechanismData(drug=curie, drug_label=kg.label(curie) or curie, lanes=tuple(
        MechanismLane(path=p, label=label, steps=tuple(sorted(boxes, key=lambda b: (b.order, b.step))))
        for p, (label, boxes) in ordered))


# ---------------------------------------------------------------------------------- rendering
@contextmanager
def _deterministic() -> Iterator[None]:
    import matplotlib

    # fixed hash salt (SVG ids), text kept as text (searchable, testable), one bundled font
    with matplotlib.rc_context({"svg.hashsalt": "npkg", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9}):
        yield


def _check_output(out: Path) -> None:
    if out.suffix.lower() not in FORMATS:
        raise UsageError(f"{out}: unsupported figure format {out.suffix or '(none)'}; use one of {', '.join(FORMATS)}")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder {out.parent} does not exist")


def save(fig: Figure, out: Path) -> Path:
    """Write a figure as SVG or PNG with no date or other varying metadata."""
    _check_output(out)
    fmt = out.suffix.lower().lstrip(".")
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": "npkg (matplotlib)"}
    with _deterministic():
        fig.savefig(out, format=fmt, metadata=metadata, dpi=150, bbox_inches="tight")
    return out


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def render_forest(data: ForestData) -> Figure:
    """One row per finding: a square at the point estimate and a line for the 95% CI; rows with no
    CI get a hollow diamond and '(no CI)'. Each row's artists carry gids (``point-i``, ``ci-i``)."""
    from matplotlib.figure import Figure

    with _deterministic():
        n = len(data.rows)
        fig = Figure(figsize=(10, 1.2 + 0.32 * (n + len({r.group for r in data.rows}))))
        ax = fig.add_subplot()
        y = 0.0
        ticks: list[float] = []
        labels: list[str] = []
        group = None
        values = [float(v) for r in data.rows for v in (r.point, r.ci_low, r.ci_high) if v is not None]
        lo, hi = min(values), max(values)
        log = lo > 0 and hi / lo > 20
        for i, r in enumerate(data.rows):
            if r.group != group:
                group = r.group
                y -= 0.4 if i else 0.0
                ax.text(0.0, y, r.group, transform=ax.get_yaxis_transform(), ha="right", va="center",
                        fontweight="bold", gid=f"group-{i}")
                y -= 1.0
            if r.has_ci:
                ax.plot([float(r.ci_low or 0), float(r.ci_high or 0)], [y, y], color="#37474f", lw=1.4, gid=f"ci-{i}")
                ax.plot([float(r.point)], [y], marker="s", color="#1565c0", ms=6, ls="none", gid=f"point-{i}")
                value_text = f"{_fmt(r.point)} ({_fmt(r.ci_low)} to {_fmt(r.ci_high)})"
            else:
                ax.plot([float(r.point)], [y], marker="D", mfc="white", mec="#6d4c41", ms=6, ls="none", gid=f"point-{i}")
                value_text = f"{_fmt(r.point)} (no CI)"
            ax.text(1.01, y, value_text, transform=ax.get_yaxis_transform(), va="center", gid=f"value-{i}")
            ticks.append(y)
            labels.append(r.label)
            y -= 1.0
        ax.set_yticks(ticks, labels)
        ax.set_ylim(y + 0.3, 0.8)
        if log:
            ax.set_xscale("log")
        ax.set_xlabel(f"{data.measure}: square and line = point estimate and 95% CI{'; log scale' if log else ''}; "
                      "hollow diamond = no CI reported")
        ax.set_title(data.title)
        ax.grid(axis="x", color="#e0e0e0", lw=0.6)
        ax.set_axisbelow(True)
        return fig


def render_benefit_harm(data: BenefitHarmData) -> Figure:
    """NNT on x against NNH on y; the diagonal NNH = NNT separates 'more likely helped' (above)."""
    from matplotlib.figure import Figure

    with _deterministic():
        fig = Figure(figsize=(13, 7))
        ax = fig.add_subplot()
        for i, p in enumerate(data.points):
            xerr = yerr = None
            if p.nnt_low is not None and p.nnt_high is not None:
                xerr = [[float(p.nnt - p.nnt_low)], [float(p.nnt_high - p.nnt)]]
            if p.nnh_low is not None and p.nnh_high is not None:
                yerr = [[float(p.nnh - p.nnh_low)], [float(p.nnh_high - p.nnh)]]
            if xerr or yerr:
                ax.errorbar([float(p.nnt)], [float(p.nnh)], xerr=xerr, yerr=yerr, fmt="none", ecolor="#90a4ae", capsize=2)
            ax.plot([float(p.nnt)], [float(p.nnh)], marker="o", ls="none", color="#1565c0", ms=5, gid=f"pair-{i}")
            ax.annotate(str(i + 1), (float(p.nnt), float(p.nnh)), xytext=(3, 2), textcoords="offset points", fontsize=7,
                        gid=f"num-{i}")
            ax.text(1.03, 1 - i * 0.04, f"{i + 1}. {p.label}: NNH/NNT {_fmt(p.ratio)}", transform=ax.transAxes, fontsize=7,
                    va="top", gid=f"label-{i}")
        x_top = max(float(p.nnt_high or p.nnt) for p in data.points) * 1.1
        y_top = max(float(p.nnh_high or p.nnh) for p in data.points) * 1.05
        ax.plot([0, min(x_top, y_top)], [0, min(x_top, y_top)], ls="--", color="#9e9e9e", lw=0.8, gid="diagonal")
        ax.set_xlim(0, x_top)
        ax.set_ylim(0, y_top)
        ax.set_xlabel("NNT (benefit; lower is better)")
        ax.set_ylabel("NNH (harm; higher is better)")
        ax.set_title("Benefit against harm from the same source" + (f" ({data.condition})" if data.condition else "")
                     + "\nnumbered points listed on the right; dashed line: NNH = NNT")
        ax.grid(color="#eeeeee", lw=0.6)
        return fig


def render_mechanism(data: MechanismData) -> Figure:
    """One lane per mechanism path, boxes left to right in step order, coloured by status.

    A pure-matplotlib layout (no graphviz): lanes are rows, steps are columns, so the same data
    always gives the same picture.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, Patch

    with _deterministic():
        cols = max(len(lane.steps) for lane in data.lanes)
        heights = [max(b.text.count("\n") + 1 for b in lane.steps) for lane in data.lanes]
        lane_h = [0.6 + 0.16 * h for h in heights]
        total_h = sum(lane_h) + 0.8
        fig = Figure(figsize=(2.2 + 2.9 * cols, total_h))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1.2 + 2.9 * cols)
        ax.set_ylim(0, total_h)
        ax.axis("off")
        ax.text(0.1, total_h - 0.3, f"Mechanism paths of {data.drug_label} ({data.drug})", fontsize=11, fontweight="bold",
                va="center", gid="title")
        y_top = total_h - 0.7
        for li, (lane, h) in enumerate(zip(data.lanes, lane_h, strict=True)):
            ax.text(0.1, y_top - 0.1, lane.label, fontsize=9, fontstyle="italic", va="top", gid=f"lane-{li}")
            yc = y_top - 0.2 - (h - 0.2) / 2
            prev_x: float | None = None
            for si, box in enumerate(lane.steps):
                x = 0.3 + 2.9 * si
                ax.text(x, yc, box.text, fontsize=7, va="center", ha="left", gid=f"step-{li}-{si}",
                        bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": STATUS_COLOURS.get(box.status, "#616161"),
                              "lw": 1.6, "ls": "-" if box.onset != "delayed" else "--"})
                if prev_x is not None:
                    ax.add_patch(FancyArrowPatch((prev_x + 2.55, yc), (x - 0.08, yc), arrowstyle="-|>", mutation_scale=10,
                                                 color="#616161", gid=f"arrow-{li}-{si}"))
                prev_x = x
            y_top -= h
        handles = [Patch(fc="white", ec=c, label=s.replace("_", " ")) for s, c in STATUS_COLOURS.items()]
        handles.append(Patch(fc="white", ec="#616161", ls="--", label="delayed onset (dashed)"))
        ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=False)
        return fig


def plot_forest(kg: KnowledgeGraph, condition: str, out: Path, *, measure: str = "NNT", by: str = "drug") -> ForestData:
    _check_output(out)
    data = forest_data(kg, condition, measure, by)
    save(render_forest(data), out)
    return data


def plot_benefit_harm(kg: KnowledgeGraph, out: Path, *, condition: str | None = None) -> BenefitHarmData:
    _check_output(out)
    data = benefit_harm_data(kg, condition)
    save(render_benefit_harm(data), out)
    return data


def plot_mechanism(kg: KnowledgeGraph, drug: str, out: Path) -> MechanismData:
    _check_output(out)
    data = mechanism_data(kg, drug)
    save(render_mechanism(data), out)
    return data


__all__: Sequence[str] = ("BenefitHarmData", "ForestData", "MechanismData", "benefit_harm_data", "forest_data",
                          "mechanism_data", "plot_benefit_harm", "plot_forest", "plot_mechanism")
