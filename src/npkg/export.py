"""Export npkg to exchange formats: KGX TSV (Biolink-typed nodes and edges) and compact JSON-LD.

Why: Translator-style tools (kgx, Biolink-aware loaders) and JSON-LD consumers cannot read
npkg's OWL model directly. The KGX export flattens it into a property graph whose categories
and predicates are Biolink Model 4 names (checked with kgx's own validator in
``tests/test_export.py``); findings keep their figures (NNT, NNH, ...) as edge attributes so
nothing numeric is lost. Everything is read through the Store with fixed SPARQL (no user input
reaches a query) and written in a sorted order, so two exports of one release are identical.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from npkg.api import KnowledgeGraph
from npkg.errors import UsageError
from npkg.prefixes import NPKG, PREFIX_MAP

#: infores identifier of this knowledge source (Biolink ``primary_knowledge_source``)
INFORES = "infores:npkg"
#: Biolink 4 required edge properties; values from the schema's KnowledgeLevelEnum / AgentTypeEnum
KNOWLEDGE_LEVEL = "knowledge_assertion"
AGENT_TYPE = "manual_agent"

#: npkg node type -> Biolink category (all present in biolink-model 4.x)
CATEGORY = {
    "drug": "biolink:Drug",
    "drug_class": "biolink:ChemicalEntity",
    "condition": "biolink:Disease",
    "target": "biolink:Protein",
    "process": "biolink:BiologicalProcess",
    "site": "biolink:AnatomicalEntity",
    "adverse_effect": "biolink:PhenotypicFeature",
    "source": "biolink:Publication",
}

#: npkg relation -> Biolink predicate
PREDICATE = {
    "subclass": "biolink:subclass_of",
    "efficacy": "biolink:treats_or_applied_or_studied_to_treat",
    "harm": "biolink:related_to",
    "finding": "biolink:related_to",
    "adverse_effect": "biolink:has_adverse_event",
    "interaction": "biolink:interacts_with",
    "mechanism_target": "biolink:affects",
    "mechanism_process": "biolink:affects",
    "mechanism_site": "biolink:related_to",
}

NODE_COLUMNS = ("id", "category", "name", "description", "xref", "provided_by")
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "primary_knowledge_source", "knowledge_level", "agent_type",
    "publications", "negated", "npkg_statement_type", "measure", "point", "ci_low", "ci_high", "ci_level",
    "outcome", "outcome_definition", "comparator", "study_count", "evidence_status", "species",
)

_PREFIXES = (
    "PREFIX npkg: <https://w3id.org/npkg/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX owl: <http://www.w3.org/2002/07/owl#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX obo: <http://purl.obolibrary.org/obo/>\n"
)
_MAPPINGS_AS_XREF = ("skos:exactMatch", "skos:closeMatch")  # narrow/broad/related are not equivalences


@dataclass
class KgxGraph:
    """Nodes and edges as rows keyed by KGX column name, ready to write."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[dict[str, str]] = field(default_factory=list)


def _s(value: Any) -> str:
    """One TSV cell: Decimals keep their lexical form; tabs, newlines and the KGX list separator go."""
    if value is None:
        return ""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return " ".join(text.replace("|", "/").split())


def _rows(kg: KnowledgeGraph, body: str) -> list[dict[str, Any]]:
    return kg.sparql(_PREFIXES + body).rows


def build_kgx(kg: KnowledgeGraph) -> KgxGraph:
    """Map the release onto Biolink: one node per typed npkg entity, one edge per statement."""
    g = KgxGraph()
    labels = {r["e"]: r["l"] for r in _rows(kg, "SELECT ?e (MIN(STR(?lab)) AS ?l) WHERE { ?e rdfs:label ?lab } GROUP BY ?e")}
    descriptions = {r["e"]: r["d"] for r in _rows(
        kg, "SELECT ?e (MIN(STR(?def)) AS ?d) WHERE { ?e obo:IAO_0000115 ?def } GROUP BY ?e")}
    xrefs: dict[str, set[str]] = defaultdict(set)
    for r in _rows(kg, "SELECT ?e ?p ?x WHERE { VALUES ?p { skos:exactMatch skos:closeMatch } ?e ?p ?x FILTER isIRI(?x) }"):
        if ":" in r["x"] and not r["x"].startswith(("http://", "https://")):
            xrefs[r["e"]].add(r["x"])

    def node(curie: str, kind: str) -> None:
        if curie in g.nodes:
            return
        g.nodes[curie] = {
            "id": curie, "category": CATEGORY[kind], "name": _s(labels.get(curie, curie.split(":", 1)[1])),
            "description": _s(descriptions.get(curie)), "xref": "|".join(sorted(xrefs.get(curie, ()))),
            "provided_by": INFORES,
        }

    def edge(eid: str, subject: str, relation: str, obj: str, publications: Iterable[str] = (), **attrs: Any) -> None:
        row = {c: "" for c in EDGE_COLUMNS}
        row.update(id=eid, subject=subject, predicate=PREDICATE[relation], object=obj, primary_knowledge_source=INFORES,
                   knowledge_level=KNOWLEDGE_LEVEL, agent_type=AGENT_TYPE,
                   publications="|".join(sorted(set(publications))))
        row.update({k: _s(v) for k, v in attrs.items()})
        g.edges.append(row)

    # ---------------------------------------------------------------- classes and hierarchies
    drug_classes = [r["c"] for r in _rows(kg, "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* npkg:Drug FILTER isIRI(?c) }")]
    conditions = [r["c"] for r in _rows(kg, "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* npkg:Condition FILTER isIRI(?c) }")]
    for c in drug_classes:
        node(c, "drug_class")
    for c in conditions:
        node(c, "condition")
    for r in _rows(kg, "SELECT DISTINCT ?d WHERE { ?d a ?c . ?c rdfs:subClassOf* npkg:Drug . ?d a owl:NamedIndividual }"):
        node(r["d"], "drug")
    for kind, cls in (("target", "MolecularTarget"), ("process", "BiologicalProcess"), ("site", "AnatomicalSite"),
                      ("adverse_effect", "AdverseEffect"), ("source", "Source")):
        for r in _rows(kg, f"SELECT DISTINCT ?e WHERE {{ ?e a npkg:{cls} }}"):
            node(r["e"], kind)
    hierarchy = set(drug_classes) | set(conditions)
    for r in _rows(kg, "SELECT DISTINCT ?a ?b WHERE { ?a rdfs:subClassOf ?b FILTER (isIRI(?a) && isIRI(?b) && ?a != ?b) }"):
        if r["a"] in hierarchy and r["b"] in hierarchy:
            edge(f"{r['a']}--subclass_of--{r['b']}", r["a"], "subclass", r["b"])
    for r in _rows(kg, "SELECT DISTINCT ?d ?c WHERE { ?d a owl:NamedIndividual ; a ?c . ?c rdfs:subClassOf* npkg:Drug }"):
        edge(f"{r['d']}--subclass_of--{r['c']}", r["d"], "subclass", r["c"])

    # ---------------------------------------------------------------- publications of sources
    pubs: dict[str, list[str]] = defaultdict(list)
    for r in _rows(kg, "SELECT ?s ?pmid ?doi WHERE { ?s a npkg:Source OPTIONAL { ?s npkg:pmid ?pmid } "
                       "OPTIONAL { ?s npkg:doi ?doi } }"):
        if r["pmid"]:
            pubs[r["s"]].append(f"PMID:{r['pmid']}")
        if r["doi"]:
            pubs[r["s"]].append(f"DOI:{r['doi']}")

    def cite(source: str | None) -> list[str]:
        if not source:
            return []
        return pubs.get(source, []) or [source]

    # ---------------------------------------------------------------- findings (NNT, NNH, ...)
    for r in _rows(kg, """SELECT ?f ?type ?i ?c ?m ?p ?lo ?hi ?lvl ?ok ?od ?cmp ?n ?src WHERE {
            VALUES ?type { npkg:EfficacyFinding npkg:HarmFinding npkg:Finding }
            ?f a ?type ; npkg:intervention ?i ; npkg:condition ?c ; npkg:measure ?m ; npkg:pointEstimate ?p .
            OPTIONAL { ?f npkg:ciLower ?lo } OPTIONAL { ?f npkg:ciUpper ?hi } OPTIONAL { ?f npkg:ciLevel ?lvl }
            OPTIONAL { ?f npkg:outcomeKind ?ok } OPTIONAL { ?f npkg:outcomeDefinition ?od }
            OPTIONAL { ?f npkg:comparator ?cmp } OPTIONAL { ?f npkg:studyCount ?n } OPTIONAL { ?f npkg:source ?src } }"""):
        if r["i"] not in g.nodes or r["c"] not in g.nodes:
            continue  # e.g. an intervention outside the drug hierarchy: no Biolink node to attach to
        relation = {"NPKG:EfficacyFinding": "efficacy", "NPKG:HarmFinding": "harm"}.get(r["type"], "finding")
        edge(r["f"], r["i"], relation, r["c"], cite(r["src"]), npkg_statement_type=r["type"],
             measure=_local(r["m"]), point=r["p"], ci_low=r["lo"], ci_high=r["hi"], ci_level=r["lvl"],
             outcome=_local(r["ok"]), outcome_definition=r["od"], comparator=r["cmp"], study_count=r["n"])

    # ---------------------------------------------------------------- safety statements
    for r in _rows(kg, """SELECT ?st ?type ?s ?ae ?src WHERE {
            VALUES ?type { npkg:AdverseEffectStatement npkg:OverdoseStatement }
            ?st a ?type ; npkg:subject ?s ; npkg:adverseEffect ?ae . OPTIONAL { ?st npkg:source ?src } }"""):
        if r["s"] in g.nodes and r["ae"] in g.nodes:
            edge(f"{r['st']}--{_local(r['ae'])}", r["s"], "adverse_effect", r["ae"], cite(r["src"]),
                 npkg_statement_type=r["type"])
    for r in _rows(kg, """SELECT ?st ?s ?o ?src WHERE {
            ?st a npkg:InteractionStatement ; npkg:subject ?s ; npkg:interactsWith ?o . OPTIONAL { ?st npkg:source ?src } }"""):
        if r["s"] in g.nodes and r["o"] in g.nodes:
            edge(f"{r['st']}--{_local(r['o'])}", r["s"], "interaction", r["o"], cite(r["src"]),
                 npkg_statement_type="NPKG:InteractionStatement")

    # ---------------------------------------------------------------- mechanism steps
    for r in _rows(kg, """SELECT ?st ?a ?rel ?o ?status ?species ?src WHERE {
            VALUES (?p ?rel) { (npkg:target "mechanism_target") (npkg:process "mechanism_process") (npkg:site "mechanism_site") }
            ?st a npkg:MechanismStep ; npkg:agent ?a ; ?p ?o .
            OPTIONAL { ?st npkg:status ?status } OPTIONAL { ?st npkg:species ?species } OPTIONAL { ?st npkg:source ?src } }"""):
        if r["a"] in g.nodes and r["o"] in g.nodes:
            edge(f"{r['st']}--{_local(r['a'])}--{_local(r['o'])}", r["a"], r["rel"], r["o"], cite(r["src"]),
                 npkg_statement_type="NPKG:MechanismStep", evidence_status=_local(r["status"]), species=r["species"],
                 negated="True" if r["status"] == "NPKG:NotSupported" else "")
    g.edges.sort(key=lambda e: (e["id"], e["subject"], e["object"]))
    return g


def _local(curie: str | None) -> str:
    return curie.split(":", 1)[1] if curie and curie.startswith("NPKG:") else curie or ""


def _write_tsv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(columns) + "\n")
        for row in rows:
            fh.write("\t".join(row.get(c, "") for c in columns) + "\n")


def write_kgx(kg: KnowledgeGraph, out_dir: Path) -> tuple[Path, Path]:
    """Write ``nodes.tsv`` and ``edges.tsv`` (KGX TSV) into ``out_dir``; returns their paths."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--output {out_dir}: exists and is not a directory; KGX TSV needs a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    g = build_kgx(kg)
    nodes, edges = out_dir / "nodes.tsv", out_dir / "edges.tsv"
    _write_tsv(nodes, NODE_COLUMNS, (g.nodes[k] for k in sorted(g.nodes)))
    _write_tsv(edges, EDGE_COLUMNS, g.edges)
    return nodes, edges


# -------------------------------------------------------------------- JSON-LD
def jsonld_context() -> dict[str, Any]:
    """An explicit @context: npkg's prefix map plus ``@vocab`` on the npkg namespace."""
    ctx: dict[str, Any] = {"@vocab": NPKG}
    ctx.update({p: ns for p, ns in sorted(PREFIX_MAP.items()) if p != "NPKG"})
    ctx["npkg"] = NPKG
    ctx["label"] = {"@id": "rdfs:label"}
    return ctx


def build_jsonld(kg: KnowledgeGraph) -> dict[str, Any]:
    """Compact JSON-LD of every triple whose subject is an npkg IRI, grouped by subject, sorted."""
    from npkg.prefixes import compress

    ctx = jsonld_context()
    prefixes = sorted(((ns, p) for p, ns in ctx.items() if isinstance(ns, str) and not p.startswith("@")),
                      key=lambda t: -len(t[0]))

    def short(iri: str) -> str:
        if iri.startswith(NPKG) and ("/" not in iri[len(NPKG):]):
            return "npkg:" + iri[len(NPKG):]
        return compress(iri) or next((p + ":" + iri[len(ns):] for ns, p in prefixes if iri.startswith(ns)), iri)

    raw = kg.store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), \"" + NPKG + "\")) }")
    subjects: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    from npkg.store import IRI, Lit

    for row in raw.rows:
        s, p, o = row["s"], row["p"], row["o"]
        if not isinstance(s, IRI) or not isinstance(p, IRI) or o is None:
            continue
        key = "@type" if p.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" else short(p.value)
        value: Any
        if isinstance(o, IRI):
            value = short(o.value) if key == "@type" else {"@id": short(o.value)}
        elif isinstance(o, Lit):
            if o.language:
                value = {"@value": o.value, "@language": o.language}
            elif o.datatype == "http://www.w3.org/2001/XMLSchema#string":
                value = o.value
            else:
                value = {"@value": o.value, "@type": short(o.datatype)}
        else:
            continue  # blank-node objects (OWL axioms) have no stable identity to export
        subjects[short(s.value)][key].append(value)
    graph = []
    for sid in sorted(subjects):
        entry: dict[str, Any] = {"@id": sid}
        for key in sorted(subjects[sid]):
            vals = sorted(subjects[sid][key], key=lambda v: json.dumps(v, sort_keys=True))
            entry[key] = vals[0] if len(vals) == 1 else vals
        graph.append(entry)
    return {"@context": ctx, "@graph": graph}


def write_jsonld(kg: KnowledgeGraph, out_file: Path) -> Path:
    """Write compact JSON-LD with an explicit @context to ``out_file``."""
    if out_file.is_dir():
        raise UsageError(f"--output {out_file}: is a directory; JSON-LD export writes one file")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(build_jsonld(kg), indent=1, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
    return out_file
