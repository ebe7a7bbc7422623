"""Static HTML documentation generated from a release: terms, drugs, an index and a search page.

Pages live in ``term/`` (classes and controlled values), ``property/`` and ``drug/``, named by the
npkg local name; properties get their own folder because npkg has pairs such as ``onset`` (the
property) and ``Onset`` (the class) that would collide on a case-insensitive disk.

Everything comes from the store through SPARQL (fixed queries here, named queries for the drug
facts), so the site documents the release as built, not the sources. Output is deterministic:
every list is sorted, there are no timestamps, and the search works offline from a JSON index
embedded in the page (no CDN, no fetch, so it also works from ``file://``).
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from npkg.errors import UsageError
from npkg.prefixes import NPKG, PREFIX_MAP, expand

if TYPE_CHECKING:
    from npkg.api import KnowledgeGraph

PREFIXES = """PREFIX npkg: <https://w3id.org/npkg/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
"""
_NPKG_ONLY = 'FILTER (isIRI(?e) && STRSTARTS(STR(?e), "https://w3id.org/npkg/"))'
Q_LABELS = PREFIXES + (f"SELECT ?e ?label ?def WHERE {{ ?e rdfs:label ?label {_NPKG_ONLY}"
                       " OPTIONAL { ?e obo:IAO_0000115 ?def } }")
Q_ALT = PREFIXES + f"SELECT ?e ?alt WHERE {{ ?e skos:altLabel ?alt {_NPKG_ONLY} }}"
Q_TYPES = PREFIXES + f"SELECT ?e ?t WHERE {{ ?e rdf:type ?t {_NPKG_ONLY} FILTER isIRI(?t) }}"
Q_EDGES = PREFIXES + ("SELECT ?a ?rel ?b WHERE { VALUES ?rel { rdfs:subClassOf rdfs:subPropertyOf rdfs:domain rdfs:range }"
                      " ?a ?rel ?b FILTER (isIRI(?a) && isIRI(?b)) }")
Q_XREFS = PREFIXES + (
    "SELECT ?e ?pred ?o ?seenLabel WHERE {"
    " VALUES ?pred { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }"
    f" ?e ?pred ?o {_NPKG_ONLY}"
    " OPTIONAL { ?ax owl:annotatedSource ?e ; owl:annotatedProperty ?pred ; owl:annotatedTarget ?o ; rdfs:label ?seenLabel } }")
Q_USES = PREFIXES + ('SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?p), "https://w3id.org/npkg/")) }')
Q_HEADER = PREFIXES + ("PREFIX dcterms: <http://purl.org/dc/terms/>\n"
                       "SELECT ?title ?version ?versionIRI ?license WHERE { ?o a owl:Ontology ; dcterms:title ?title ."
                       " OPTIONAL { ?o owl:versionInfo ?version } OPTIONAL { ?o owl:versionIRI ?versionIRI }"
                       " OPTIONAL { ?o dcterms:license ?license } }")

OWL = "http://www.w3.org/2002/07/owl#"
PROPERTY_TYPES = {"owl:ObjectProperty": "object property", "owl:DatatypeProperty": "datatype property",
                  "owl:AnnotationProperty": "annotation property"}
#: individuals of these classes (and their subclasses) are data records, not vocabulary: no page
RECORD_ROOTS = ("NPKG:Finding", "NPKG:SafetyStatement", "NPKG:Source", "NPKG:Recommendation", "NPKG:MechanismStep")
EXAMPLE_LIMIT = 15
CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:72rem;margin:0 auto;padding:0 1rem 3rem;
color:#212121;line-height:1.45}header{border-bottom:1px solid #ccc;padding:.6rem 0;margin-bottom:1rem}header a{margin-right:1rem}
code{background:#f3f3f3;padding:0 .2rem}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
.kind{color:#616161;font-size:.9rem}.def{font-size:1.05rem}ul.cols{columns:3}.muted{color:#757575}
input[type=search]{font-size:1rem;padding:.3rem;width:24rem}
"""


@dataclass
class Entity:
    curie: str
    label: str
    definition: str | None = None
    synonyms: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    kind: str = ""  # class, object property, ..., drug, value
    page: str = ""


@dataclass(frozen=True)
class SiteReport:
    out_dir: Path
    pages: tuple[str, ...]
    terms: int
    drugs: int


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: object) -> str:
    return "" if value is None else format(value, "f") if hasattr(value, "as_tuple") else str(value)


def external_url(curie: str) -> str | None:
    """The IRI of an external CURIE, for a link out (None when the prefix is unknown)."""
    prefix = curie.split(":", 1)[0]
    if prefix in PREFIX_MAP and prefix != "NPKG":
        try:
            return expand(curie)
        except UsageError:
            return None
    return None


class SiteBuilder:
    """Collects the release's entities once, then renders one page per term and per drug."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.entities: dict[str, Entity] = {}
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.children: dict[str, set[str]] = defaultdict(set)
        self.superprops: dict[str, set[str]] = defaultdict(set)
        self.subprops: dict[str, set[str]] = defaultdict(set)
        self.domain: dict[str, set[str]] = defaultdict(set)
        self.range: dict[str, set[str]] = defaultdict(set)
        self.members: dict[str, set[str]] = defaultdict(set)
        self.xrefs: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        self.uses: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        self._collect()

    # ---------------------------------------------------------------- collection
    def _rows(self, text: str) -> list[dict[str, Any]]:
        return self.kg.sparql(text).rows

    def _collect(self) -> None:
        for r in self._rows(Q_LABELS):
            ent = self.entities.setdefault(r["e"], Entity(r["e"], r["label"]))
            ent.label = min(ent.label, r["label"])
            if r["def"] is not None:
                ent.definition = r["def"] if ent.definition is None else min(ent.definition, r["def"])
        for r in self._rows(Q_ALT):
            if r["e"] in self.entities:
                self.entities[r["e"]].synonyms.append(r["alt"])
        for r in self._rows(Q_TYPES):
            if r["e"] in self.entities:
                self.entities[r["e"]].types.append(r["t"])
                if r["t"].startswith("NPKG:"):
                    self.members[r["t"]].add(r["e"])
        for r in self._rows(Q_EDGES):
            a, rel, b = r["a"], r["rel"], r["b"]
            if rel == "rdfs:subClassOf" and a != b:
                self.parents[a].add(b)
                self.children[b].add(a)
            elif rel == "rdfs:subPropertyOf":
                self.superprops[a].add(b)
                self.subprops[b].add(a)
            elif rel == "rdfs:domain":
                self.domain[a].add(b)
            elif rel == "rdfs:range":
                self.range[a].add(b)
        for r in self._rows(Q_XREFS):
            self.xrefs[r["e"]].append((r["pred"], r["o"], r["seenLabel"]))
        for r in self._rows(Q_USES):
            self.uses[r["p"]].append((r["s"], r["o"]))
        drug_classes = self.descendants("NPKG:Drug")
        record_classes = set().union(*(self.descendants(c) for c in RECORD_ROOTS))
        for ent in self.entities.values():
            types = set(ent.types)
            ent.synonyms = sorted(set(ent.synonyms))
            ent.types = sorted(types)
            if "owl:Class" in types:
                ent.kind = "class"
            elif types & set(PROPERTY_TYPES):
                ent.kind = next(PROPERTY_TYPES[t] for t in sorted(PROPERTY_TYPES) if t in types)
            elif types & drug_classes:
                ent.kind = "drug"
            elif "owl:Ontology" in types or types & record_classes:
                continue
            else:
                ent.kind = "value"
            folder = "drug" if ent.kind == "drug" else "property" if ent.kind.endswith("property") else "term"
            ent.page = f"{folder}/{self._local(ent.curie)}.html"
        seen: dict[str, str] = {}
        for curie in sorted(self.entities):
            ent = self.entities[curie]
            if ent.page:
                key = ent.page.lower()
                if key in seen:  # two local names differing only in case: keep both on case-insensitive disks
                    ent.page = ent.page[:-5] + "_" + str(sum(1 for k in seen if k.startswith(key[:-5]))) + ".html"
                seen[ent.page.lower()] = curie

    @staticmethod
    def _local(curie: str) -> str:
        return curie.split(":", 1)[1]

    def descendants(self, curie: str) -> set[str]:
        out, todo = {curie}, [curie]
        while todo:
            for c in self.children.get(todo.pop(), ()):
                if c not in out:
                    out.add(c)
                    todo.append(c)
        return out

    def ancestors(self, curie: str) -> set[str]:
        out: set[str] = set()
        todo = [curie]
        while todo:
            for p in self.parents.get(todo.pop(), ()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
        return out

    def paged(self, kind: str | None = None) -> list[Entity]:
        return sorted((e for e in self.entities.values() if e.page and (kind is None or e.kind == kind)),
                      key=lambda e: (e.label.lower(), e.curie))

    # ---------------------------------------------------------------- HTML pieces
    def link(self, curie: object, from_page: str, label: str | None = None) -> str:
        """A relative link when the entity has a page, a link out for an external CURIE, else text."""
        if curie is None:
            return ""
        text = str(curie)
        ent = self.entities.get(text)
        shown = label or (ent.label if ent else text)
        if ent and ent.page:
            return f'<a href="{_e(_rel(from_page, ent.page))}" title="{_e(text)}">{_e(shown)}</a>'
        url = external_url(text) if ":" in text and not text.startswith("NPKG:") else None
        if url:
            return f'<a href="{_e(url)}">{_e(shown)}</a>'
        return f"{_e(shown)}" + (f' <span class="muted">{_e(text)}</span>' if label is None and ent else "")

    def links(self, curies: Iterable[str], page: str) -> str:
        items = sorted(curies, key=lambda c: ((self.entities[c].label if c in self.entities else c).lower(), c))
        return ", ".join(self.link(c, page) for c in items) or '<span class="muted">none</span>'

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[str]], attrs: Sequence[str] | None = None) -> str:
        body = []
        for i, row in enumerate(rows):
            extra = f" {attrs[i]}" if attrs else ""
            body.append(f"<tr{extra}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
        if not body:
            return '<p class="muted">none in this release</p>'
        head = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>"
        return f"<table>\n{head}\n" + "\n".join(body) + "\n</table>"

    def source_cell(self, row: Mapping[str, Any], page: str) -> str:
        parts = [_e(row.get("sourceLabel"))]
        if row.get("pmid"):
            parts.append(f'<a href="https://pubmed.ncbi.nlm.nih.gov/{_e(row["pmid"])}/">PMID:{_e(row["pmid"])}</a>')
        if row.get("doi"):
            parts.append(f'<a href="https://doi.org/{_e(row["doi"])}">doi:{_e(row["doi"])}</a>')
        return " ".join(parts)

    def xref_table(self, curie: str, page: str) -> str:
        rows = sorted(self.xrefs.get(curie, []), key=lambda x: (x[0], x[1]))
        return self.table(["mapping predicate", "external term", "label where seen"],
                          [[_e(p), self.link(o, page, o), _e(seen)] for p, o, seen in rows])

    def page(self, path: str, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_e(title)} - npkg</title>\n<link rel=\"stylesheet\" href=\"{_rel(path, 'style.css')}\">\n</head>\n<body>\n"
            f"<header><a href=\"{_rel(path, 'index.html')}\">npkg documentation</a>"
            f"<a href=\"{_rel(path, 'search.html')}\">search</a></header>\n<main>\n{body}\n</main>\n</body>\n</html>\n")

    # ---------------------------------------------------------------- pages
    def term_page(self, ent: Entity) -> str:
        p = ent.page
        out = [f"<h1>{_e(ent.label)}</h1>",
               f'<p class="kind">{_e(ent.kind)} · <code>{_e(ent.curie)}</code> · <code>{_e(expand(ent.curie))}</code></p>']
        out.append(f'<p class="def">{_e(ent.definition)}</p>' if ent.definition else '<p class="muted">no definition</p>')
        if ent.synonyms:
            out.append("<p>Synonyms: " + ", ".join(_e(s) for s in ent.synonyms) + "</p>")
        if ent.kind == "class":
            out.append(f"<h2>Parents</h2><p>{self.links(self.parents.get(ent.curie, ()), p)}</p>")
            out.append(f"<h2>Children</h2><p>{self.links(self.children.get(ent.curie, ()), p)}</p>")
        elif ent.kind == "value":
            out.append(f"<h2>Type</h2><p>{self.links([t for t in ent.types if t.startswith('NPKG:')], p)}</p>")
        else:
            out.append(f"<h2>Parent properties</h2><p>{self.links(self.superprops.get(ent.curie, ()), p)}</p>")
            out.append(f"<h2>Child properties</h2><p>{self.links(self.subprops.get(ent.curie, ()), p)}</p>")
            out.append(f"<h2>Domain and range</h2><p>domain: {self.links(self.domain.get(ent.curie, ()), p)}; "
                       f"range: {self.links(self.range.get(ent.curie, ()), p)}</p>")
        out.append("<h2>Cross-references</h2>" + self.xref_table(ent.curie, p))
        if ent.kind == "class":
            members = sorted(self.members.get(ent.curie, ()))
            shown = members[:EXAMPLE_LIMIT]
            out.append(f"<h2>Example instances</h2><p>{len(members)} direct instance(s)"
                       + (f", first {len(shown)} shown" if len(members) > len(shown) else "") + "</p>")
            out.append("<ul>" + "".join(f"<li>{self.link(m, p)} <code>{_e(m)}</code></li>" for m in shown) + "</ul>")
            if ent.curie in self.descendants("NPKG:Drug"):
                out.append(self.class_sections(ent))
        elif ent.kind != "value":
            uses = sorted(self.uses.get(ent.curie, []), key=lambda so: (so[0], str(so[1])))
            shown_uses = uses[:EXAMPLE_LIMIT]
            out.append(f"<h2>Example uses</h2><p>{len(uses)} assertion(s) in the release"
                       + (f", first {len(shown_uses)} shown" if len(uses) > len(shown_uses) else "") + "</p>")
            out.append(self.table(["subject", "value"], [[self.link(s, p) + f" <code>{_e(s)}</code>",
                                                          self.link(o, p) if isinstance(o, str) and ":" in o else _e(_fmt(o))]
                                                         for s, o in shown_uses]))
        return self.page(p, ent.label, "\n".join(out))

    def class_sections(self, ent: Entity) -> str:
        p = ent.page
        members = self.kg.query("class-members", **{"class": ent.curie}).rows
        out = ["<h2>Drugs in this class (with the source of each membership)</h2>",
               self.table(["drug", "direct class", "source", "where in the source"],
                          [[self.link(r["drug"], p), self.link(r["directClass"], p), _e(r["sourceLabel"]), _e(r["location"])]
                           for r in members])]
        own = [r for r in self.kg.query("findings", intervention=ent.curie).rows if r["drugOrClass"] == ent.curie]
        out.append("<h2>Findings about the class as a whole</h2>")
        out.append(self.findings_table(own, p))
        return "\n".join(out)

    def findings_table(self, rows: Sequence[Mapping[str, Any]], page: str) -> str:
        def ci(r: Mapping[str, Any]) -> str:
            if r.get("ciLow") is None:
                return '<span class="muted">not reported</span>'
            return f"{_fmt(r['ciLow'])} to {_fmt(r['ciHigh'])}"

        def n(r: Mapping[str, Any]) -> str:
            return " / ".join(_e(_fmt(r.get(k))) if r.get(k) is not None else "?" for k in ("nStudies", "nParticipants"))

        return self.table(
            ["finding", "measure", "point", "95% CI", "outcome", "condition", "comparator", "studies / participants", "source",
             "where in the source"],
            [[f"<code>{_e(r['finding'])}</code>", self.link(expand_measure(r["measure"]), page, r["measure"]),
              _e(_fmt(r["point"])), ci(r), _e(r["outcome"]), self.link(r["conditionStudied"], page),
              _e(r.get("comparatorLabel")), n(r),
              self.source_cell(r, page), _e(r["location"])] for r in rows],
            [f'data-finding="{_e(r["finding"])}" data-source="{_e(r["source"])}"' for r in rows])

    def drug_page(self, ent: Entity) -> str:
        p, curie, kg = ent.page, ent.curie, self.kg
        out = [f"<h1>{_e(ent.label)}</h1>",
               f'<p class="kind">drug · <code>{_e(curie)}</code> · <code>{_e(expand(curie))}</code></p>']
        if ent.definition:
            out.append(f'<p class="def">{_e(ent.definition)}</p>')
        if ent.synonyms:
            out.append("<p>Synonyms: " + ", ".join(_e(s) for s in ent.synonyms) + "</p>")
        direct = [t for t in ent.types if t.startswith("NPKG:")]
        membership = [r for r in kg.query("class-members").rows if r["drug"] == curie]
        out.append("<h2>Classes</h2>")
        out.append(self.table(["class", "source of the membership", "where in the source"],
                              [[self.link(r["directClass"], p), _e(r["sourceLabel"]), _e(r["location"])] for r in membership]))
        inherited = sorted(set().union(*(self.ancestors(t) for t in direct)) - set(direct)) if direct else []
        out.append(f"<p>Also, through its classes: {self.links(inherited, p)}</p>")
        out.append("<h2>Cross-references</h2>" + self.xref_table(curie, p))
        steps = kg.query("mechanisms-of-drug", drug=curie).rows
        out.append("<h2>Mechanisms</h2><p>Steps of the mechanism paths about this drug or its classes, in path order.</p>")
        out.append(self.table(
            ["path", "step", "action", "targets", "sites", "site kind", "onset", "species", "status", "source"],
            [[_e(r["pathLabel"]), _e(r["order"]), _e(r["action"]), _e(r["targetLabels"]), _e(r["siteLabels"]), _e(r["siteKind"]),
              _e(r["onset"]), _e(r["species"]), _e(r["status"]), _e(r["sourceLabel"])] for r in steps]))
        findings = kg.query("findings", intervention=curie).rows
        out.append(f"<h2>Findings</h2><p>{len(findings)} finding(s) with this drug as the intervention "
                   "(findings about its classes are on the class pages).</p>")
        out.append(self.findings_table(findings, p))
        aes = kg.query("adverse-effects", drug=curie).rows
        out.append("<h2>Adverse effects</h2><p>Statements about the drug or its classes.</p>")
        out.append(self.table(["effect", "kinds", "stated for", "dose-limiting", "mechanism", "source", "where in the source"],
                              [[self.link(r["effect"], p), _e(r["kinds"]), self.link(r["subject"], p),
                                "yes" if r["doseLimiting"] is True else "no" if r["doseLimiting"] is False else "",
                                _e(r["mechanism"]), _e(r["sourceLabel"]), _e(r["location"])] for r in aes]))
        recs = kg.query("recommendations", intervention=curie).rows
        out.append("<h2>Recommendations</h2>")
        out.append(self.table(["recommended", "line", "strength", "quality", "condition", "guideline", "source"],
                              [[self.link(r["recommended"], p), _e(r["line"]), _e(r["strength"]), _e(r["quality"]),
                                _e(r["conditionLabel"]), _e(r["guideline"]), _e(r["sourceLabel"])] for r in recs]))
        return self.page(p, ent.label, "\n".join(out))

    def class_tree(self, root: str, page: str, depth: int = 0) -> str:
        kids = sorted((c for c in self.children.get(root, ()) if c in self.entities and self.entities[c].kind == "class"),
                      key=lambda c: (self.entities[c].label.lower(), c))
        inner = "".join(f"<li>{self.link(c, page)}{self.class_tree(c, page, depth + 1)}</li>" for c in kids)
        return f"<ul>{inner}</ul>" if inner else ""

    def index_page(self) -> str:
        p = "index.html"
        header = self._rows(Q_HEADER)
        h = header[0] if header else {}
        licence = f'<a href="{_e(h["license"])}">{_e(h["license"])}</a>' if h.get("license") else "not stated"
        out = [f"<h1>{_e(h.get('title', 'npkg'))}</h1>",
               f"<p>Release <code>{_e(h.get('version'))}</code> · version IRI <code>{_e(h.get('versionIRI'))}</code> · "
               f"content licence {licence}</p>",
               '<form action="search.html" method="get"><input type="search" name="q" placeholder="label, synonym or CURIE">'
               " <button>search</button></form>"]
        classes = {e.curie for e in self.paged("class")}
        roots = sorted((c for c in classes if not (self.parents.get(c, set()) & classes)),
                       key=lambda c: (self.entities[c].label.lower(), c))
        tree = "".join(f"<li>{self.link(c, p)}{self.class_tree(c, p)}</li>" for c in roots)
        out.append(f"<h2>Classes</h2><ul>{tree}</ul>")
        for kind in ("object property", "datatype property", "annotation property"):
            out.append(f"<h2>{_e(kind.capitalize())}s</h2><ul class=\"cols\">"
                       + "".join(f"<li>{self.link(e.curie, p)}</li>" for e in self.paged(kind)) + "</ul>")
        out.append("<h2>Drugs</h2><ul class=\"cols\">" + "".join(f"<li>{self.link(e.curie, p)}</li>" for e in self.paged("drug"))
                   + "</ul>")
        by_type: dict[str, list[Entity]] = defaultdict(list)
        for e in self.paged("value"):
            by_type[next((t for t in e.types if t.startswith("NPKG:")), "owl:NamedIndividual")].append(e)
        out.append("<h2>Controlled values and vocabulary</h2>")
        for t in sorted(by_type, key=lambda t: (self.entities[t].label.lower() if t in self.entities else t)):
            out.append(f"<h3>{self.link(t, p)}</h3><ul class=\"cols\">"
                       + "".join(f"<li>{self.link(e.curie, p)}</li>" for e in by_type[t]) + "</ul>")
        return self.page(p, "npkg documentation", "\n".join(out))

    def search_entries(self) -> list[dict[str, Any]]:
        return [{"id": e.curie, "label": e.label, "synonyms": e.synonyms, "kind": e.kind, "url": e.page,
                 "xrefs": sorted({o for _, o, _ in self.xrefs.get(e.curie, [])})} for e in self.paged()]

    def search_page(self, entries: list[dict[str, Any]]) -> str:
        data = json.dumps(entries, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
        body = f"""<h1>Search</h1>
<form action="search.html" method="get">
<input type="search" id="q" name="q" placeholder="label, synonym or CURIE" autofocus></form>
<ol id="hits"></ol>
<script type="application/json" id="npkg-index">{data}</script>
<script>
(function () {{
  var index = JSON.parse(document.getElementById("npkg-index").textContent);
  var box = document.getElementById("q"), list = document.getElementById("hits");
  function score(e, q) {{
    var names = [e.label].concat(e.synonyms, [e.id], e.xrefs).map(function (s) {{ return s.toLowerCase(); }});
    if (names.some(function (s) {{ return s === q; }})) return 0;
    if (names.some(function (s) {{ return s.indexOf(q) === 0; }})) return 1;
    if (names.some(function (s) {{ return s.indexOf(q) >= 0; }})) return 2;
    return -1;
  }}
  function run() {{
    var q = box.value.trim().toLowerCase();
    list.textContent = "";
    if (!q) return;
    index.map(function (e) {{ return [score(e, q), e]; }})
      .filter(function (p) {{ return p[0] >= 0; }})
      .sort(function (a, b) {{ return a[0] - b[0] || a[1].label.localeCompare(b[1].label); }})
      .slice(0, 50).forEach(function (p) {{
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = p[1].url; a.textContent = p[1].label; li.appendChild(a);
        li.appendChild(document.createTextNode(" (" + p[1].kind + ", " + p[1].id + ")"));
        list.appendChild(li);
      }});
  }}
  box.value = new URLSearchParams(window.location.search).get("q") || "";
  box.addEventListener("input", run);
  run();
}})();
</script>"""
        return self.page("search.html", "search", body)

    # ---------------------------------------------------------------- writing
    def render(self) -> dict[str, str]:
        """Every file of the site, path -> text (nothing written yet)."""
        files: dict[str, str] = {"style.css": CSS, "index.html": self.index_page()}
        for ent in self.paged():
            files[ent.page] = self.drug_page(ent) if ent.kind == "drug" else self.term_page(ent)
        entries = self.search_entries()
        files["search-index.json"] = json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
        files["search.html"] = self.search_page(entries)
        return dict(sorted(files.items()))


def expand_measure(notation: str) -> str:
    """The npkg CURIE of a measure notation (NNT -> NPKG:NNT), for linking to its page."""
    names = {"RR": "RiskRatio", "OR": "OddsRatio", "RD": "RiskDifference", "MD": "MeanDifference",
             "SMD": "StandardisedMeanDifference"}
    return "NPKG:" + names.get(notation, notation)


def _rel(from_page: str, target: str) -> str:
    depth = from_page.count("/")
    return "../" * depth + target


def build_site(kg: KnowledgeGraph, out_dir: Path) -> SiteReport:
    """Write the site to ``out_dir`` (created if missing); files from an earlier run are replaced."""
    builder = SiteBuilder(kg)
    files = builder.render()
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("term", "property", "drug"):
        (out_dir / sub).mkdir(exist_ok=True)
        for old in (out_dir / sub).glob("*.html"):
            if f"{sub}/{old.name}" not in files:
                old.unlink()
    for rel, text in files.items():
        target = out_dir / rel
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.replace(target)
    terms = sum(1 for e in builder.paged() if e.kind != "drug")
    return SiteReport(out_dir=out_dir, pages=tuple(files), terms=terms, drugs=len(builder.paged("drug")))


__all__: Sequence[str] = ("NPKG", "SiteBuilder", "SiteReport", "build_site")
