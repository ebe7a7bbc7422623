"""Typed records returned by the convenience methods of ``npkg.api.KnowledgeGraph``.

Kept out of ``npkg.api`` so that a named query does not import ``dataclasses`` (and with it
``inspect``); ``from npkg.api import Finding`` still works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Finding:
    curie: str
    intervention: str
    intervention_label: str
    condition: str
    measure: str
    point: Decimal
    ci_low: Decimal | None
    ci_high: Decimal | None
    outcome_kind: str
    outcome: str
    source: str
    source_label: str
    location: str


@dataclass(frozen=True)
class Drug:
    curie: str
    label: str
    synonyms: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    xrefs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class MechanismStep:
    path: str
    path_label: str
    order: int
    action: str
    targets: str | None
    sites: str | None
    site_kind: str | None
    onset: str
    species: str
    status: str
    source: str
