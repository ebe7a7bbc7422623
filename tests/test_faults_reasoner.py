"""Reasoner faults (faults.md rows 14-17): inconsistency, unsatisfiable classes, hangs, no Java.

The fixture ontologies are a handful of triples serialised to RDF/XML with the release's own
serialiser, so they reach HermiT exactly the way the build's ontology does.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.reasoner

NS = "https://w3id.org/npkg/test-fault/"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

needs_java = pytest.mark.skipif(
    not (os.environ.get("NPKG_JAVA") or shutil.which("java")), reason="no Java runtime for HermiT"
)


def _owl(*statements: tuple[str, str, str]) -> bytes:
    from pyoxigraph import NamedNode, RdfFormat, Triple

    from npkg.build.release import serialise

    triples = [Triple(NamedNode(NS + "ontology"), NamedNode(RDF_TYPE), NamedNode(OWL + "Ontology"))]
    triples += [Triple(NamedNode(s), NamedNode(p), NamedNode(o)) for s, p, o in statements]
    return serialise(triples, RdfFormat.RDF_XML)


def _disjoint_a_b() -> list[tuple[str, str, str]]:
    return [
        (NS + "A", RDF_TYPE, OWL + "Class"),
        (NS + "B", RDF_TYPE, OWL + "Class"),
        (NS + "A", OWL + "disjointWith", NS + "B"),
    ]


@needs_java
def test_inconsistent_ontology_fails_the_build() -> None:
    """Row 14: an individual in two disjoint classes."""
    from npkg.errors import DataError
    from npkg.reason import check, run_reasoner

    owl = _owl(*_disjoint_a_b(),
               (NS + "x", RDF_TYPE, OWL + "NamedIndividual"),
               (NS + "x", RDF_TYPE, NS + "A"),
               (NS + "x", RDF_TYPE, NS + "B"))
    result = run_reasoner(owl, timeout=60)
    assert result.consistent is False
    with pytest.raises(DataError, match="inconsistent") as info:
        check(result)
    assert info.value.exit_code == 1


@needs_java
def test_unsatisfiable_class_is_listed() -> None:
    """Row 15: a class under two disjoint classes, no individuals (owlready2 does not raise)."""
    from npkg.errors import DataError
    from npkg.reason import check, run_reasoner

    owl = _owl(*_disjoint_a_b(),
               (NS + "C", RDF_TYPE, OWL + "Class"),
               (NS + "C", SUBCLASS, NS + "A"),
               (NS + "C", SUBCLASS, NS + "B"))
    result = run_reasoner(owl, timeout=60)
    assert result.consistent is True
    assert result.unsatisfiable == [NS + "C"]
    with pytest.raises(DataError, match="unsatisfiable") as info:
        check(result)
    assert NS + "C" in str(info.value)


@needs_java
def test_consistent_ontology_passes_check() -> None:
    """The control: the same disjointness without the offending axioms is fine."""
    from npkg.reason import check, run_reasoner

    result = run_reasoner(_owl(*_disjoint_a_b(), (NS + "C", RDF_TYPE, OWL + "Class"),
                               (NS + "C", SUBCLASS, NS + "A")), timeout=60)
    assert result.consistent and not result.unsatisfiable
    check(result)


def _alive(pid: int) -> bool:
    """A pid that is gone or a zombie (killed, waiting for a reaper) is not alive."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status.splitlines())


def _processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if text in cmdline and _alive(int(entry.name)):
                pids.append(int(entry.name))
    return pids


def test_hanging_reasoner_is_killed_at_the_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 16: a "Java" that sleeps 60 s; the whole process group dies at the 2 s deadline."""
    from npkg.errors import ReasonerError
    from npkg.reason import run_reasoner

    pidfile = tmp_path / "java.pid"
    fake_java = tmp_path / "fake-java"
    fake_java.write_text(f"#!/bin/sh\necho $$ > '{pidfile}'\nexec sleep 60\n")
    fake_java.chmod(0o755)
    monkeypatch.setenv("NPKG_JAVA", str(fake_java))

    start = time.monotonic()
    with pytest.raises(ReasonerError, match="reasoner timeout") as info:
        run_reasoner(_owl(*_disjoint_a_b()), timeout=2)
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"run_reasoner returned after {elapsed:.1f} s with a 2 s deadline"
    assert info.value.exit_code == 3

    # The fake Java normally starts ~0.2 s in; on a very loaded machine the deadline may come
    # first, and then only the child Python (checked below) can be left behind.
    if pidfile.exists():
        pid = int(pidfile.read_text())
        deadline = time.monotonic() + 3
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), f"the reasoner's Java process {pid} outlived the timeout"
    # nor is the child Python process (its argv carries the fake Java path) left behind
    assert _processes_mentioning(str(fake_java)) == []


@pytest.mark.parametrize("how", ["NPKG_JAVA-nonexistent", "no-java-on-PATH"])
def test_missing_java_is_reasoner_unavailable(how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 17: no Java gives a clear "reasoner unavailable" error, never a traceback."""
    from npkg.errors import ReasonerError
    from npkg.reason import run_reasoner

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    if how == "NPKG_JAVA-nonexistent":
        monkeypatch.setenv("NPKG_JAVA", str(tmp_path / "no-such-dir" / "java"))
    else:
        monkeypatch.delenv("NPKG_JAVA", raising=False)
    with pytest.raises(ReasonerError, match="reasoner unavailable") as info:
        run_reasoner(_owl(*_disjoint_a_b()), timeout=30)
    assert "Traceback" not in str(info.value)
    assert info.value.exit_code == 3
