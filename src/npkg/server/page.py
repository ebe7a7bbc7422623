"""The page at ``/``: named queries as forms, a SPARQL editor and a results table.

One self-contained HTML document (inline CSS and JavaScript, no CDN, no external fetch), so it
works offline and under a strict Content-Security-Policy. It is kept in a Python string rather
than a data file so it ships with the package without packaging configuration. Values reach
the DOM only through ``textContent`` (never ``innerHTML``), so result text cannot inject markup.

The URL fragment drives it, which makes every view linkable and testable in a headless browser:
``#query=NAME&param=value`` runs a named query, ``#sparql=TEXT`` a free query and
``#entity=CURIE`` lists the facts about one entity.
"""

from __future__ import annotations

import json

from npkg import __version__
from npkg.prefixes import PREFIX_MAP

_PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>npkg SPARQL endpoint</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
header { background: #234; color: #fff; padding: .6em 1em; }
header a { color: #cde; }
main { display: grid; grid-template-columns: minmax(16em, 24em) 1fr; gap: 1em; padding: 1em; }
#queries details { border-bottom: 1px solid #ddd; padding: .3em 0; }
#queries summary { cursor: pointer; font-weight: 600; }
#queries label { display: block; font-size: 90%; margin-top: .3em; }
#queries input, #queries select { width: 95%; }
textarea { width: 100%; height: 12em; font: 13px monospace; }
table { border-collapse: collapse; margin-top: .5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #eef; }
#status { margin-top: .5em; color: #555; }
#status.error { color: #a00; white-space: pre-wrap; }
pre#graph { background: #f6f6f6; padding: .5em; overflow: auto; }
</style>
</head>
<body>
<header><strong>npkg</strong> read-only SPARQL endpoint &middot; <a href="/sparql">service description</a>
&middot; <a href="/queries">named queries (JSON)</a> &middot; npkg __VERSION__</header>
<main>
<section id="queries" aria-label="named queries"><h2>Named queries</h2><p id="qstatus">loading&hellip;</p></section>
<section>
<h2>SPARQL</h2>
<form id="editor">
<textarea id="sparql" name="query" spellcheck="false">PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX npkg: <https://w3id.org/npkg/>
SELECT ?drug ?label WHERE { ?drug a/rdfs:subClassOf* npkg:Drug ; rdfs:label ?label } ORDER BY ?label LIMIT 50</textarea>
<button type="submit">Run</button>
</form>
<h2 id="title">Results</h2>
<div id="status"></div>
<table id="results"><thead></thead><tbody></tbody></table>
<pre id="graph" hidden></pre>
</section>
</main>
<script>
"use strict";
const PREFIXES = __PREFIXES__;
const RESULTS_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
const $ = (id) => document.getElementById(id);
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function curie(iri) {
  let best = null;
  for (const [p, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) best = [p, ns];
  }
  return best ? best[0] + ":" + iri.slice(best[1].length) : null;
}
function cell(term) {
  const td = el("td");
  if (!term) return td;
  if (term.type === "uri") {
    const c = curie(term.value);
    const a = el("a", c || term.value, {href: "/entity?id=" + encodeURIComponent(c || term.value), title: term.value});
    a.className = "entity";
    td.appendChild(a);
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else {
    td.textContent = term.value;
    if (term["xml:lang"]) td.appendChild(el("sup", "@" + term["xml:lang"]));
  }
  return td;
}
function setStatus(text, isError) { const s = $("status"); s.textContent = text; s.className = isError ? "error" : ""; }
function clearResults() {
  $("results").tHead.replaceChildren(); $("results").tBodies[0].replaceChildren(); $("graph").hidden = true;
}
async function show(response, title) {
  $("title").textContent = title;
  clearResults();
  const type = (response.headers.get("Content-Type") || "").split(";")[0];
  const text = await response.text();
  if (!response.ok) { setStatus(response.status + ": " + text, true); return; }
  if (!type.endsWith("json")) { $("graph").textContent = text; $("graph").hidden = false; setStatus("graph result"); return; }
  const doc = JSON.parse(text);
  if ("boolean" in doc) { setStatus("ASK: " + doc.boolean); return; }
  const vars = doc.head.vars, rows = doc.results.bindings;
  const hr = el("tr"); vars.forEach((v) => hr.appendChild(el("th", v))); $("results").tHead.appendChild(hr);
  const body = $("results").tBodies[0];
  for (const b of rows) {
    const tr = el("tr"); tr.className = "row"; vars.forEach((v) => tr.appendChild(cell(b[v]))); body.appendChild(tr);
  }
  const cut = response.headers.get("X-npkg-truncated") === "true" || doc["npkg:truncated"] === true;
  setStatus(rows.length + " row" + (rows.length === 1 ? "" : "s") + (cut ? " (truncated at the server's row cap)" : ""));
}
async function run(url, init, title) {
  setStatus("running\u2026");
  try { await show(await fetch(url, init), title); }
  catch (err) { setStatus("request failed: " + err, true); }
}
function runNamed(name, params) {
  const qs = new URLSearchParams(params).toString();
  return run("/queries/" + encodeURIComponent(name) + (qs ? "?" + qs : ""), {headers: {Accept: RESULTS_ACCEPT}}, name);
}
function runSparql(text) {
  return run("/sparql", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded", Accept: RESULTS_ACCEPT},
                         body: new URLSearchParams({query: text}).toString()}, "SPARQL query");
}
function runEntity(id) {
  return run("/entity?id=" + encodeURIComponent(id), {headers: {Accept: "application/sparql-results+json"}}, id);
}
function fromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.has("query")) {
    const name = h.get("query"); const params = {};
    for (const [k, v] of h) if (k !== "query" && v !== "") params[k] = v;
    return runNamed(name, params);
  }
  if (h.has("sparql")) { $("sparql").value = h.get("sparql"); return runSparql(h.get("sparql")); }
  if (h.has("entity")) return runEntity(h.get("entity"));
  return Promise.resolve();
}
function queryForm(q) {
  const d = el("details"); d.id = "q-" + q.name;
  d.appendChild(el("summary", q.name));
  d.appendChild(el("div", q.title));
  const f = el("form"); f.dataset.query = q.name;
  for (const p of q.params) {
    const lab = el("label", p.name + (p.required ? " (required)" : "") + ": " + p.description);
    let input;
    if (p.choices.length) {
      input = el("select"); input.appendChild(el("option", "", {value: ""}));
      p.choices.forEach((c) => input.appendChild(el("option", c, {value: c})));
    } else {
      input = el("input", null, {type: "text", placeholder: "e.g. " + p.example});
    }
    input.name = p.name; if (p.required) input.required = true;
    lab.appendChild(input); f.appendChild(lab);
  }
  f.appendChild(el("button", "Run " + q.name, {type: "submit"}));
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const h = new URLSearchParams({query: q.name});
    for (const [k, v] of new FormData(f)) if (v !== "") h.append(k, v);
    location.hash = h.toString();
  });
  d.appendChild(f);
  return d;
}
async function loadQueries() {
  try {
    const r = await fetch("/queries", {headers: {Accept: "application/json"}});
    const doc = await r.json();
    $("qstatus").textContent = doc.queries.length + " queries; at most " + doc.maxRows + " rows, "
      + doc.timeoutSeconds + " s each";
    doc.queries.forEach((q) => $("queries").appendChild(queryForm(q)));
  } catch (err) { $("qstatus").textContent = "could not list the queries: " + err; }
}
$("editor").addEventListener("submit", (ev) => {
  ev.preventDefault();
  location.hash = new URLSearchParams({sparql: $("sparql").value}).toString();
});
window.addEventListener("hashchange", fromHash);
Promise.all([loadQueries(), fromHash()]).then(() => document.body.setAttribute("data-ready", "1"));
</script>
</body>
</html>
"""


def render_page() -> bytes:
    """The page with npkg's prefix map (for showing IRIs as CURIEs) written into it."""
    prefixes = json.dumps(PREFIX_MAP, sort_keys=True).replace("<", "\\u003c")
    return _PAGE.replace("__PREFIXES__", prefixes).replace("__VERSION__", __version__).encode("utf-8")
