"""Consistency and classification with HermiT (owlready2), in a process that can be killed.

owlready2 starts Java itself and offers no time limit, so the reasoner runs in a child Python
process in its own session; at the deadline the whole process group (Python and Java) is
killed and the build fails with "reasoner timeout". The child reports, as JSON: whether the
ontology is consistent, the unsatisfiable classes, and the inferred direct subclass axioms
between named npkg classes (materialised into the release, so plain SPARQL sees them).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from npkg.errors import DataError, ReasonerError

DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class ReasonerResult:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    inferred_subclasses: list[tuple[str, str]] = field(default_factory=list)
    explanation: str = ""
    seconds: float = 0.0


#: JVM options for the short HermiT run (see _child)
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def java_executable() -> str:
    """The Java binary owlready2 will use: $NPKG_JAVA, else ``java`` on PATH."""
    java = os.environ.get("NPKG_JAVA") or shutil.which("java")
    if not java:
        raise ReasonerError("reasoner unavailable: no Java runtime found (install Java 17+ or set NPKG_JAVA)")
    return java


def run_reasoner(
    owl_xml: bytes, *, timeout: float = DEFAULT_TIMEOUT_S, namespace: str = "https://w3id.org/npkg/"
) -> ReasonerResult:
    """Reason over an RDF/XML document in a killable child process."""
    java = java_executable()
    with tempfile.TemporaryDirectory(prefix="npkg-reason-") as tmp:
        src = Path(tmp) / "input.owl"
        src.write_bytes(owl_xml)
        cmd = [sys.executable, "-m", "npkg.reason", str(src), java, namespace]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ReasonerError(f"reasoner timeout: HermiT did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        last = (err.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise ReasonerError(f"reasoner unavailable: {last}")
    data = json.loads(out)
    return ReasonerResult(
        consistent=data["consistent"],
        unsatisfiable=data["unsatisfiable"],
        inferred_subclasses=[(a, b) for a, b in data["inferred"]],
        explanation=data.get("explanation", ""),
        seconds=data.get("seconds", 0.0),
    )


def check(result: ReasonerResult) -> None:
    """Turn a reasoner verdict into build problems."""
    problems = []
    if not result.consistent:
        problems.append(f"ontology inconsistent: {result.explanation or 'HermiT found no model'}")
    if result.unsatisfiable:
        problems.append("unsatisfiable classes: " + ", ".join(sorted(result.unsatisfiable)))
    if problems:
        raise DataError(problems)


def _child(path: str, java: str, namespace: str) -> None:  # pragma: no cover - runs in the child process
    import time

    import owlready2

    owlready2.JAVA_EXE = java
    # HermiT runs for about a second: C1-only JIT and the serial collector start faster than the
    # JVM defaults (benchmarks/bench_scale.py: about 1.7 -> 1.2 s of reasoning here). owlready2
    # builds the java command itself, so the options go through the launcher's environment variable.
    os.environ["JDK_JAVA_OPTIONS"] = f"{os.environ.get('JDK_JAVA_OPTIONS', '')} {JVM_OPTIONS}".strip()
    world = owlready2.World()
    onto = world.get_ontology(Path(path).as_uri()).load()
    asserted = {(c.iri, p.iri) for c in world.classes() for p in c.is_a if isinstance(p, owlready2.ThingClass)}
    start = time.monotonic()
    result: dict[str, object] = {"consistent": True, "unsatisfiable": [], "inferred": []}
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        result["consistent"] = False
        result["explanation"] = str(exc).strip().splitlines()[0] if str(exc).strip() else "inconsistent"
    result["seconds"] = round(time.monotonic() - start, 3)
    if result["consistent"]:
        result["unsatisfiable"] = sorted(
            c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing and c.iri.startswith(namespace)
        )
        inferred = set()
        for c in world.classes():
            if not c.iri.startswith(namespace):
                continue
            for p in c.is_a:
                if isinstance(p, owlready2.ThingClass) and p.iri.startswith(namespace) and (c.iri, p.iri) not in asserted:
                    inferred.add((c.iri, p.iri))
        result["inferred"] = sorted(inferred)
    json.dump(result, sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    _child(sys.argv[1], sys.argv[2], sys.argv[3])
