"""What changed between two releases: findings, terms and mappings, then everything else.

Releases are compared by IRI, not by line: a finding is the same finding when its IRI is the
same, and a change is reported per property (point estimate, CI bounds, source...). Terms are
compared by label, definition and synonyms; mappings are SKOS triples, and a mapping whose
predicate changed (close -> exact) is reported as one change rather than a removal plus an
addition. Remaining triples are counted so that "identical" really means identical.
Blank nodes (OWL axiom annotations) are compared by their content, not their labels.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from npkg.errors import ParseError, UsageError
from npkg.prefixes import NPKG, compress

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
SKOS = "http://www.w3.org/2004/02/skos/core#"
MAPPING_PREDICATES = frozenset(SKOS + m for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"))
TERM_FIELDS = {RDFS_LABEL: "label", DEFINITION: "definition", ALT_LABEL: "synonym"}
FINDING_ROOT = NPKG + "Finding"
RELEASE_FILES = ("npkg.nt", "npkg.ttl")


@dataclass(frozen=True)
class Change:
    """One property of one entity whose values differ."""

    id: str
    field: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[Change, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class MappingChange:
    subject: str
    object: str
    old: str
    new: str


@dataclass(frozen=True)
class Mappings:
    added: tuple[tuple[str, str, str], ...] = ()
    removed: tuple[tuple[str, str, str], ...] = ()
    changed: tuple[MappingChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class ReleaseDiff:
    old: str
    new: str
    old_version: str | None
    new_version: str | None
    findings: Section
    terms: Section
    mappings: Mappings
    other_added: tuple[str, ...] = ()
    other_removed: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return (self.findings.empty and self.terms.empty and self.mappings.empty
                and not self.other_added and not self.other_removed)


# ---------------------------------------------------------------------------------- loading
def release_file(path: Path) -> Path:
    """A release file, or the npkg.nt (else npkg.ttl) inside a release folder."""
    if path.is_dir():
        for name in RELEASE_FILES:
            if (path / name).is_file():
                return path / name
        raise UsageError(f"{path}: no {' or '.join(RELEASE_FILES)} in this folder; is it a release folder?")
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if path.suffix not in (".nt", ".ttl"):
        raise UsageError(f"{path}: expected a release as .nt or .ttl, or a release folder")
    return path


def load(path: Path) -> list[Triple]:
    file = release_file(path)
    fmt = RdfFormat.N_TRIPLES if file.suffix == ".nt" else RdfFormat.TURTLE
    try:
        return [q.triple for q in parse(path=str(file), format=fmt)]
    except SyntaxError as exc:
        raise ParseError(f"{file}: not valid {'N-Triples' if fmt == RdfFormat.N_TRIPLES else 'Turtle'}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot read: {exc}") from None


def show(term: object) -> str:
    """A term as people read it: a CURIE, an <IRI>, or a literal's lexical form (with @lang)."""
    if isinstance(term, NamedNode):
        return compress(term.value) or f"<{term.value}>"
    if isinstance(term, Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return "_:" + str(getattr(term, "value", term))


class _Graph:
    """One release, indexed for the comparison."""

    def __init__(self, triples: Sequence[Triple]) -> None:
        self.triples = triples
        self.by_subject: dict[str, list[Triple]] = defaultdict(list)
        children: dict[str, set[str]] = defaultdict(set)
        self.version: str | None = None
        for t in triples:
            if isinstance(t.subject, NamedNode):
                self.by_subject[t.subject.value].append(t)
            if t.predicate.value == RDFS_SUBCLASS and isinstance(t.object, NamedNode) and isinstance(t.subject, NamedNode):
                children[t.object.value].add(t.subject.value)
            if t.predicate.value == OWL_VERSION_INFO and isinstance(t.object, Literal):
                self.version = t.object.value
        self.finding_classes = {FINDING_ROOT}
        todo = [FINDING_ROOT]
        while todo:
            for c in children.get(todo.pop(), ()):
                if c not in self.finding_classes:
                    self.finding_classes.add(c)
                    todo.append(c)

    def findings(self, finding_classes: set[str]) -> set[str]:
        return {s for s, ts in self.by_subject.items()
                if any(t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode) and t.object.value in finding_classes
                       for t in ts)}

    def properties(self, subject: str) -> dict[str, tuple[str, ...]]:
        props: dict[str, list[str]] = defaultdict(list)
        for t in self.by_subject.get(subject, ()):
            if not isinstance(t.object, BlankNode):
                props[show(t.predicate)].append(show(t.object))
        return {k: tuple(sorted(v)) for k, v in props.items()}

    def term_fields(self, finding_ids: set[str]) -> dict[str, dict[str, tuple[str, ...]]]:
        out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for s, ts in self.by_subject.items():
            if not s.startswith(NPKG) or s in finding_ids:
                continue
            for t in ts:
                name = TERM_FIELDS.get(t.predicate.value)
                if name and isinstance(t.object, Literal):
                    out[s][name].append(show(t.object))
        return {s: {k: tuple(sorted(v)) for k, v in f.items()} for s, f in out.items() if "label" in f}

    def mappings(self) -> dict[tuple[str, str], set[str]]:
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for t in self.triples:
            if t.predicate.value in MAPPING_PREDICATES and isinstance(t.subject, NamedNode) and isinstance(t.object, NamedNode):
                out[(show(t.subject), show(t.object))].add(show(t.predicate))
        return out

    def other(self, findings: set[str], terms: set[str]) -> Counter[str]:
        """Every triple not covered above, as text; blank nodes replaced by a content signature."""
        bnode_props: dict[str, list[str]] = defaultdict(list)
        for t in self.triples:
            if isinstance(t.subject, BlankNode):
                bnode_props[t.subject.value].append(f"{show(t.predicate)} {_obj(t.object)}")
        sig = {b: "[" + "; ".join(sorted(ps)) + "]" for b, ps in bnode_props.items()}
        out: Counter[str] = Counter()
        for t in self.triples:
            if not isinstance(t.subject, NamedNode):
                continue
            s, p = t.subject.value, t.predicate.value
            if not isinstance(t.object, BlankNode) and (
                    s in findings or (p in TERM_FIELDS and s in terms)
                    or (p in MAPPING_PREDICATES and isinstance(t.object, NamedNode))):
                continue  # compared above
            obj = sig.get(t.object.value, "[]") if isinstance(t.object, BlankNode) else _obj(t.object)
            out[f"{show(t.subject)} {show(t.predicate)} {obj}"] += 1
        # axiom annotations hang off no named subject: compare them by content too
        referenced = {t.object.value for t in self.triples if isinstance(t.object, BlankNode)}
        for b, s in sig.items():
            if b not in referenced:
                out[s] += 1
        return out


def _obj(term: object) -> str:
    if isinstance(term, Literal) and not term.language:
        dt = compress(term.datatype.value) or term.datatype.value
        return f'"{term.value}"' + ("" if dt == "xsd:string" else f"^^{dt}")
    if isinstance(term, Literal):
        return f'"{term.value}"@{term.language}'
    return show(term)


# ---------------------------------------------------------------------------------- comparing
def _compare(ids_old: Iterable[str], ids_new: Iterable[str], old: dict[str, dict[str, tuple[str, ...]]],
             new: dict[str, dict[str, tuple[str, ...]]]) -> Section:
    a, b = set(ids_old), set(ids_new)
    changed = []
    for i in sorted(a & b):
        po, pn = old.get(i, {}), new.get(i, {})
        for k in sorted(set(po) | set(pn)):
            if po.get(k, ()) != pn.get(k, ()):
                changed.append(Change(show(NamedNode(i)), k, po.get(k, ()), pn.get(k, ())))
    return Section(added=tuple(sorted(show(NamedNode(i)) for i in b - a)),
                   removed=tuple(sorted(show(NamedNode(i)) for i in a - b)), changed=tuple(changed))


def diff_graphs(old_triples: Sequence[Triple], new_triples: Sequence[Triple], old_name: str = "old",
                new_name: str = "new") -> ReleaseDiff:
    g_old, g_new = _Graph(old_triples), _Graph(new_triples)
    classes = g_old.finding_classes | g_new.finding_classes
    f_old, f_new = g_old.findings(classes), g_new.findings(classes)
    findings = _compare(f_old, f_new, {f: g_old.properties(f) for f in f_old}, {f: g_new.properties(f) for f in f_new})
    t_old, t_new = g_old.term_fields(f_old), g_new.term_fields(f_new)
    terms = _compare(t_old, t_new, t_old, t_new)
    m_old, m_new = g_old.mappings(), g_new.mappings()
    added: list[tuple[str, str, str]] = []
    removed: list[tuple[str, str, str]] = []
    changed: list[MappingChange] = []
    for key in sorted(set(m_old) | set(m_new)):
        po, pn = m_old.get(key, set()), m_new.get(key, set())
        if po == pn:
            continue
        if po and pn and len(po) == 1 and len(pn) == 1:
            changed.append(MappingChange(key[0], key[1], next(iter(po)), next(iter(pn))))
            continue
        added.extend((key[0], p, key[1]) for p in sorted(pn - po))
        removed.extend((key[0], p, key[1]) for p in sorted(po - pn))
    o_old, o_new = g_old.other(f_old, set(t_old)), g_new.other(f_new, set(t_new))
    labels = {show(NamedNode(s)): f["label"][0] for s, f in {**t_old, **t_new}.items()}
    return ReleaseDiff(
        old=old_name, new=new_name, old_version=g_old.version, new_version=g_new.version, findings=findings, terms=terms,
        mappings=Mappings(tuple(added), tuple(removed), tuple(changed)),
        other_added=tuple(sorted((o_new - o_old).elements())), other_removed=tuple(sorted((o_old - o_new).elements())),
        labels=labels)


def diff_releases(old: Path, new: Path) -> ReleaseDiff:
    """Compare two releases given as files or release folders."""
    return diff_graphs(load(old), load(new), str(release_file(old)), str(release_file(new)))


# ---------------------------------------------------------------------------------- reports
def _section_text(name: str, sec: Section, labels: dict[str, str]) -> list[str]:
    n_changed = len({c.id for c in sec.changed})
    lines = [f"{name}: {len(sec.added)} added, {len(sec.removed)} removed, {n_changed} changed"
             + (f" ({len(sec.changed)} values)" if sec.changed else "")]
    lines += [f"  + {i}" + (f"  {labels[i]}" if i in labels else "") for i in sec.added]
    lines += [f"  - {i}" for i in sec.removed]
    last = None
    for c in sec.changed:
        if c.id != last:
            lines.append(f"  ~ {c.id}" + (f"  {labels[c.id]}" if c.id in labels else ""))
            last = c.id
        lines.append(f"      {c.field}: {' | '.join(c.old) or '(none)'} -> {' | '.join(c.new) or '(none)'}")
    return lines


def render_text(d: ReleaseDiff, limit: int = 50) -> str:
    lines = [f"old: {d.old} (version {d.old_version or 'not stated'})",
             f"new: {d.new} (version {d.new_version or 'not stated'})", ""]
    lines += _section_text("findings", d.findings, {})
    lines += _section_text("terms", d.terms, d.labels)
    m = d.mappings
    lines.append(f"mappings: {len(m.added)} added, {len(m.removed)} removed, {len(m.changed)} changed")
    lines += [f"  + {s} {p} {o}" for s, p, o in m.added]
    lines += [f"  - {s} {p} {o}" for s, p, o in m.removed]
    lines += [f"  ~ {c.subject} {c.object}: {c.old} -> {c.new}" for c in m.changed]
    lines.append(f"other triples and axiom annotations: {len(d.other_added)} added, {len(d.other_removed)} removed")
    lines += [f"  + {t}" for t in d.other_added[:limit]]
    lines += [f"  - {t}" for t in d.other_removed[:limit]]
    hidden = max(0, len(d.other_added) - limit) + max(0, len(d.other_removed) - limit)
    if hidden:
        lines.append(f"  ... and {hidden} more (use --format json for all)")
    lines.append("")
    lines.append("identical" if d.identical else "different")
    return "\n".join(lines) + "\n"


def render_json(d: ReleaseDiff) -> str:
    data: dict[str, Any] = asdict(d)
    data["identical"] = d.identical
    del data["labels"]
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


__all__: Sequence[str] = ("ReleaseDiff", "diff_graphs", "diff_releases", "render_json", "render_text")
