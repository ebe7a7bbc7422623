"""The one build: compile -> reason -> validate -> release. ``npkg validate`` runs it without writing.

Order matters: the reasoner's inferred subclass axioms (for classes defined from their parts,
such as central post-stroke pain) are materialised before validation and release, so that plain
SPARQL over the release sees ``rdfs:subClassOf`` edges OWL entailment would give.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple

from npkg import vocab
from npkg.build.compile import Compiled, compile_project
from npkg.build.release import assemble, build_lock, release_info, render, serialise, write_release
from npkg.errors import DataError
from npkg.mappings import SSSOM_FILE, sssom_for_release
from npkg.reason import DEFAULT_TIMEOUT_S, ReasonerResult, check, run_reasoner
from npkg.syntax import parse_rdf_file
from npkg.validate import ValidationReport, validate_graph

log = logging.getLogger("npkg.build")


@dataclass
class BuildResult:
    compiled: Compiled
    base: list[Triple]
    full: list[Triple]
    report: ValidationReport
    reasoner: ReasonerResult | None
    files: dict[str, bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def load_imports(root: Path) -> list[Triple]:
    triples: list[Triple] = []
    imports = root / "ontology" / "imports"
    for path in sorted(imports.glob("*.ttl")) if imports.is_dir() else []:
        triples.extend(parse_rdf_file(path, display=str(path.relative_to(root))))
    return triples


def run(root: Path, *, reason: bool = True, timeout: float = DEFAULT_TIMEOUT_S) -> BuildResult:
    """Compile and check everything; raise DataError with every problem found."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    compiled = compile_project(root)
    imports = load_imports(root)
    info = release_info(root)
    timings["compile"] = time.perf_counter() - t0
    body = compiled.triples
    result: ReasonerResult | None = None
    if reason:
        t0 = time.perf_counter()
        pre_base, _ = assemble(info, body, [])
        result = run_reasoner(serialise(pre_base, RdfFormat.RDF_XML), timeout=timeout)
        timings["reason"] = time.perf_counter() - t0
        log.info("reasoner: %.2fs, %d inferred subclass axioms", timings["reason"], len(result.inferred_subclasses))
        check(result)
        body = body + [Triple(NamedNode(a), NamedNode(vocab.RDFS_SUBCLASSOF), NamedNode(b))
                       for a, b in result.inferred_subclasses]
    base, full = assemble(info, body, imports)
    t0 = time.perf_counter()
    report = validate_graph(base, root)
    timings["validate"] = time.perf_counter() - t0
    return BuildResult(compiled=compiled, base=base, full=full, report=report, reasoner=result, timings=timings)


def build(root: Path, *, reason: bool = True, timeout: float = DEFAULT_TIMEOUT_S, out_dir: Path | None = None) -> BuildResult:
    """Run every check, then write the release atomically; nothing is written on failure."""
    with build_lock(root):
        res = run(root, reason=reason, timeout=timeout)
        if not res.report.conforms:
            raise DataError([f"{i.focus} {i.path}: {i.message}{' [' + i.value + ']' if i.value else ''} ({i.component})"
                             for i in res.report.errors])
        t0 = time.perf_counter()
        res.files = render(res.base, res.full, {SSSOM_FILE: sssom_for_release(root, res.base)})
        write_release(out_dir or root / "ontology" / "release", res.files)
        res.timings["write"] = time.perf_counter() - t0
    return res
