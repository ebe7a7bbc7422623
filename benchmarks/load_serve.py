#!/usr/bin/env python
"""Load test for ``npkg serve``: concurrent clients, mixed named and free queries, a pathological neighbour.

    python benchmarks/load_serve.py [--seconds 60] [--clients 16] [--workers 2] [--timeout 5] [--url URL]

Starts ``npkg serve`` on 127.0.0.1 (a free port) unless ``--url`` names a running one, then:

1. golden answers: every request of the mix once, from a single client;
2. phase A (half of --seconds): ``--clients`` threads, each on its own keep-alive connection,
   send the mix (every named query with all its example parameters, and a few free SPARQL
   queries) in a shuffled loop;
3. phase B (the other half): the same load while one more client keeps sending a
   pathological query (a 3-way cartesian COUNT with a REGEX) that the server must kill at its
   deadline.

It prints p50 / p95 latency per kind and phase, errors, wrong answers (a 200 whose answer
differs from the golden one; blank-node labels are masked, since each worker holds its own
copy of the store), and how late past the deadline the pathological query was answered.
Figures only: nothing here asserts on a timing. Targets from issue 5: 0 errors, 0 wrong
answers, named-query p95 under 100 ms, and phase B's cheap p95 at most 2x phase A's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PATHOLOGICAL = ('SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f '
                'FILTER(REGEX(CONCAT(STR(?b), STR(?d)), "(a+)+$")) }')
FREE = {
    "free-drug-labels": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX npkg: <https://w3id.org/npkg/> "
                        "SELECT ?drug ?label WHERE { ?drug a/rdfs:subClassOf* npkg:Drug ; rdfs:label ?label } "
                        "ORDER BY ?label ?drug",
    "free-count-by-measure": "PREFIX npkg: <https://w3id.org/npkg/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                             "SELECT ?m (COUNT(?f) AS ?n) WHERE { ?f npkg:measure/skos:notation ?m } GROUP BY ?m ORDER BY ?m",
    "free-low-nnt": "PREFIX npkg: <https://w3id.org/npkg/> SELECT ?f ?x WHERE { ?f npkg:measure npkg:NNT ; "
                    "npkg:pointEstimate ?x FILTER(?x < 4) } ORDER BY ?x ?f",
    "free-ask": "PREFIX npkg: <https://w3id.org/npkg/> ASK { ?f npkg:measure npkg:NNH }",
    "free-construct": "CONSTRUCT { <https://w3id.org/npkg/nortriptyline> ?p ?o } "
                      "WHERE { <https://w3id.org/npkg/nortriptyline> ?p ?o }",
}
BNODE = re.compile(r"_:[A-Za-z0-9]+")


def log(msg: str) -> None:
    sys.stderr.write(f"[load] {msg}\n")
    sys.stderr.flush()


def pct(xs: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


# ------------------------------------------------------------------------------ the request mix
def build_mix(base: str) -> list[tuple[str, str, str, bytes | None, dict[str, str]]]:
    """(kind, name, method+path, body, headers) for every named query and free query."""
    conn = _connect(base)
    conn.request("GET", "/queries")
    doc = json.loads(conn.getresponse().read())
    conn.close()
    mix: list[tuple[str, str, str, bytes | None, dict[str, str]]] = []
    for q in doc["queries"]:
        params = {p["name"]: p["example"] for p in q["params"]}  # the documented example call
        path = q["url"] + ("?" + urlencode(params) if params else "")
        mix.append(("named", q["name"], path, None, {"Accept": "application/sparql-results+json"}))
    for name, text in FREE.items():
        accept = "application/n-triples" if text.startswith("CONSTRUCT") else "application/sparql-results+json"
        mix.append(("free", name, "/sparql", urlencode({"query": text}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}))
    return mix


def _connect(base: str, timeout: float = 60) -> http.client.HTTPConnection:
    u = urlsplit(base)
    return http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 80, timeout=timeout)


def normalise(content_type: str, body: bytes) -> Any:
    """An answer in a comparable form: rows sorted, blank-node labels masked."""
    if content_type.startswith("application/n-triples"):
        return sorted(BNODE.sub("_:b", line) for line in body.decode().splitlines())
    doc = json.loads(body)
    if "boolean" in doc:
        return doc["boolean"]
    rows = []
    for b in doc["results"]["bindings"]:
        rows.append(tuple(sorted((k, v["type"], "_:b" if v["type"] == "bnode" else v["value"], v.get("datatype", ""),
                                  v.get("xml:lang", "")) for k, v in b.items())))
    return (tuple(doc["head"]["vars"]), sorted(rows), doc.get("npkg:truncated", False))


def send(conn: http.client.HTTPConnection, item: tuple[str, str, str, bytes | None, dict[str, str]]
         ) -> tuple[int, str, bytes]:
    _kind, _name, path, body, headers = item
    conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, r.getheader("Content-Type") or "", r.read()


def describe(expected: Any, got: Any) -> str:
    """The first difference between two normalised answers, short."""
    if isinstance(expected, tuple) and isinstance(got, tuple):
        if expected[0] != got[0]:
            return f"columns {got[0]} instead of {expected[0]}"
        missing = [r for r in expected[1] if r not in got[1]]
        extra = [r for r in got[1] if r not in expected[1]]
        return (f"{len(got[1])} rows instead of {len(expected[1])}; first missing {missing[:1]}; "
                f"first unexpected {extra[:1]}")[:600]
    return f"{str(got)[:200]} instead of {str(expected)[:200]}"


# ------------------------------------------------------------------------------ the load
class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lat: dict[tuple[str, str], list[float]] = defaultdict(list)  # (phase, kind) -> seconds
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.wrong: dict[str, list[str]] = defaultdict(list)
        self.patho: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.wrong_example: dict[str, tuple[Any, Any]] = {}

    def add(self, phase: str, kind: str, seconds: float) -> None:
        with self.lock:
            self.lat[(phase, kind)].append(seconds)


def client(base: str, mix: list[Any], golden: dict[str, Any], phase: str, stop: threading.Event, rec: Recorder,
           seed: int) -> None:
    rnd = random.Random(seed)
    conn = _connect(base)
    while not stop.is_set():
        order = list(mix)
        rnd.shuffle(order)
        for item in order:
            if stop.is_set():
                break
            t0 = time.perf_counter()
            try:
                status, ctype, body = send(conn, item)
            except (OSError, http.client.HTTPException) as exc:
                rec.errors[phase].append(f"{item[1]}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = _connect(base)
                continue
            dt = time.perf_counter() - t0
            if status != 200:
                rec.errors[phase].append(f"{item[1]}: HTTP {status}: {body[:120]!r}")
                continue
            rec.add(phase, item[0], dt)
            answer = normalise(ctype, body)
            if answer != golden[item[1]]:
                rec.wrong[phase].append(item[1])
                rec.wrong_example.setdefault(item[1], (golden[item[1]], answer))
    conn.close()


def pathological_client(base: str, stop: threading.Event, rec: Recorder, phase: str) -> None:
    conn = _connect(base, timeout=120)
    body = urlencode({"query": PATHOLOGICAL}).encode()
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/sparql", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            r.read()
            rec.patho[phase].append((r.status, time.perf_counter() - t0))
        except (OSError, http.client.HTTPException) as exc:
            rec.errors[phase + " (pathological)"].append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = _connect(base, timeout=120)


def run_phase(base: str, mix: list[Any], golden: dict[str, Any], phase: str, seconds: float, clients: int,
              rec: Recorder, with_pathological: bool) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(base, mix, golden, phase, stop, rec, i)) for i in range(clients)]
    if with_pathological:
        threads.append(threading.Thread(target=pathological_client, args=(base, stop, rec, phase)))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=120)


# ------------------------------------------------------------------------------ server
def start_server(args: argparse.Namespace, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    cmd = [sys.executable, "-m", "npkg.cli", "serve", "--port", "0", "--workers", str(args.workers),
           "--timeout", str(args.timeout)]
    if args.store:
        cmd += ["--store", args.store]
    fh = log_path.open("wb")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fh, cwd=ROOT)
    fh.close()
    end = time.monotonic() + 60
    while time.monotonic() < end:
        m = re.search(r"serving (http://[\d.]+:\d+)/", log_path.read_text(errors="replace"))
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"npkg serve did not start:\n{log_path.read_text(errors='replace')}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="total load time, split over the two phases")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the server this script starts")
    ap.add_argument("--timeout", type=float, default=5.0, help="per-query deadline of the server this script starts")
    ap.add_argument("--store", help="release file to serve (default: the built release)")
    ap.add_argument("--url", help="an already running npkg serve (its own workers and timeout apply)")
    args = ap.parse_args()

    proc = None
    tmp = tempfile.TemporaryDirectory()
    if args.url:
        base = args.url.rstrip("/")
    else:
        proc, base = start_server(args, Path(tmp.name) / "serve.log")
    try:
        mix = build_mix(base)
        log(f"{base}: {sum(m[0] == 'named' for m in mix)} named + {sum(m[0] == 'free' for m in mix)} free requests in the mix")
        golden: dict[str, Any] = {}
        conn = _connect(base)
        single: dict[str, list[float]] = defaultdict(list)
        for _ in range(3):
            for item in mix:
                t0 = time.perf_counter()
                status, ctype, body = send(conn, item)
                single[item[0]].append(time.perf_counter() - t0)
                if status != 200:
                    raise SystemExit(f"golden run: {item[1]} gave HTTP {status}: {body[:300]!r}")
                answer = normalise(ctype, body)
                if golden.setdefault(item[1], answer) != answer:
                    raise SystemExit(f"golden run: {item[1]} is not deterministic across requests")
        conn.close()
        rec = Recorder()
        half = args.seconds / 2
        log(f"phase A: {args.clients} clients for {half:g} s")
        run_phase(base, mix, golden, "A", half, args.clients, rec, with_pathological=False)
        log(f"phase B: {args.clients} clients + 1 pathological client for {half:g} s")
        run_phase(base, mix, golden, "B", half, args.clients, rec, with_pathological=True)
        health = {}
        try:
            c = _connect(base)
            c.request("GET", "/health")
            health = json.loads(c.getresponse().read())
            c.close()
        except (OSError, ValueError):
            pass
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        tmp.cleanup()

    print(f"npkg serve load test: {base}, {args.clients} clients, {args.seconds:g} s "
          f"({'external server' if args.url else f'{args.workers} workers, {args.timeout:g} s deadline'}), "
          f"{os.cpu_count()} CPUs")
    print(f"single client (golden run): named p50 {pct(single['named'], 50) * 1000:.1f} ms, "
          f"free p50 {pct(single['free'], 50) * 1000:.1f} ms")
    print()
    print(f"{'phase':<34}{'kind':<7}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    names = {"A": "A: mixed load", "B": "B: same + pathological neighbour"}
    for phase in ("A", "B"):
        for kind in ("named", "free"):
            xs = rec.lat[(phase, kind)]
            print(f"{names[phase]:<34}{kind:<7}{len(xs):>9}{len(xs) / half:>8.0f}{pct(xs, 50) * 1000:>9.1f}"
                  f"{pct(xs, 95) * 1000:>9.1f}{(max(xs) if xs else math.nan) * 1000:>9.1f}")
    print()
    for phase in ("A", "B"):
        errs = rec.errors[phase] + rec.errors.get(phase + " (pathological)", [])
        print(f"phase {phase}: errors {len(errs)}, wrong answers {len(rec.wrong[phase])}")
        for e in sorted(set(errs))[:5]:
            print(f"    error: {e}")
        for w in sorted(set(rec.wrong[phase]))[:5]:
            print(f"    wrong: {w} ({rec.wrong[phase].count(w)}x): {describe(*rec.wrong_example[w])}")
    cheap_a = rec.lat[("A", "named")] + rec.lat[("A", "free")]
    cheap_b = rec.lat[("B", "named")] + rec.lat[("B", "free")]
    ratio = pct(cheap_b, 95) / pct(cheap_a, 95) if cheap_a and cheap_b else math.nan
    print(f"cheap queries p95: {pct(cheap_a, 95) * 1000:.1f} ms alone, {pct(cheap_b, 95) * 1000:.1f} ms beside the "
          f"pathological query ({ratio:.2f}x; target <= 2x)")
    print(f"named queries p95 in phase A: {pct(rec.lat[('A', 'named')], 95) * 1000:.1f} ms (target < 100 ms)")
    patho = rec.patho["B"]
    if patho:
        statuses = defaultdict(int)
        for s, _ in patho:
            statuses[s] += 1
        late = [dt - args.timeout for s, dt in patho if s in (503, 504)] if not args.url else []
        print(f"pathological query: {len(patho)} sent, statuses {dict(statuses)}, answer at "
              f"{pct([dt for _, dt in patho], 50):.2f} s median, {max(dt for _, dt in patho):.2f} s max"
              + (f" (at most {max(late):.2f} s after the {args.timeout:g} s deadline; contract: <= 2 s)" if late else ""))
    if health:
        print(f"server counters: timeouts {health.get('timeouts')}, worker crashes {health.get('crashes')}, "
              f"workers replaced {health.get('replaced')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
