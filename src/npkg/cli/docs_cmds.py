"""Commands that publish the release for people: ``docs`` (static HTML), ``plot`` (figures), ``diff``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK, EXIT_PROBLEMS


def _kg(args: argparse.Namespace) -> Any:
    from npkg.api import open_graph

    return open_graph(args.endpoint, store=args.store)


def register(sub: Any) -> None:
    p = sub.add_parser("docs", help="generate static HTML documentation of the release (terms, drugs, index, search)")
    p.add_argument("-o", "--output", default="site", help="output folder (default: site/)")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("plot", help="draw a figure from the release (SVG or PNG)")
    kinds = p.add_subparsers(dest="plot", required=True, parser_class=type(p))
    f = kinds.add_parser("forest", help="forest plot: one row per finding, point estimate and 95%% CI, labelled with its source")
    f.add_argument("--condition", required=True, help="a condition (npkg CURIE, MONDO/HP CURIE or label); subclasses included")
    f.add_argument("--measure", choices=("NNT", "NNH"), default="NNT")
    f.add_argument("--by", choices=("drug", "class"), default="drug", help="group rows by intervention or by drug class")
    f.add_argument("-o", "--output", required=True, help="FILE.svg or FILE.png")
    f.set_defaults(func=cmd_plot_forest)
    b = kinds.add_parser("benefit-harm", help="NNT against NNH reported by the same source")
    b.add_argument("--condition", help="a condition; subclasses included (default: all)")
    b.add_argument("-o", "--output", required=True, help="FILE.svg or FILE.png")
    b.set_defaults(func=cmd_plot_benefit_harm)
    m = kinds.add_parser("mechanism", help="a drug's mechanism paths: target, site, effect, with onset and status")
    m.add_argument("--drug", required=True, help="a drug or class by any identifier or label")
    m.add_argument("-o", "--output", required=True, help="FILE.svg or FILE.png")
    m.set_defaults(func=cmd_plot_mechanism)

    d = sub.add_parser("diff", help="compare two releases: added, removed and changed findings, terms and mappings")
    d.add_argument("old", help="a release file (.nt/.ttl) or a release folder")
    d.add_argument("new", help="a release file (.nt/.ttl) or a release folder")
    d.add_argument("--format", "-f", choices=("text", "json"), default="text")
    d.set_defaults(func=cmd_diff)


def cmd_docs(args: argparse.Namespace) -> int:
    from npkg.docs_site import build_site

    report = build_site(_kg(args), Path(args.output))
    sys.stderr.write(f"npkg: wrote {len(report.pages)} files ({report.terms} term pages, {report.drugs} drug pages) "
                     f"to {report.out_dir}/; open {report.out_dir / 'index.html'}\n")
    return EXIT_OK


def _wrote(out: Path, what: str) -> int:
    sys.stderr.write(f"npkg: wrote {what} to {out}\n")
    return EXIT_OK


def cmd_plot_forest(args: argparse.Namespace) -> int:
    from npkg.plots import plot_forest

    data = plot_forest(_kg(args), args.condition, Path(args.output), measure=args.measure, by=args.by)
    return _wrote(Path(args.output), f"a forest plot of {len(data.rows)} {data.measure} findings")


def cmd_plot_benefit_harm(args: argparse.Namespace) -> int:
    from npkg.plots import plot_benefit_harm

    data = plot_benefit_harm(_kg(args), Path(args.output), condition=args.condition)
    return _wrote(Path(args.output), f"a benefit-harm plot of {len(data.points)} NNT/NNH pairs")


def cmd_plot_mechanism(args: argparse.Namespace) -> int:
    from npkg.plots import plot_mechanism

    data = plot_mechanism(_kg(args), args.drug, Path(args.output))
    steps = sum(len(lane.steps) for lane in data.lanes)
    return _wrote(Path(args.output), f"a mechanism diagram of {len(data.lanes)} paths, {steps} steps")


def cmd_diff(args: argparse.Namespace) -> int:
    from npkg.diff import diff_releases, render_json, render_text

    result = diff_releases(Path(args.old), Path(args.new))
    sys.stdout.write(render_json(result) if args.format == "json" else render_text(result))
    return EXIT_OK if result.identical else EXIT_PROBLEMS


__all__ = ["register"]
