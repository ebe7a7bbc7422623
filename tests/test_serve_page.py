"""The page at ``/`` of ``npkg serve``, loaded in headless Chromium (Debian package ``chromium``).

The page runs the view named in its URL fragment on load (``#query=NAME&param=value``,
``#sparql=...``, ``#entity=CURIE``) and marks ``<body data-ready="1">`` when done;
``chromium --headless --dump-dom`` with a virtual-time budget returns the DOM after the fetches,
so the test reads the rendered results table. Chromium is required, not optional: CI installs
it (``apt-get install -y chromium``); without it these tests fail saying so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from .conftest import NORTRIPTYLINE, POSTHERPETIC_NEURALGIA
from .test_serve import Served, served_release, start_server, stop_server

__all__ = ["served_release"]  # the fixture, shared with test_serve

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
                  "--virtual-time-budget=15000"]


class DomReader(HTMLParser):
    """Just enough of the DOM: result rows and their cells, links, forms, the status line."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self.details: list[str] = []
        self.status = ""
        self.ready = False
        self.scripts_with_src: list[str] = []
        self._in_row = False
        self._in_cell = False
        self._in_status = False
        self._in_sup = False  # a language tag shown after a literal

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body" and a.get("data-ready") == "1":
            self.ready = True
        if tag == "tr" and a.get("class") == "row":
            self._in_row = True
            self.rows.append([])
        if tag == "td" and self._in_row:
            self._in_cell = True
            self.rows[-1].append("")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "details" and a.get("id"):
            self.details.append(a["id"] or "")
        if tag == "sup":
            self._in_sup = True
        if tag == "div" and a.get("id") == "status":
            self._in_status = True
        if tag in ("script", "img", "iframe", "link") and (a.get("src") or a.get("href")):
            self.scripts_with_src.append(a.get("src") or a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._in_row = False
        if tag == "td":
            self._in_cell = False
        if tag == "div":
            self._in_status = False
        if tag == "sup":
            self._in_sup = False

    def handle_data(self, data: str) -> None:
        if self._in_cell and self.rows and not self._in_sup:
            self.rows[-1][-1] += data
        if self._in_status:
            self.status += data


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is needed for the page tests: apt-get install -y chromium")


def dump_dom(url: str, profile: Path) -> DomReader:
    r = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = DomReader()
    dom.feed(r.stdout)
    return dom


@pytest.fixture(scope="module")
def page_server(served_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = start_server(served_release, tmp_path_factory.mktemp("serve") / "page.log", "--workers", "2", "--timeout", "10")
    yield s
    stop_server(s)


def test_page_is_self_contained(page_server: Served) -> None:
    status, headers, body = page_server.get("/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    dom = DomReader()
    dom.feed(body.decode("utf-8"))
    assert dom.scripts_with_src == []  # everything inline: no CDN, no external script, style or image
    assert all(h.startswith(("/", "#")) for h in dom.links), dom.links
    assert "innerHTML" not in body.decode("utf-8")


def test_page_runs_a_named_query_in_chromium(page_server: Served, tmp_path: Path) -> None:
    params = {"condition": POSTHERPETIC_NEURALGIA, "measure": "NNT"}
    status, _, body = page_server.get("/queries/efficacy-by-condition?" + urlencode(params))
    expected = json.loads(body)["results"]["bindings"]
    assert status == 200 and expected
    url = f"http://127.0.0.1:{page_server.port}/#" + urlencode({"query": "efficacy-by-condition", **params})
    dom = dump_dom(url, tmp_path / "profile")
    assert dom.ready
    assert len(dom.rows) == len(expected), dom.status
    assert dom.status.startswith(f"{len(expected)} rows")
    labels = [b["interventionLabel"]["value"] for b in expected]
    assert [r[1] for r in dom.rows] == labels  # column 2 is interventionLabel, in the server's order
    assert any(h.startswith("/entity?id=NPKG%3A") for h in dom.links)  # IRIs shown as CURIE links
    from npkg import catalog

    assert {f"q-{n}" for n in catalog.catalog()} <= set(dom.details)  # a form per named query


def test_page_runs_free_sparql_and_entity_views(page_server: Served, tmp_path: Path) -> None:
    q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX npkg: <https://w3id.org/npkg/> "
         "SELECT ?drug ?label WHERE { ?drug a/rdfs:subClassOf* npkg:Drug ; rdfs:label ?label } ORDER BY ?label LIMIT 5")
    dom = dump_dom(f"http://127.0.0.1:{page_server.port}/#" + urlencode({"sparql": q}), tmp_path / "p1")
    assert dom.ready and len(dom.rows) == 5, dom.status
    assert all(r[0].startswith("NPKG:") for r in dom.rows)
    dom = dump_dom(f"http://127.0.0.1:{page_server.port}/#entity={quote(NORTRIPTYLINE, safe=':')}", tmp_path / "p2")
    assert dom.ready and dom.rows, dom.status
    assert any(r[0] in ("out", "in") for r in dom.rows)
    dom = dump_dom(f"http://127.0.0.1:{page_server.port}/#query=no-such-query", tmp_path / "p3")
    assert dom.ready and dom.rows == [] and dom.status.startswith("404")
