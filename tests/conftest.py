"""Shared fixtures: one release built (with HermiT) from a temporary copy of the sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# Named CURIE constants (never bare IDs in tests)
POSTHERPETIC_NEURALGIA = "MONDO:0041052"
NEUROPATHIC_PAIN_HP = "HP:6000040"
AMITRIPTYLINE_CHEBI = "CHEBI:2666"
DULOXETINE_DRUGBANK = "DRUGBANK:DB00476"
NORTRIPTYLINE = "NPKG:nortriptyline"
TCA = "NPKG:TricyclicAntidepressant"
SNRI = "NPKG:SNRI"
SSRI = "NPKG:SSRI"
OLDER_ADULTS = "NPKG:group-older-adults"


def copy_sources(dest: Path) -> Path:
    """A buildable copy of the project's sources (no release, no venv)."""
    from npkg.build import copy_sources as copy

    return copy(ROOT, dest)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from npkg.build.pipeline import build

    root = copy_sources(tmp_path_factory.mktemp("npkg") / "project")
    result = build(root)
    assert result.report.conforms
    yield root


@pytest.fixture(scope="session")
def release(built: Path) -> Path:
    return built / "ontology" / "release"


@pytest.fixture(scope="session")
def kg(release: Path):  # type: ignore[no-untyped-def]
    from npkg.api import open_graph

    return open_graph(release=release / "npkg.nt")
