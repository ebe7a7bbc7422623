"""Compile ``npkg-edit.ttl`` and the curated tables of ``data/`` into one set of triples.

Every reference in a table must name something declared (in the TBox or another table) and of
the right kind; every number must be a well-formed ``xsd:decimal`` or ``xsd:integer`` lexical
form, kept exactly as the curator wrote it (no normalisation: ``5.0`` stays ``5.0``). All
problems are collected and reported together with ``file:line:column``.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from npkg import vocab
from npkg.build.tables import Row, Table, read_table
from npkg.errors import CurieError, DataError
from npkg.prefixes import NPKG, XREF_PREFIXES, expand, normalize_curie
from npkg.syntax import parse_rdf_file

V = vocab.term
RDF_TYPE = NamedNode(vocab.RDF_TYPE)
LABEL = NamedNode(vocab.RDFS_LABEL)
COMMENT = NamedNode(vocab.RDFS_COMMENT)
SEEALSO = NamedNode(vocab.RDFS_SEEALSO)
SUBCLASSOF = NamedNode(vocab.RDFS_SUBCLASSOF)
ALTLABEL = NamedNode(vocab.SKOS_ALTLABEL)
DEFINITION = NamedNode(vocab.IAO_DEFINITION)
NAMED_INDIVIDUAL = NamedNode(vocab.OWL_NAMED_INDIVIDUAL)
OWL_AXIOM = NamedNode(vocab.OWL + "Axiom")
ANN_SOURCE = NamedNode(vocab.OWL + "annotatedSource")
ANN_PROPERTY = NamedNode(vocab.OWL + "annotatedProperty")
ANN_TARGET = NamedNode(vocab.OWL + "annotatedTarget")
XSD_DECIMAL = NamedNode(vocab.XSD + "decimal")
XSD_INTEGER = NamedNode(vocab.XSD + "integer")
XSD_BOOLEAN = NamedNode(vocab.XSD + "boolean")
XSD_YEAR = XSD_INTEGER
DCTERMS_TITLE = NamedNode(vocab.DCTERMS + "title")

DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
INTEGER_RE = re.compile(r"^(0|[1-9]\d*)$")
YEAR_RE = re.compile(r"^(1[89]|20)\d\d$")
PMID_RE = re.compile(r"^[1-9]\d{0,8}$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
LOCAL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")

MEASURES = {"NNT": "NNT", "NNH": "NNH", "RR": "RiskRatio", "OR": "OddsRatio", "RD": "RiskDifference",
            "MD": "MeanDifference", "SMD": "StandardisedMeanDifference"}
OUTCOME_KINDS = {
    "pain_relief_50": "PainRelief50", "pain_relief_30": "PainRelief30", "moderate_relief": "ModerateRelief",
    "global_improvement": "GlobalImprovement", "withdrawal_ae": "WithdrawalAdverseEvents",
    "any_ae": "AnyAdverseEvent", "serious_ae": "SeriousAdverseEvent", "specific_ae": "SpecificAdverseEvent",
    "ae_unspecified": "AdverseEventUnspecified", "withdrawal_lack_of_efficacy": "WithdrawalLackOfEfficacy",
    "other": "OtherOutcome",
}
HARM_OUTCOMES = {"withdrawal_ae", "any_ae", "serious_ae", "specific_ae", "ae_unspecified"}
BENEFIT_OUTCOMES = {"pain_relief_50", "pain_relief_30", "moderate_relief", "global_improvement",
                    "withdrawal_lack_of_efficacy"}
TERM_TYPES = {"target": "MolecularTarget", "process": "BiologicalProcess", "site": "AnatomicalSite",
              "adverse-effect": "AdverseEffect", "ae-kind": "AdverseEffectKind", "patient-group": "PatientGroup"}
SOURCE_KINDS = {"cochrane_review", "systematic_review", "meta_analysis", "network_meta_analysis",
                "pooled_analysis", "rct", "guideline", "narrative_review", "primary_study", "ontology_release",
                "drug_reference", "textbook", "drug_label", "editorial"}
ONSETS = {"rapid": "RapidOnset", "delayed": "DelayedOnset", "not_stated": "OnsetNotStated"}
STATUSES = {"supported": "Supported", "not_supported": "NotSupported", "disputed": "Disputed"}
SITE_KINDS = {"central": "Central", "peripheral": "Peripheral"}
SAFETY_RELATIONS = {"adverse_effect": "AdverseEffectStatement", "overdose": "OverdoseStatement",
                    "caution": "CautionStatement", "interaction": "InteractionStatement"}
STRENGTHS = {"strong", "weak"}
QUALITIES = {"high", "moderate", "low", "very low"}
TABLE_FILES = ("sources", "drugs", "drug_classes", "terms", "xrefs", "findings", "recommendations",
               "mechanism_paths", "mechanism_steps", "safety")


def npkg(local: str) -> NamedNode:
    return NamedNode(NPKG + local)


def en(text: str) -> Literal:
    return Literal(text, language="en")


def plain(text: str) -> Literal:
    return Literal(text)


@dataclass
class Compiled:
    """The compiled graph plus what later steps (QC, stats, imports) need to know about it."""

    tbox: list[Triple]
    data: list[Triple]
    declared: dict[str, str]  # npkg local name -> kind ("class", "drug", "source", ...)
    external_terms: dict[str, str] = field(default_factory=dict)  # CURIE -> label as curated
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def triples(self) -> list[Triple]:
        return self.tbox + self.data


class _Compiler:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[str] = []
        self.out: list[Triple] = []
        self.declared: dict[str, str] = {}
        self.superclasses: dict[str, set[str]] = defaultdict(set)
        self.drug_types: dict[str, set[str]] = defaultdict(set)
        self.external_terms: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers
    def err(self, row: Row, column: str, message: str) -> None:
        self.problems.append(f"{row.where(column)}: {column}: {message}")

    def add(self, s: NamedNode | BlankNode, p: NamedNode, o: NamedNode | BlankNode | Literal) -> None:
        self.out.append(Triple(s, p, o))

    def declare(self, row: Row, column: str, local: str, kind: str) -> bool:
        if not LOCAL_RE.match(local):
            self.err(row, column, f"{local!r} is not a valid npkg identifier (letters, digits, '-', '_', '.')")
            return False
        if local in self.declared:
            self.err(row, column, f"{local!r} is declared twice (already a {self.declared[local]})")
            return False
        self.declared[local] = kind
        return True

    def is_class_under(self, local: str, root: str) -> bool:
        seen, stack = set(), [local]
        while stack:
            cur = stack.pop()
            if cur == root:
                return True
            if cur not in seen:
                seen.add(cur)
                stack.extend(self.superclasses.get(cur, ()))
        return False

    def ref(self, row: Row, column: str, value: str, kinds: Iterable[str], *, under: str | None = None,
            required: bool = True) -> NamedNode | None:
        """Resolve a reference cell to an npkg IRI, checking it exists and has an allowed kind."""
        if value == "":
            if required:
                self.err(row, column, "is empty; a reference is required")
            return None
        allowed = set(kinds)
        kind = self.declared.get(value)
        if kind is None:
            close = difflib.get_close_matches(value, list(self.declared), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            self.err(row, column, f"{value!r} is not declared in the ontology or the tables{hint}")
            return None
        if kind not in allowed:
            self.err(row, column, f"{value!r} is a {kind}, expected {' or '.join(sorted(allowed))}")
            return None
        if under is not None and kind == "class" and not self.is_class_under(value, under):
            self.err(row, column, f"{value!r} is not a subclass of {under}")
            return None
        return npkg(value)

    def refs(self, row: Row, column: str, kinds: Iterable[str], *, under: str | None = None,
             required: bool = False) -> list[NamedNode]:
        values = [v for v in row[column].split("|") if v] if row[column] else []
        if not values and required:
            self.err(row, column, "is empty; at least one reference is required")
        out = []
        for v in values:
            node = self.ref(row, column, v, kinds, under=under)
            if node is not None:
                out.append(node)
        return out

    def decimal(self, row: Row, column: str, *, required: bool = False) -> Literal | None:
        value = row[column]
        if value == "":
            if required:
                self.err(row, column, "is empty; a decimal number is required")
            return None
        if not DECIMAL_RE.match(value):
            self.err(row, column, f"{value!r} is not an xsd:decimal lexical form (digits with an optional '.')")
            return None
        return Literal(value, datatype=XSD_DECIMAL)

    def integer(self, row: Row, column: str) -> Literal | None:
        value = row[column]
        if value == "":
            return None
        if not INTEGER_RE.match(value):
            self.err(row, column, f"{value!r} is not a canonical xsd:integer (no sign, no leading zero)")
            return None
        return Literal(value, datatype=XSD_INTEGER)

    def text(self, subject: NamedNode, prop: str, value: str) -> None:
        if value:
            self.add(subject, NamedNode(V(prop)), plain(value))

    def choice(self, row: Row, column: str, mapping: dict[str, str], *, required: bool = True) -> str | None:
        value = row[column]
        if value == "" and not required:
            return None
        if value not in mapping:
            self.err(row, column, f"{value!r} is not one of {', '.join(sorted(mapping))}")
            return None
        return mapping[value]

    def sourced(self, row: Row, subject: NamedNode) -> None:
        """Every fact row carries a source and where in it the fact was read."""
        src = self.ref(row, "source", row["source"], {"source"})
        if src is not None:
            self.add(subject, NamedNode(V("source")), src)
        if row["location"]:
            self.add(subject, NamedNode(V("sourceLocation")), plain(row["location"]))
        else:
            self.err(row, "location", "is empty; say where in the source the fact was read")
        if row.cells.get("note"):
            self.add(subject, NamedNode(V("note")), plain(row["note"]))

    def axiom(self, s: NamedNode, p: NamedNode, o: NamedNode, annotations: list[tuple[NamedNode, Literal | NamedNode]]) -> None:
        """OWL axiom annotation: the way to attach a source to a single triple in OWL 2 DL."""
        b = BlankNode()
        self.add(b, RDF_TYPE, OWL_AXIOM)
        self.add(b, ANN_SOURCE, s)
        self.add(b, ANN_PROPERTY, p)
        self.add(b, ANN_TARGET, o)
        for ap, av in annotations:
            self.add(b, ap, av)

    # ------------------------------------------------------------------ TBox
    def load_tbox(self, path: Path) -> list[Triple]:
        triples = parse_rdf_file(path, display=self._display(path))
        owl_class = NamedNode(vocab.OWL_CLASS)
        for t in triples:
            s = t.subject
            if isinstance(s, NamedNode) and s.value.startswith(NPKG) and t.predicate.value == vocab.RDF_TYPE:
                local = s.value[len(NPKG):]
                kind = "class" if t.object == owl_class else "term"
                if local not in self.declared or kind == "class":
                    self.declared[local] = kind
        for t in triples:
            if (t.predicate.value == vocab.RDFS_SUBCLASSOF and isinstance(t.object, NamedNode)
                    and isinstance(t.subject, NamedNode)):
                self.superclasses[t.subject.value[len(NPKG):]].add(t.object.value[len(NPKG):])
        # intersections in equivalentClass axioms: their named operands are superclasses
        by_subject: dict[object, list[Triple]] = defaultdict(list)
        for t in triples:
            by_subject[t.subject].append(t)
        for t in triples:
            if (t.predicate.value == vocab.OWL + "equivalentClass" and isinstance(t.object, BlankNode)
                    and isinstance(t.subject, NamedNode)):
                for inner in by_subject[t.object]:
                    if inner.predicate.value == vocab.OWL + "intersectionOf":
                        for member in _rdf_list(by_subject, inner.object):
                            if isinstance(member, NamedNode) and member.value.startswith(NPKG):
                                self.superclasses[t.subject.value[len(NPKG):]].add(member.value[len(NPKG):])
        return triples

    def _display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # ------------------------------------------------------------------ tables
    def compile_tables(self, tables: dict[str, Table]) -> None:
        self.compile_sources(tables["sources"])
        self.declare_rows(tables["drugs"], "drug")
        self.declare_terms(tables["terms"])
        self.declare_rows(tables["findings"], "finding", prefix="finding-")
        self.declare_rows(tables["recommendations"], "recommendation", prefix="rec-")
        self.declare_rows(tables["mechanism_paths"], "path", prefix="path-")
        self.declare_rows(tables["mechanism_steps"], "step", prefix="step-")
        self.declare_rows(tables["safety"], "safety", prefix="safety-")
        self.compile_drugs(tables["drugs"], tables["drug_classes"])
        self.compile_terms(tables["terms"])
        self.compile_xrefs(tables["xrefs"])
        self.compile_findings(tables["findings"])
        self.compile_recommendations(tables["recommendations"])
        self.compile_mechanisms(tables["mechanism_paths"], tables["mechanism_steps"])
        self.compile_safety(tables["safety"])
        for name, table in tables.items():
            self.counts[name] = len(table.rows)

    def declare_rows(self, table: Table, kind: str, prefix: str = "") -> None:
        for row in table.rows:
            if prefix and not row["id"].startswith(prefix):
                self.err(row, "id", f"{row['id']!r} must start with {prefix!r}")
                continue
            self.declare(row, "id", row["id"], kind)

    def declare_terms(self, table: Table) -> None:
        for row in table.rows:
            kind = row["type"]
            if kind not in TERM_TYPES:
                self.err(row, "type", f"{kind!r} is not one of {', '.join(sorted(TERM_TYPES))}")
                continue
            self.declare(row, "id", row["id"], kind)

    def compile_sources(self, table: Table) -> None:
        for row in table.rows:
            if not row["id"].startswith("source-"):
                self.err(row, "id", f"{row['id']!r} must start with 'source-'")
                continue
            if not self.declare(row, "id", row["id"], "source"):
                continue
            s = npkg(row["id"])
            self.add(s, RDF_TYPE, NamedNode(V("Source")))
            self.add(s, RDF_TYPE, NAMED_INDIVIDUAL)
            for col in ("title", "kind", "seen_in"):
                if not row[col]:
                    self.err(row, col, "is empty")
            if row["kind"] and row["kind"] not in SOURCE_KINDS:
                self.err(row, "kind", f"{row['kind']!r} is not one of {', '.join(sorted(SOURCE_KINDS))}")
            if row["year"] and not YEAR_RE.match(row["year"]):
                self.err(row, "year", f"{row['year']!r} is not a four-digit year")
            if row["pmid"] and not PMID_RE.match(row["pmid"]):
                self.err(row, "pmid", f"{row['pmid']!r} is not a PubMed ID (digits)")
            if row["doi"] and not DOI_RE.match(row["doi"]):
                self.err(row, "doi", f"{row['doi']!r} is not a DOI (10.NNNN/...)")
            self.add(s, LABEL, en(_source_label(row)))
            self.add(s, DCTERMS_TITLE, plain(row["title"]))
            self.text(s, "authors", row["authors"])
            self.text(s, "journal", row["journal"])
            self.text(s, "sourceKind", row["kind"])
            self.text(s, "seenIn", row["seen_in"])
            if row["year"]:
                self.add(s, NamedNode(V("year")), Literal(row["year"], datatype=XSD_YEAR))
            if row["pmid"]:
                self.text(s, "pmid", row["pmid"])
                self.add(s, SEEALSO, NamedNode(f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"))
            if row["doi"]:
                self.text(s, "doi", row["doi"])
                self.add(s, SEEALSO, NamedNode("https://doi.org/" + _iri_escape(row["doi"])))

    def compile_drugs(self, drugs: Table, memberships: Table) -> None:
        for row in drugs.rows:
            d = npkg(row["id"])
            self.add(d, RDF_TYPE, NAMED_INDIVIDUAL)
            if not row["label"]:
                self.err(row, "label", "is empty")
            self.add(d, LABEL, en(row["label"]))
            for syn in _split(row["synonyms"]):
                self.add(d, ALTLABEL, en(syn))
            if row["note"]:
                self.add(d, NamedNode(V("note")), plain(row["note"]))
        seen: set[tuple[str, str]] = set()
        for row in memberships.rows:
            drug = self.ref(row, "drug", row["drug"], {"drug"})
            cls = self.ref(row, "class", row["class"], {"class"}, under="Drug")
            src = self.ref(row, "source", row["source"], {"source"})
            if drug is None or cls is None or src is None:
                continue
            if not row["location"]:
                self.err(row, "location", "is empty; say where in the source the membership is stated")
            key = (row["drug"], row["class"])
            if key not in seen:
                self.add(drug, RDF_TYPE, cls)
                seen.add(key)
                self.drug_types[row["drug"]].add(row["class"])
            notes: list[tuple[NamedNode, Literal | NamedNode]] = [
                (NamedNode(V("source")), src), (NamedNode(V("sourceLocation")), plain(row["location"]))]
            if row["note"]:
                notes.append((NamedNode(V("note")), plain(row["note"])))
            self.axiom(drug, RDF_TYPE, cls, notes)
        for row in drugs.rows:
            if not self.drug_types.get(row["id"]):
                self.err(row, "id", f"drug {row['id']!r} has no sourced class in drug_classes.tsv")

    def compile_terms(self, table: Table) -> None:
        for row in table.rows:
            if row["type"] not in TERM_TYPES:
                continue
            t = npkg(row["id"])
            self.add(t, RDF_TYPE, NAMED_INDIVIDUAL)
            self.add(t, RDF_TYPE, NamedNode(V(TERM_TYPES[row["type"]])))
            if not row["label"]:
                self.err(row, "label", "is empty")
            self.add(t, LABEL, en(row["label"]))
            for syn in _split(row["synonyms"]):
                self.add(t, ALTLABEL, en(syn))
            if row["definition"]:
                self.add(t, DEFINITION, en(row["definition"]))
            if row["type"] == "adverse-effect":
                for kind in self.refs(row, "kind", {"ae-kind"}, required=True):
                    self.add(t, NamedNode(V("adverseEffectKind")), kind)
            elif row["kind"]:
                self.err(row, "kind", "only adverse effects take a kind")

    def compile_xrefs(self, table: Table) -> None:
        seen: set[tuple[str, str]] = set()
        for row in table.rows:
            subject = row["subject"]
            if not subject.startswith("NPKG:"):
                self.err(row, "subject", f"{subject!r} must be an npkg CURIE (NPKG:...)")
                continue
            s = self.ref(row, "subject", subject[5:], {"class", "drug", *TERM_TYPES})
            pred = vocab.MAPPING_PREDICATES.get(row["predicate"])
            if pred is None:
                self.err(row, "predicate", f"{row['predicate']!r} is not one of {', '.join(vocab.MAPPING_PREDICATES)}")
            try:
                obj = normalize_curie(row["object"])
            except CurieError as exc:
                self.err(row, "object", str(exc))
                continue
            if obj != row["object"]:
                self.err(row, "object", f"{row['object']!r} is not in canonical form; write {obj!r}")
                continue
            if obj.split(":")[0] not in XREF_PREFIXES:
                self.err(row, "object", f"prefix of {obj!r} is not allowed for cross-references")
                continue
            if pred and pred != vocab.SKOS + "exactMatch" and not row["justification"]:
                self.err(row, "justification", "a non-exact mapping must say why it is not exact")
            if not row["evidence"]:
                self.err(row, "evidence", "is empty; say where the identifier and its label were seen")
            if (subject, obj) in seen:
                self.err(row, "object", f"duplicate mapping {subject} -> {obj}")
                continue
            seen.add((subject, obj))
            if s is None or pred is None:
                continue
            o = NamedNode(expand(obj))
            self.add(s, NamedNode(pred), o)
            anns: list[tuple[NamedNode, Literal | NamedNode]] = [(NamedNode(V("seenIn")), plain(row["evidence"]))]
            if row["justification"]:
                anns.append((COMMENT, plain(row["justification"])))
            if row["object_label"]:
                anns.append((LABEL, plain(row["object_label"])))
            self.axiom(s, NamedNode(pred), o, anns)
            self.external_terms.setdefault(obj, row["object_label"])

    def compile_findings(self, table: Table) -> None:
        for row in table.rows:
            f = npkg(row["id"])
            outcome = row["outcome_kind"]
            cls = "HarmFinding" if outcome in HARM_OUTCOMES else "EfficacyFinding" if outcome in BENEFIT_OUTCOMES else "Finding"
            self.add(f, RDF_TYPE, NamedNode(V(cls)))
            self.add(f, RDF_TYPE, NAMED_INDIVIDUAL)
            iv = self.ref(row, "intervention", row["intervention"], {"drug", "class"}, under="Drug")
            cond = self.ref(row, "condition", row["condition"], {"class"}, under="Condition")
            measure = self.choice(row, "measure", MEASURES)
            okind = self.choice(row, "outcome_kind", OUTCOME_KINDS)
            point = self.decimal(row, "point", required=True)
            low, high = self.decimal(row, "ci_low"), self.decimal(row, "ci_high")
            if (low is None) != (high is None):
                self.err(row, "ci_low", "give both confidence bounds or neither")
            level = self.decimal(row, "ci_level")
            if level is None and low is not None:
                level = Literal("0.95", datatype=XSD_DECIMAL)
            if iv is not None:
                self.add(f, NamedNode(V("intervention")), iv)
            if cond is not None:
                self.add(f, NamedNode(V("condition")), cond)
            if measure:
                self.add(f, NamedNode(V("measure")), npkg(measure))
            if okind:
                self.add(f, NamedNode(V("outcomeKind")), npkg(okind))
            for prop, lit in (("pointEstimate", point), ("ciLower", low), ("ciUpper", high), ("ciLevel", level),
                              ("studyCount", self.integer(row, "n_studies")),
                              ("participantCount", self.integer(row, "n_participants"))):
                if lit is not None:
                    self.add(f, NamedNode(V(prop)), lit)
            if not row["outcome"]:
                self.err(row, "outcome", "is empty; give the outcome definition")
            self.text(f, "outcomeDefinition", row["outcome"])
            self.text(f, "interventionDetail", row["intervention_detail"])
            self.text(f, "population", row["population"])
            self.text(f, "studyDesign", row["design"])
            self.text(f, "duration", row["duration"])
            comp = self.ref(row, "comparator", row["comparator"], {"drug", "class", "term"}, required=False)
            if comp is not None:
                self.add(f, NamedNode(V("comparator")), comp)
            elif not row["comparator_label"]:
                self.err(row, "comparator", "give a comparator (Placebo, a drug or class) or a comparator_label")
            self.text(f, "comparatorLabel", row["comparator_label"])
            self.sourced(row, f)
            self.add(f, LABEL, en(_finding_label(row)))

    def compile_recommendations(self, table: Table) -> None:
        for row in table.rows:
            r = npkg(row["id"])
            self.add(r, RDF_TYPE, NamedNode(V("Recommendation")))
            self.add(r, RDF_TYPE, NAMED_INDIVIDUAL)
            iv = self.ref(row, "intervention", row["intervention"], {"drug", "class"}, under="Drug")
            cond = self.ref(row, "condition", row["condition"], {"class"}, under="Condition")
            if iv is not None:
                self.add(r, NamedNode(V("intervention")), iv)
            if cond is not None:
                self.add(r, NamedNode(V("condition")), cond)
            if row["line"] not in {"1", "2", "3"}:
                self.err(row, "line", f"{row['line']!r} is not 1, 2 or 3")
            else:
                self.add(r, NamedNode(V("recommendationLine")), Literal(row["line"], datatype=XSD_INTEGER))
            if row["strength"] not in STRENGTHS:
                self.err(row, "strength", f"{row['strength']!r} is not one of {', '.join(sorted(STRENGTHS))}")
            if row["quality"] not in QUALITIES:
                self.err(row, "quality", f"{row['quality']!r} is not one of {', '.join(sorted(QUALITIES))}")
            self.text(r, "recommendationStrength", row["strength"])
            self.text(r, "evidenceQuality", row["quality"])
            if not row["guideline"]:
                self.err(row, "guideline", "is empty")
            self.text(r, "guideline", row["guideline"])
            self.sourced(row, r)
            ordinal = {"1": "first", "2": "second", "3": "third"}.get(row["line"], "?")
            self.add(r, LABEL, en(f"{row['guideline']}: {row['intervention']} {ordinal} line ({row['strength']})"))

    def compile_mechanisms(self, paths: Table, steps: Table) -> None:
        for row in paths.rows:
            p = npkg(row["id"])
            self.add(p, RDF_TYPE, NamedNode(V("MechanismPath")))
            self.add(p, RDF_TYPE, NAMED_INDIVIDUAL)
            if not row["label"]:
                self.err(row, "label", "is empty")
            self.add(p, LABEL, en(row["label"]))
            for a in self.refs(row, "agent", {"drug", "class"}, under="Drug", required=True):
                self.add(p, NamedNode(V("agent")), a)
            if row["description"]:
                self.add(p, DEFINITION, en(row["description"]))
        orders: dict[str, set[str]] = defaultdict(set)
        for row in steps.rows:
            s = npkg(row["id"])
            self.add(s, RDF_TYPE, NamedNode(V("MechanismStep")))
            self.add(s, RDF_TYPE, NAMED_INDIVIDUAL)
            path = self.ref(row, "path", row["path"], {"path"})
            if path is not None:
                self.add(s, NamedNode(V("path")), path)
                if row["order"] in orders[row["path"]]:
                    self.err(row, "order", f"order {row['order']} is used twice in {row['path']}")
                orders[row["path"]].add(row["order"])
            order = self.integer(row, "order")
            if order is None:
                self.err(row, "order", "is empty or not an integer")
            else:
                self.add(s, NamedNode(V("stepOrder")), order)
            for a in self.refs(row, "agent", {"drug", "class"}, under="Drug"):
                self.add(s, NamedNode(V("agent")), a)
            if not row["action"]:
                self.err(row, "action", "is empty; say what happens in the step")
            self.text(s, "action", row["action"])
            self.add(s, LABEL, en(row["action"]))
            for t in self.refs(row, "target", {"target"}):
                self.add(s, NamedNode(V("target")), t)
            for t in self.refs(row, "process", {"process"}):
                self.add(s, NamedNode(V("process")), t)
            for t in self.refs(row, "site", {"site"}):
                self.add(s, NamedNode(V("site")), t)
            sk = self.choice(row, "site_kind", SITE_KINDS, required=False)
            if sk:
                self.add(s, NamedNode(V("siteKind")), npkg(sk))
            onset = self.choice(row, "onset", ONSETS)
            if onset:
                self.add(s, NamedNode(V("onset")), npkg(onset))
            self.text(s, "onsetNote", row["onset_note"])
            if not row["species"]:
                self.err(row, "species", "is empty; name the species of the evidence (human, rat, mouse)")
            self.text(s, "species", row["species"])
            self.text(s, "evidenceModel", row["model"])
            status = self.choice(row, "status", STATUSES)
            if status:
                self.add(s, NamedNode(V("status")), npkg(status))
            for other in self.refs(row, "conflicts_with", {"step"}):
                self.add(s, NamedNode(V("conflictsWith")), other)
                self.add(other, NamedNode(V("conflictsWith")), s)
            self.sourced(row, s)

    def compile_safety(self, table: Table) -> None:
        for row in table.rows:
            s = npkg(row["id"])
            relation = self.choice(row, "relation", SAFETY_RELATIONS)
            if relation is None:
                continue
            self.add(s, RDF_TYPE, NamedNode(V(relation)))
            self.add(s, RDF_TYPE, NAMED_INDIVIDUAL)
            subj = self.ref(row, "subject", row["subject"], {"drug", "class"}, under="Drug")
            if subj is not None:
                self.add(s, NamedNode(V("subject")), subj)
            rel = row["relation"]
            obj: NamedNode | None = None
            if rel == "adverse_effect":
                obj = self.ref(row, "object", row["object"], {"adverse-effect"})
                if obj is not None:
                    self.add(s, NamedNode(V("adverseEffect")), obj)
            elif rel == "caution":
                obj = self.ref(row, "object", row["object"], {"patient-group"})
                if obj is not None:
                    self.add(s, NamedNode(V("patientGroup")), obj)
            elif rel == "interaction":
                obj = self.ref(row, "object", row["object"], {"drug", "class"}, under="Drug")
                if obj is not None:
                    self.add(s, NamedNode(V("interactsWith")), obj)
            elif rel == "overdose" and row["object"]:
                self.err(row, "object", "an overdose statement takes no object")
            effect = self.ref(row, "effect", row["effect"], {"adverse-effect"}, required=False)
            if effect is not None:
                self.add(s, NamedNode(V("adverseEffect")), effect)
            if rel == "overdose" and effect is None:
                self.err(row, "effect", "an overdose statement names its effect (e.g. ae-overdose-toxicity)")
            dl = row["dose_limiting"]
            if dl not in {"", "yes", "no"}:
                self.err(row, "dose_limiting", f"{dl!r} is not yes, no or empty")
            elif dl:
                if rel != "adverse_effect":
                    self.err(row, "dose_limiting", "only adverse-effect statements can be dose-limiting")
                self.add(s, NamedNode(V("doseLimiting")), Literal("true" if dl == "yes" else "false", datatype=XSD_BOOLEAN))
            self.text(s, "mechanismNote", row["mechanism"])
            self.sourced(row, s)
            words = (row["subject"], rel.replace("_", " "), row["object"] or row["effect"])
            self.add(s, LABEL, en(" ".join(x for x in words if x)))


def _rdf_list(by_subject: dict[object, list[Triple]], head: object) -> list[object]:
    items: list[object] = []
    nil = vocab.RDF_TYPE.replace("type", "nil")
    first, rest = vocab.RDF_TYPE.replace("type", "first"), vocab.RDF_TYPE.replace("type", "rest")
    cur = head
    for _ in range(10_000):
        if isinstance(cur, NamedNode) and cur.value == nil:
            break
        nxt = None
        for t in by_subject.get(cur, []):
            if t.predicate.value == first:
                items.append(t.object)
            elif t.predicate.value == rest:
                nxt = t.object
        if nxt is None:
            break
        cur = nxt
    return items


def _split(cell: str) -> list[str]:
    return [v for v in cell.split("|") if v] if cell else []


def _iri_escape(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._~/:;()" else f"%{ord(ch):02X}" for ch in text)


def _source_label(row: Row) -> str:
    first = row["authors"].split(";")[0].split(",")[0].strip()
    surname = first.split(" ")[0] if first else row["id"]
    many = ("," in row["authors"]) or (";" in row["authors"]) or ("et al" in row["authors"])
    return f"{surname}{' et al.' if many else ''} {row['year']}".strip()


def _finding_label(row: Row) -> str:
    ci = f" ({row['ci_low']} to {row['ci_high']})" if row["ci_low"] else ""
    comp = row["comparator"] or row["comparator_label"]
    return (f"{row['measure']} {row['point']}{ci}: {row['intervention']} vs {comp}, "
            f"{row['condition']}, {row['outcome_kind'].replace('_', ' ')} [{row['source']}]")


def read_tables(root: Path, problems: list[str]) -> dict[str, Table]:
    data = root / "data"
    return {name: read_table(data / f"{name}.tsv", name, problems, display=f"data/{name}.tsv") for name in TABLE_FILES}


def compile_project(root: Path) -> Compiled:
    """Parse and check every source file under ``root``; raise DataError listing all problems."""
    comp = _Compiler(root)
    tbox = comp.load_tbox(root / "ontology" / "npkg-edit.ttl")
    tables = read_tables(root, comp.problems)
    if not comp.problems:
        comp.compile_tables(tables)
    if comp.problems:
        raise DataError(comp.problems)
    return Compiled(tbox=tbox, data=comp.out, declared=dict(comp.declared),
                    external_terms=dict(comp.external_terms), counts=dict(comp.counts))
