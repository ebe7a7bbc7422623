"""``npkg check-xrefs``: every cross-reference checked against a real release of its vocabulary.

For each external CURIE in ``data/xrefs.tsv``: does the ID exist in the release, is it obsolete
(and what replaces it), and does the label npkg records equal the release's label or one of its
synonyms? Prefixes with no shipped release are reported as ``not-covered`` with the reason, so
the report always accounts for every cross-reference. The check runs offline on the wheels in
the cache (see :mod:`npkg.imports`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from npkg.imports import NOT_COVERED, Release
from npkg.mappings import Xref

STATUSES = ("ok", "missing", "obsolete", "label-mismatch", "not-covered")
PROBLEMS = frozenset({"missing", "obsolete", "label-mismatch"})
_NOTE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


@dataclass(frozen=True)
class CheckResult:
    curie: str
    status: str
    release: str
    detail: str

    @property
    def problem(self) -> bool:
        return self.status in PROBLEMS


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def label_matches(recorded: str, term_label: str, synonyms: Iterable[str]) -> tuple[bool, str]:
    """Whether a curated label names the term: equal to its label or a synonym, ignoring case and spacing.

    A trailing curator note in brackets (``neuralgia (synonym 'pain, neuropathic')``) is dropped
    before a second try; the returned text says which form matched.

    >>> label_matches("Neuralgia (entry terms: Neuropathic Pain)", "Neuralgia", [])
    (True, 'matched after dropping the note (entry terms: Neuropathic Pain)')
    >>> label_matches("brain", "spinal cord", ["medulla spinalis"])
    (False, '')
    """
    names = {_norm(term_label), *(_norm(s) for s in synonyms)}
    if _norm(recorded) == _norm(term_label):
        return True, ""
    if _norm(recorded) in names:
        return True, "matched a synonym"
    stripped = _NOTE.sub("", recorded)
    if stripped != recorded and stripped and _norm(stripped) in names:
        return True, f"matched after dropping the note {recorded[len(stripped):].strip()}"
    return False, ""


def check_curie(curie: str, labels: Sequence[str], release: Release | None) -> CheckResult:
    """Check one CURIE with every label npkg records for it against one release (None: not covered)."""
    prefix = curie.split(":", 1)[0]
    if release is None:
        return CheckResult(curie, "not-covered", "-", NOT_COVERED.get(prefix, f"no release configured for {prefix}"))
    term = release.terms.get(curie)
    if term is None:
        note = f" ({release.note})" if release.note else ""
        return CheckResult(curie, "missing", release.name, f"not in {release.member}{note}")
    if term.deprecated:
        if term.replaced_by:
            repl = release.terms.get(term.replaced_by)
            label = f" {repl.label!r}" if repl and repl.label else ""
            detail = f"deprecated; replaced_by {term.replaced_by}{label}"
        else:
            detail = "deprecated; the release names no replacement"
        if term.label:
            detail += f"; release label {term.label!r}"
        return CheckResult(curie, "obsolete", release.name, detail)
    notes: list[str] = []
    for recorded in labels:
        if not recorded:
            notes.append("npkg records no label")
            continue
        ok, how = label_matches(recorded, term.label, term.synonyms)
        if not ok:
            return CheckResult(curie, "label-mismatch", release.name,
                               f"npkg records {recorded!r}; the release says {term.label!r}")
        if how:
            notes.append(how)
    return CheckResult(curie, "ok", release.name, "; ".join(dict.fromkeys(notes)))


def check_xrefs(xrefs: Sequence[Xref], releases: Mapping[str, Release | None]) -> list[CheckResult]:
    """One result per distinct external CURIE, sorted by CURIE; ``releases`` maps prefix -> release."""
    labels: dict[str, list[str]] = {}
    for x in xrefs:
        labels.setdefault(x.object_id, [])
        if x.object_label not in labels[x.object_id]:
            labels[x.object_id].append(x.object_label)
    return [check_curie(c, labels[c], releases.get(c.split(":", 1)[0])) for c in sorted(labels)]


def summary(results: Sequence[CheckResult]) -> list[tuple[str, str, int]]:
    """(release, status, count) for every combination present, sorted: the figures a closing note reports."""
    counts = Counter((r.release, r.status) for r in results)
    return sorted((rel, st, n) for (rel, st), n in counts.items())


def render_tsv(results: Sequence[CheckResult]) -> str:
    """The report on stdout: curie, status, release, detail (tabs and newlines in details flattened)."""
    def clean(v: str) -> str:
        return v.replace("\t", " ").replace("\n", " ")
    lines = ["curie\tstatus\trelease\tdetail"]
    lines += ["\t".join(clean(v) for v in (r.curie, r.status, r.release, r.detail)) for r in results]
    return "\n".join(lines) + "\n"
