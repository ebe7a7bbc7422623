"""Compile the edited ontology and curated tables into checked, deterministic release files."""
from __future__ import annotations

import shutil
from pathlib import Path

#: what a build reads: the only inputs a copy of the project needs
SOURCE_FILES = ("ontology/npkg-edit.ttl", "ontology/release.json")
SOURCE_DIRS = ("ontology/imports", "data", "shapes", "queries")


def copy_sources(root: Path, dest: Path) -> Path:
    """Copy the build inputs of ``root`` to ``dest`` (tests and benchmarks build in such copies)."""
    (dest / "ontology").mkdir(parents=True, exist_ok=True)
    for name in SOURCE_FILES:
        shutil.copy2(root / name, dest / name)
    for name in SOURCE_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name)
    return dest
