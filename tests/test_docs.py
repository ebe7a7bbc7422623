"""Static documentation: a page for every term and drug, links that resolve, findings with sources."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyoxigraph import RdfFormat, Store

from npkg.docs_site import build_site
from tests.conftest import DULOXETINE_DRUGBANK, NORTRIPTYLINE, TCA

NPKG = "https://w3id.org/npkg/"
TERM_QUERY = """PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX npkg: <https://w3id.org/npkg/>
SELECT DISTINCT ?t ?label ?folder WHERE {
  { VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty } ?t a ?kind BIND ("property" AS ?folder) }
  UNION { ?t a owl:Class BIND ("term" AS ?folder) }
  UNION { ?t a ?cat . ?cat rdfs:subClassOf* npkg:Category BIND ("term" AS ?folder) }
  ?t rdfs:label ?label FILTER (isIRI(?t) && STRSTARTS(STR(?t), STR(npkg:)))
}"""
DRUG_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX npkg: <https://w3id.org/npkg/>
SELECT DISTINCT ?d WHERE { ?d a ?c . ?c rdfs:subClassOf* npkg:Drug FILTER (isIRI(?d) && STRSTARTS(STR(?d), STR(npkg:))) }"""


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


@pytest.fixture(scope="module")
def site(kg, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("site")
    build_site(kg, out)
    return out


@pytest.fixture(scope="module")
def store(release: Path) -> Store:
    s = Store()
    s.bulk_load(path=str(release / "npkg.nt"), format=RdfFormat.N_TRIPLES)
    return s


def page_text(path: Path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


def test_every_npkg_term_has_a_page(site: Path, store: Store) -> None:
    terms = {(sol["t"].value, sol["label"].value, sol["folder"].value) for sol in store.query(TERM_QUERY)}
    assert len(terms) > 100
    missing = [t for t, _, folder in terms if not (site / folder / f"{t[len(NPKG):]}.html").is_file()]
    assert not missing, f"terms without a page: {missing}"
    for t, label, folder in terms:
        text = page_text(site / folder / f"{t[len(NPKG):]}.html")
        assert f"<h1>{label}</h1>" in text and f"NPKG:{t[len(NPKG):]}" in text


def test_every_drug_has_a_page(site: Path, store: Store) -> None:
    drugs = {sol["d"].value for sol in store.query(DRUG_QUERY)}
    assert len(drugs) >= 20
    assert {f"{d[len(NPKG):]}.html" for d in drugs} == {p.name for p in (site / "drug").glob("*.html")}


def test_every_internal_link_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    checked = 0
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("#"):
                assert parts.scheme in ("http", "https"), f"{page}: odd link {link}"
                continue
            target = (page.parent / parts.path).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: broken link {link}"
            checked += 1
    assert checked > 1000
    for entry in json.loads((site / "search-index.json").read_text(encoding="utf-8")):
        assert (site / entry["url"]).is_file()


def test_no_external_scripts_or_styles(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<script[^>]+src=|<link[^>]+href="https?:', text), page


def finding_rows(page: Path) -> dict[str, str]:
    text = page.read_text(encoding="utf-8")
    return {html.unescape(m.group(1)): html.unescape(m.group(2))
            for m in re.finditer(r'<tr data-finding="([^"]+)"[^>]*>(.*?)</tr>', text, re.S)}


@pytest.mark.parametrize("drug", [DULOXETINE_DRUGBANK, NORTRIPTYLINE, "pregabalin", "amitriptyline"])
def test_drug_page_lists_its_findings_with_sources(kg, site: Path, drug: str) -> None:  # type: ignore[no-untyped-def]
    curie = kg.resolve(drug)
    page = site / "drug" / f"{curie.split(':', 1)[1]}.html"
    rows = finding_rows(page)
    findings = [f for f in kg.findings(drug=curie) if f.intervention == curie]
    assert {f.curie for f in findings} == set(rows)
    for f in findings:
        assert f.source_label in rows[f.curie] and f"{f.point:f}" in rows[f.curie]
        if f.ci_low is not None:
            assert f"{f.ci_low:f} to {f.ci_high:f}" in rows[f.curie]


def test_drug_page_sections(kg, site: Path) -> None:  # type: ignore[no-untyped-def]
    text = page_text(site / "drug" / "nortriptyline.html")
    for heading in ("Classes", "Cross-references", "Mechanisms", "Findings", "Adverse effects", "Recommendations"):
        assert f"<h2>{heading}</h2>" in text
    for r in kg.query("class-members").rows:
        if r["drug"] == NORTRIPTYLINE:
            assert r["sourceLabel"] in text
    for step in kg.mechanisms(NORTRIPTYLINE):
        assert step.action in text
    assert "not_supported" in text  # the negative mechanism claims are shown
    for r in kg.adverse_effects(NORTRIPTYLINE).rows:
        assert r["effectLabel"] in text and r["sourceLabel"] in text
    assert "CHEBI:7640" in text and "skos:exactMatch" in text


def test_class_page_shows_hierarchy_members_and_mappings(site: Path) -> None:
    text = page_text(site / "term" / "TricyclicAntidepressant.html")
    assert "<h1>tricyclic antidepressant</h1>" in text
    assert 'href="../term/Antidepressant.html"' in text  # parent
    assert 'href="../term/SecondaryAmineTCA.html"' in text  # child
    assert 'href="../drug/nortriptyline.html"' in text  # example instance / member
    assert "Findings about the class as a whole" in text and TCA in text


def test_property_page(site: Path) -> None:
    text = page_text(site / "property" / "pointEstimate.html")
    assert "datatype property" in text and 'href="../term/Finding.html"' in text and "Example uses" in text
    # the property and the class that differ only in case both have pages, in different folders
    assert (site / "property" / "onset.html").is_file() and (site / "term" / "Onset.html").is_file()


def test_search_index_covers_every_page(site: Path) -> None:
    entries = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    pages = {str(p.relative_to(site)) for p in site.rglob("*.html")} - {"index.html", "search.html"}
    assert {e["url"] for e in entries} == pages
    dulox = next(e for e in entries if e["id"] == "NPKG:duloxetine")
    assert DULOXETINE_DRUGBANK in dulox["xrefs"] and dulox["kind"] == "drug"
    embedded = re.search(r'<script type="application/json" id="npkg-index">(.*?)</script>',
                         (site / "search.html").read_text(encoding="utf-8"), re.S)
    assert embedded and json.loads(embedded.group(1).replace("<\\/", "</")) == entries


def test_site_is_deterministic(kg, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_site(kg, tmp_path)
    first = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first == second


def test_cli_docs(release: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    res = subprocess.run([sys.executable, "-m", "npkg.cli", "--store", str(release / "npkg.nt"), "docs", "-o", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "" and "term pages" in res.stderr
    assert (out / "index.html").is_file() and (out / "drug" / "duloxetine.html").is_file()
