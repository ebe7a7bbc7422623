"""Commands that read the graph: queries, query, sparql, show, search, stats."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from npkg.cli.output import FORMATS, default_format, render
from npkg.errors import EXIT_OK, EXIT_USAGE, UsageError


def _kg(args: argparse.Namespace) -> Any:
    from npkg.api import open_graph

    return open_graph(args.endpoint, store=args.store)


def register(sub: Any) -> None:
    p = sub.add_parser("queries", help="list the named queries with their parameters")
    p.set_defaults(func=cmd_queries)
    p = sub.add_parser("query", help="run a named query")
    p.add_argument("name")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V", help="a parameter, repeatable")
    p.add_argument("--format", "-f", choices=FORMATS)
    p.set_defaults(func=cmd_query)
    p = sub.add_parser("sparql", help="run a SPARQL SELECT query from a file or - (stdin)")
    p.add_argument("file")
    p.add_argument("--format", "-f", choices=FORMATS)
    p.set_defaults(func=cmd_sparql)
    p = sub.add_parser("show", help="every fact about one entity, with sources")
    p.add_argument("id", help="a CURIE, IRI, label or synonym")
    p.add_argument("--format", "-f", choices=FORMATS)
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("search", help="find entities by label or synonym (prefix or substring)")
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("stats", help="coverage counts of the graph")
    p.add_argument("--format", "-f", choices=FORMATS)
    p.set_defaults(func=cmd_stats)


def _emit(result: Any, fmt: str | None) -> int:
    sys.stdout.write(render(result, fmt or default_format(sys.stdout)))
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    from npkg import catalog

    for q in catalog.catalog().values():
        sys.stdout.write(f"{q.name}\t{q.title}\n")
        for p in q.params:
            sys.stdout.write(f"    --param {p.name}=...  {p.kind}, {'required' if p.required else 'optional'}: "
                             f"{p.description} (e.g. {p.example})\n")
    return EXIT_OK


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {pair!r}: expected KEY=VALUE")
        if key in params:
            raise UsageError(f"--param {key} given twice")
        params[key] = value
    return params


def cmd_query(args: argparse.Namespace) -> int:
    from npkg import catalog

    catalog.get(args.name)  # unknown name: usage error listing the names, before opening a store
    return _emit(_kg(args).query(args.name, **parse_params(args.param)), args.format)


def cmd_sparql(args: argparse.Namespace) -> int:
    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise UsageError(f"{args.file}: cannot read: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"{args.file}: not UTF-8 (byte {exc.start})") from None
    return _emit(_kg(args).sparql(text), args.format)


def cmd_show(args: argparse.Namespace) -> int:
    from npkg.api import QueryResult
    from npkg.prefixes import expand
    from npkg.store import IRI

    kg = _kg(args)
    curie = kg.resolve(args.id)
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX npkg: <https://w3id.org/npkg/>\n"
        "SELECT ?direction ?property ?value ?valueLabel ?source WHERE {\n"
        "  { ?entity ?property ?value BIND(\"out\" AS ?direction) OPTIONAL { ?value rdfs:label ?valueLabel } }\n"
        "  UNION { ?value ?property ?entity BIND(\"in\" AS ?direction) OPTIONAL { ?value rdfs:label ?valueLabel }\n"
        "          FILTER (?property NOT IN (<http://www.w3.org/2002/07/owl#annotatedSource>, <http://www.w3.org/2002/07/owl#annotatedTarget>)) }\n"
        "  OPTIONAL { ?value npkg:source/rdfs:label ?source }\n"
        "  FILTER (!isBlank(?value))\n"
        "} ORDER BY ?direction ?property ?value")
    raw = kg.store.select(text, {"entity": [IRI(expand(curie))]})
    return _emit(QueryResult(raw.variables, raw), args.format)


def cmd_search(args: argparse.Namespace) -> int:
    hits = _kg(args).search(args.text, limit=args.limit)
    for curie, label in hits:
        sys.stdout.write(f"{curie}\t{label}\n")
    return EXIT_OK if hits else 1


STATS_QUERY = """PREFIX npkg: <https://w3id.org/npkg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?what ?count WHERE {
  { SELECT ("drugs" AS ?what) (COUNT(DISTINCT ?d) AS ?count) WHERE { ?d a/rdfs:subClassOf+ npkg:Drug FILTER(STRSTARTS(STR(?d), STR(npkg:))) } }
  UNION { SELECT ("drug classes" AS ?what) (COUNT(DISTINCT ?c) AS ?count) WHERE { ?c rdfs:subClassOf+ npkg:Drug } }
  UNION { SELECT ("conditions" AS ?what) (COUNT(DISTINCT ?c) AS ?count) WHERE { ?c rdfs:subClassOf+ npkg:Condition } }
  UNION { SELECT ("findings" AS ?what) (COUNT(DISTINCT ?f) AS ?count) WHERE { ?f a/rdfs:subClassOf* npkg:Finding } }
  UNION { SELECT ("findings with a 95% CI" AS ?what) (COUNT(DISTINCT ?f) AS ?count) WHERE { ?f npkg:ciLower ?x } }
  UNION { SELECT ("NNT findings" AS ?what) (COUNT(DISTINCT ?f) AS ?count) WHERE { ?f npkg:measure npkg:NNT } }
  UNION { SELECT ("NNH findings" AS ?what) (COUNT(DISTINCT ?f) AS ?count) WHERE { ?f npkg:measure npkg:NNH } }
  UNION { SELECT ("sources" AS ?what) (COUNT(DISTINCT ?s) AS ?count) WHERE { ?s a npkg:Source } }
  UNION { SELECT ("sources cited by findings" AS ?what) (COUNT(DISTINCT ?s) AS ?count) WHERE { ?f a/rdfs:subClassOf* npkg:Finding ; npkg:source ?s } }
  UNION { SELECT ("recommendations" AS ?what) (COUNT(DISTINCT ?r) AS ?count) WHERE { ?r a npkg:Recommendation } }
  UNION { SELECT ("mechanism paths" AS ?what) (COUNT(DISTINCT ?p) AS ?count) WHERE { ?p a npkg:MechanismPath } }
  UNION { SELECT ("mechanism steps" AS ?what) (COUNT(DISTINCT ?p) AS ?count) WHERE { ?p a npkg:MechanismStep } }
  UNION { SELECT ("molecular targets" AS ?what) (COUNT(DISTINCT ?p) AS ?count) WHERE { ?p a npkg:MolecularTarget } }
  UNION { SELECT ("adverse effects" AS ?what) (COUNT(DISTINCT ?p) AS ?count) WHERE { ?p a npkg:AdverseEffect } }
  UNION { SELECT ("safety statements" AS ?what) (COUNT(DISTINCT ?p) AS ?count) WHERE { ?p a/rdfs:subClassOf* npkg:SafetyStatement } }
  UNION { SELECT ("cross-references" AS ?what) (COUNT(*) AS ?count) WHERE { ?s skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?o } }
  UNION { SELECT ("triples" AS ?what) (COUNT(*) AS ?count) WHERE { ?s ?p ?o } }
} ORDER BY ?what"""


def cmd_stats(args: argparse.Namespace) -> int:
    return _emit(_kg(args).sparql(STATS_QUERY), args.format)


__all__ = ["EXIT_USAGE", "register"]
