"""Where the ontology, data, shapes, queries and release live.

In a source checkout (editable install) they are the top-level folders of the repository;
in an installed wheel they are shipped under ``npkg/_resources``. One function decides, so
no module guesses paths on its own.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def project_root() -> Path:
    """The folder holding ``ontology/``, ``data/``, ``shapes/`` and ``queries/``.

    ``NPKG_HOME`` overrides it (tests build into temporary copies this way).
    """
    env = os.environ.get("NPKG_HOME")
    if env:
        return Path(env).resolve()
    checkout = _PACKAGE.parent.parent
    if (checkout / "ontology" / "npkg-edit.ttl").is_file():
        return checkout
    return _PACKAGE / "_resources"


def ontology_dir() -> Path:
    return project_root() / "ontology"


def edit_file() -> Path:
    return ontology_dir() / "npkg-edit.ttl"


def imports_dir() -> Path:
    return ontology_dir() / "imports"


def release_dir() -> Path:
    return ontology_dir() / "release"


def data_dir() -> Path:
    return project_root() / "data"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def queries_dir() -> Path:
    return project_root() / "queries"
