"""Commands that compile and check the sources: build, validate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from npkg.errors import EXIT_OK, EXIT_PROBLEMS


def register(sub: Any) -> None:
    p = sub.add_parser("build", help="compile, reason, validate and write the release (atomic)")
    p.add_argument("--root", type=Path, help="project folder (default: this checkout)")
    p.add_argument("--no-reason", action="store_true", help="skip HermiT (not for releases)")
    p.add_argument("--reasoner-timeout", type=float, default=120.0, metavar="S")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("validate", help="run every check without writing a release; write reports")
    p.add_argument("--root", type=Path)
    p.add_argument("--no-reason", action="store_true")
    p.add_argument("--reasoner-timeout", type=float, default=120.0, metavar="S")
    p.add_argument("--report-dir", type=Path, default=Path("reports"), help="where to write validation.txt/.json")
    p.set_defaults(func=cmd_validate)


def _root(args: argparse.Namespace) -> Path:
    from npkg import paths

    return (args.root or paths.project_root()).resolve()


def cmd_build(args: argparse.Namespace) -> int:
    from npkg.build.pipeline import build

    root = _root(args)
    sys.stderr.write(f"npkg: building from {root} ...\n")
    res = build(root, reason=not args.no_reason, timeout=args.reasoner_timeout)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in res.timings.items())
    sys.stderr.write(f"npkg: release written to {root / 'ontology' / 'release'} "
                     f"({len(res.full)} triples, {len(res.report.issues)} warnings; {timings})\n")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from npkg.build.pipeline import run
    from npkg.validate import write_reports

    res = run(_root(args), reason=not args.no_reason, timeout=args.reasoner_timeout)
    text, js = write_reports(res.report, args.report_dir)
    sys.stdout.write(res.report.to_text())
    sys.stderr.write(f"npkg: reports written to {text} and {js}\n")
    return EXIT_OK if res.report.conforms else EXIT_PROBLEMS
