"""SHACL validation and QC queries over a compiled graph, as one frozen report.

pySHACL runs on the curated graph (TBox included, so class targets reach subclasses without
an inference pass, which would cost seconds). QC queries in ``queries/qc`` follow ROBOT's
report convention: they return ``?entity ?property ?value`` and their file name says their
level (``*-violation.rq`` is an ERROR that fails the build, ``*-warning.rq`` a WARN).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, serialize

from npkg.errors import NpkgError, ParseError
from npkg.prefixes import compress
from npkg.syntax import parse_rdf_file

SEVERITY = {"Violation": "ERROR", "Warning": "WARN", "Info": "INFO"}


@dataclass(frozen=True)
class Issue:
    severity: str  # ERROR, WARN or INFO
    focus: str  # CURIE (or IRI when no prefix covers it)
    path: str
    component: str  # SHACL constraint component, or the QC query name
    message: str
    value: str = ""


@dataclass(frozen=True)
class ValidationReport:
    issues: tuple[Issue, ...] = field(default_factory=tuple)
    checked_triples: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "ERROR"]

    @property
    def conforms(self) -> bool:
        return not self.errors

    def to_json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "checked_triples": self.checked_triples,
             "counts": {s: sum(1 for i in self.issues if i.severity == s) for s in ("ERROR", "WARN", "INFO")},
             "issues": [asdict(i) for i in self.issues]},
            indent=2, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        lines = [f"npkg validation: {'CONFORMS' if self.conforms else 'DOES NOT CONFORM'} "
                 f"({len(self.errors)} errors, {sum(1 for i in self.issues if i.severity == 'WARN')} warnings, "
                 f"{self.checked_triples} triples checked)"]
        for i in self.issues:
            value = f" [{i.value}]" if i.value else ""
            lines.append(f"{i.severity:5} {i.focus} {i.path}: {i.message}{value} ({i.component})")
        return "\n".join(lines) + "\n"


def _short(term: object) -> str:
    value = getattr(term, "value", None)
    if value is None:
        return str(term)
    if isinstance(term, NamedNode):
        return compress(value) or value
    return str(value)


def run_shacl(triples: list[Triple], shapes_file: Path) -> list[Issue]:
    """Validate with pySHACL; a broken shapes file is a tool error, not a data problem."""
    import rdflib
    from pyshacl import validate as shacl_validate

    try:
        shapes_triples = parse_rdf_file(shapes_file)
    except ParseError as exc:
        raise NpkgError(f"shapes file is broken: {exc.problems[0]}") from None
    data_graph = rdflib.Graph()
    data_graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    shapes_graph = rdflib.Graph()
    shapes_graph.parse(data=serialize(shapes_triples, format=RdfFormat.N_TRIPLES), format="nt")
    if _uses_service(shapes_graph):
        raise NpkgError(f"{shapes_file}: SHACL-SPARQL constraints may not use SERVICE")
    try:
        _conforms, report_graph, _text = shacl_validate(
            data_graph, shacl_graph=shapes_graph, inference="none", advanced=True, allow_warnings=True)
    except Exception as exc:  # pySHACL raises many types for a bad shapes graph
        raise NpkgError(f"SHACL validation could not run: {exc}") from None
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    issues = []
    for result in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult):
        sev = report_graph.value(result, sh.resultSeverity)
        focus = report_graph.value(result, sh.focusNode)
        path = report_graph.value(result, sh.resultPath)
        comp = report_graph.value(result, sh.sourceConstraintComponent)
        msg = report_graph.value(result, sh.resultMessage)
        val = report_graph.value(result, sh.value)
        issues.append(Issue(
            severity=SEVERITY.get(str(sev).rsplit("#", 1)[-1], "ERROR"),
            focus=(compress(str(focus)) or str(focus)) if isinstance(focus, rdflib.URIRef) else str(focus),
            path=(compress(str(path)) or str(path)) if path is not None else "",
            component=str(comp).rsplit("#", 1)[-1] if comp is not None else "",
            message=str(msg) if msg is not None else "",
            value=str(val) if val is not None else "",
        ))
    return sorted(issues, key=lambda i: (i.severity, i.focus, i.path, i.message))


def _uses_service(shapes_graph: object) -> bool:
    import rdflib

    from npkg.syntax import uses_service

    g = shapes_graph
    assert isinstance(g, rdflib.Graph)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return any(uses_service(str(q)) for q in g.objects(None, sh.select))


def run_qc(triples: list[Triple], qc_dir: Path) -> list[Issue]:
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object) for t in triples)
    issues = []
    for path in sorted(qc_dir.glob("*.rq")):
        stem = path.stem
        level = "ERROR" if stem.endswith("-violation") else "WARN" if stem.endswith("-warning") else "INFO"
        name = stem.rsplit("-", 1)[0]
        title = next((ln.split(":", 1)[1].strip() for ln in path.read_text(encoding="utf-8").splitlines()
                      if ln.startswith("# title:")), name)
        for row in store.query(path.read_text(encoding="utf-8")):  # type: ignore[union-attr]
            issues.append(Issue(severity=level, focus=_short(row["entity"]),
                                path=_short(row["property"]) if row["property"] is not None else "",
                                component=f"qc:{name}", message=title,
                                value=_short(row["value"]) if row["value"] is not None else ""))
    return issues


def validate_graph(triples: list[Triple], root: Path) -> ValidationReport:
    issues = run_shacl(triples, root / "shapes" / "npkg-shapes.ttl") + run_qc(triples, root / "queries" / "qc")
    return ValidationReport(issues=tuple(issues), checked_triples=len(triples))


def write_reports(report: ValidationReport, directory: Path) -> tuple[Path, Path]:
    """Write the readable and the machine-readable report next to (never into) the release."""
    directory.mkdir(parents=True, exist_ok=True)
    text, js = directory / "validation.txt", directory / "validation.json"
    text.write_text(report.to_text(), encoding="utf-8")
    js.write_text(report.to_json(), encoding="utf-8")
    return text, js
