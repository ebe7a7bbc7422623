"""Deterministic blank-node labels and triple order, so two builds give identical bytes.

Parsers mint random blank-node labels; here each blank node is renamed after a hash of what it
contains (its outgoing triples, recursively) and of where it hangs (the subject and predicate
that point at it). OWL's blank nodes (restrictions, lists, axiom annotations) form trees, so
this is well defined; a cycle of blank nodes is refused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from npkg.errors import DataError

Term = NamedNode | BlankNode | Literal


def _term_key(term: Term, labels: dict[BlankNode, str]) -> str:
    if isinstance(term, BlankNode):
        return "_:" + labels[term]
    return str(term)


def canonicalize(triples: list[Triple]) -> list[Triple]:
    """Rename blank nodes by content hash, drop duplicate triples and sort."""
    out_edges: dict[BlankNode, list[Triple]] = defaultdict(list)
    in_edges: dict[BlankNode, list[Triple]] = defaultdict(list)
    bnodes: set[BlankNode] = set()
    for t in triples:
        if isinstance(t.subject, BlankNode):
            out_edges[t.subject].append(t)
            bnodes.add(t.subject)
        if isinstance(t.object, BlankNode):
            in_edges[t.object].append(t)
            bnodes.add(t.object)

    content: dict[BlankNode, str] = {}
    visiting: set[BlankNode] = set()

    def content_of(b: BlankNode) -> str:
        if b in content:
            return content[b]
        if b in visiting:
            raise DataError(["blank nodes form a cycle; npkg requires tree-shaped blank nodes"])
        visiting.add(b)
        parts = sorted(
            f"{t.predicate} {('[' + content_of(t.object) + ']') if isinstance(t.object, BlankNode) else str(t.object)}"
            for t in out_edges[b]
        )
        visiting.discard(b)
        content[b] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return content[b]

    labels: dict[BlankNode, str] = {}

    def label_of(b: BlankNode) -> str:
        if b in labels:
            return labels[b]
        parents = sorted(
            f"{('_:' + label_of(t.subject)) if isinstance(t.subject, BlankNode) else str(t.subject)} {t.predicate}"
            for t in in_edges[b]
        )
        digest = hashlib.sha256((content_of(b) + "|" + "|".join(parents)).encode()).hexdigest()
        labels[b] = "b" + digest[:24]
        return labels[b]

    for b in bnodes:
        label_of(b)
    renamed = {b: BlankNode(lbl) for b, lbl in labels.items()}

    def rn(term: Term) -> Term:
        return renamed[term] if isinstance(term, BlankNode) else term

    unique = {Triple(rn(t.subject), t.predicate, rn(t.object)) for t in triples}  # type: ignore[arg-type]
    return sorted(unique, key=str)
