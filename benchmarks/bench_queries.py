#!/usr/bin/env python
"""Benchmark npkg: import and CLI cold start, every named query in process (pyoxigraph, through
the npkg API and raw) against rdflib's SPARQL engine, load time, peak RSS, build and validate.

    python benchmarks/bench_queries.py [--runs N] [--release PATH] [--skip-build]
                                       [--rdflib-runs N] [--budget S] [--rdflib-timeout S] [--procs N]

The report (plain-text tables) goes to stdout and progress to stderr. Every number is a median of
several runs (p95 where stated) and every ratio compares numbers measured in this same run, so
compare reports across machines through their ratios. Nothing here asserts on a timing; targets
(../shared/reference/performance.md) are printed next to the measurements.

* Fresh-process timings run twice: with the environment as set (here PYTHONDONTWRITEBYTECODE=1,
  so npkg is compiled from source on every start) and with a private bytecode cache
  (PYTHONPYCACHEPREFIX in a temporary directory); nothing is written into the checkout.
* A query that would take longer than --budget seconds per engine gets fewer runs (the table
  shows n). rdflib runs in a child process and a query still running after --rdflib-timeout
  seconds is stopped and reported as a timeout.
* The build section copies ontology/npkg-edit.ttl, ontology/release.json, ontology/imports/ (if
  present), data/, shapes/ and queries/ to a temporary directory and builds there.

With the defaults the script takes about 2-3 minutes on an otherwise idle 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TARGET_QUERY_MS = 2.0
TARGET_CLI_MS, STRETCH_CLI_MS = 100.0, 60.0
TARGET_IMPORT_MS = 50.0
CLI_QUERY = ["query", "efficacy-by-condition", "-p", "condition=MONDO:0041052", "-p", "measure=NNT", "-f", "tsv"]
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("decimal", "integer", "int", "long", "short", "byte", "double", "float",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


# --------------------------------------------------------------------------------------- helpers
def log(msg: str) -> None:
    sys.stderr.write(f"[bench] {msg}\n")
    sys.stderr.flush()


def med(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def p95(xs: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def ms(x: float, digits: int | None = None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if digits is None:
        digits = 3 if x < 1 else 2 if x < 10 else 1 if x < 1000 else 0
    return f"{x:.{digits}f}"


def ratio(a: float, b: float) -> str:
    if not a or not b or math.isnan(a) or math.isnan(b):
        return "-"
    r = a / b
    return f"{r:.1f}x" if r < 100 else f"{r:.0f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain-text table; columns whose index is in ``right`` are right-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        return "  ".join(padded).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


def section(title: str) -> None:
    print()
    print(title)
    print("=" * len(title))


def out(text: str = "") -> None:
    print(text)
    sys.stdout.flush()


def npkg_cmd() -> list[str]:
    """The installed ``npkg`` console script next to this interpreter, else ``python -m npkg.cli``."""
    script = Path(PY).parent / "npkg"
    return [str(script)] if script.exists() else [PY, "-m", "npkg.cli"]


def wall(cmd: Sequence[str], **kw: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    return (time.perf_counter() - t0) * 1000, proc


#: environments for child processes: "as set" is this process's own environment; "pyc cached" lets Python
#: write and reuse bytecode in a private cache (PYTHONPYCACHEPREFIX), so nothing is written into the checkout
ENVS: dict[str, dict[str, str]] = {"as set": dict(os.environ)}


def bytecode_note() -> str:
    pycache = ROOT / "src" / "npkg" / "__pycache__"
    cached = pycache.is_dir() and any(pycache.glob("*.pyc"))
    return (f"sys.dont_write_bytecode={sys.flags.dont_write_bytecode} "
            f"(PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}); "
            f"src/npkg/__pycache__ {'has .pyc files' if cached else 'has no .pyc files'}")


def interleaved(cmds: dict[str, tuple[Sequence[str], str]], n: int, warmup: int = 1) -> dict[str, list[float]]:
    """Wall ms of each (command, env name), run round-robin (drift hits all alike); warm-up dropped."""
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for i in range(warmup + n):
        for k, (cmd, env) in cmds.items():
            t, proc = wall(cmd, env=ENVS[env])
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
            if i >= warmup:
                times[k].append(t)
    return times


def timeit(fn: Callable[[], Any], n: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    gc.collect()
    xs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t0) * 1000)
    return xs


# --------------------------------------------------------------------------------------- machine
def machine(release: Path) -> None:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() if shutil.which("nproc") else "?"
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import pyoxigraph
    import rdflib

    import npkg

    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "?"
    section("Machine")
    rows = [
        ("nproc", f"{nproc} (os.cpu_count {os.cpu_count()})"),
        ("CPU", cpu),
        ("memory", mem),
        ("load average", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("python", f"{platform.python_version()} ({platform.python_implementation()}) {PY}"),
        ("platform", platform.platform()),
        ("pyoxigraph / rdflib", f"{pyoxigraph.__version__} / {rdflib.__version__}"),
        ("npkg", f"{npkg.__version__} at {ROOT} (git {commit})"),
        ("release", f"{release} ({release.stat().st_size / 1024:.0f} KiB)"),
        ("bytecode", bytecode_note()),
        ("started", time.strftime("%Y-%m-%d %H:%M:%S %Z")),
    ]
    out(table(("", ""), rows))


# --------------------------------------------------------------------------------------- 1 + 2
def bench_import(n: int) -> None:
    log(f"1. import npkg: {n} fresh processes each (+1 warm-up), as set and with a bytecode cache")
    cmds = {(what, env): ([PY, "-c", code], env) for env in ENVS
            for what, code in (("python -c pass", "pass"), ('python -c "import npkg"', "import npkg"))}
    t = interleaved(cmds, n)  # type: ignore[arg-type]
    section(f"1. `import npkg` (new process, wall ms, median of {n}, interleaved with the bare interpreter)")
    out(f"bytecode: {bytecode_note()}.")
    out("'pyc cached' runs the same processes with PYTHONPYCACHEPREFIX=<temporary dir> and bytecode writing on, so")
    out("modules are compiled once (in the warm-up) and then loaded from .pyc, as in a normal installation.")
    out()
    rows = []
    for env in ENVS:
        bare, imp = med(t[("python -c pass", env)]), med(t[('python -c "import npkg"', env)])
        for what in ("python -c pass", 'python -c "import npkg"'):
            xs = t[(what, env)]
            rows.append((what, env, ms(med(xs)), ms(min(xs)), ms(max(xs))))
        rows.append(("import npkg (difference of medians)", env, ms(imp - bare), "", ""))
    out(table(("process", "bytecode", "median", "min", "max"), rows, right=(2, 3, 4)))
    out(f"target for importing the package: <= {TARGET_IMPORT_MS:.0f} ms")


def bench_cli(n: int, release: Path | None) -> None:
    base = npkg_cmd() + (["--store", str(release)] if release else [])
    cmds = {(k, env): (cmd, env) for k, cmd in (("query", base + CLI_QUERY), ("stats", [*base, "stats"])) for env in ENVS}
    log(f"2. cold CLI: {n} fresh processes each (+1 warm-up), as set and with a bytecode cache")
    bares = {("pass", env): ([PY, "-c", "pass"], env) for env in ENVS}
    t = interleaved(cmds | bares, n)  # type: ignore[arg-type, operator]
    bare, bare_cached = med(t[("pass", "as set")]), med(t[("pass", "pyc cached")])
    _, q = wall(base + CLI_QUERY)
    qrows = max(0, len(q.stdout.splitlines()) - 1)
    section(f"2. Cold CLI (new process, wall ms, median of {n}; target {TARGET_CLI_MS:.0f} ms, stretch {STRETCH_CLI_MS:.0f} ms)")
    rows = []
    for (k, env), (cmd, _) in cmds.items():
        m = med(t[(k, env)])
        b = bare if env == "as set" else bare_cached
        verdict = "stretch met" if m <= STRETCH_CLI_MS else "target met" if m <= TARGET_CLI_MS else "ABOVE TARGET"
        shown = "npkg " + " ".join(cmd[len(npkg_cmd()):])
        rows.append((shown, env, ms(m), ms(min(t[(k, env)])), ms(max(t[(k, env)])), ms(m - b),
                     f"{m / TARGET_CLI_MS:.1f}x", verdict))
    out(table(("command", "bytecode", "median", "min", "max", "minus python", "vs target", ""), rows,
              right=(2, 3, 4, 5, 6)))
    out(f"(the query printed {qrows} TSV rows; 'minus python' subtracts the bare `python -c pass` median of the same")
    out(f"bytecode mode, interleaved with these runs: {ms(bare)} ms as set, {ms(bare_cached)} ms pyc cached)")

    # where the CLI's start-up goes: one -X importtime run of the same command, top modules by own time
    code = ("import sys; from npkg.cli import main; sys.exit(main(sys.argv[1:]))")
    args = (["--store", str(release)] if release else []) + CLI_QUERY
    proc = subprocess.run([PY, "-X", "importtime", "-c", code, *args], capture_output=True, text=True,
                          env=ENVS["as set"])
    mods = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            parts = line[len("import time:"):].split("|")
            try:
                mods.append((int(parts[0]), int(parts[1]), parts[2].rstrip()))
            except (ValueError, IndexError):
                continue
    if mods:
        total_self = sum(m[0] for m in mods)
        top = [m for m in mods if not m[2].startswith("  ")]  # top-level imports (one leading space)
        top.sort(key=lambda m: -m[1])
        out()
        out(f"2b. Imports of that CLI query process (one `-X importtime` run, bytecode as set; all imports "
            f"{total_self / 1000:.1f} ms of self time, compiling included). Top-level imports by cumulative ms:")
        out(table(("module", "cumulative ms", "self ms"),
                  [(m[2].strip(), ms(m[1] / 1000), ms(m[0] / 1000)) for m in top[:12]], right=(1, 2)))
        by_self = sorted(mods, key=lambda m: -m[0])[:10]
        out()
        out("Modules with the most self time (any depth):")
        out(table(("module", "self ms", "cumulative ms"),
                  [(m[2].strip(), ms(m[0] / 1000), ms(m[1] / 1000)) for m in by_self], right=(1, 2)))
        heavy = sorted({m[2].strip().split(".")[0] for m in mods if m[2].strip().split(".")[0]
                        in ("rdflib", "pyshacl", "owlready2", "SPARQLWrapper", "curies", "pydantic", "pandas")})
        out(f"heavy libraries imported by the CLI query path: {', '.join(heavy) if heavy else 'none'}")


CLI_PHASES = r"""
import json, sys, time
t = [time.perf_counter()]
import npkg.cli
t.append(time.perf_counter())
from npkg.cli import build_parser
argv = sys.argv[1:]
try:
    parser = build_parser(argv)  # newer CLIs import only the module that owns the command
except TypeError:
    parser = build_parser()
args = parser.parse_args(argv)
from npkg.cli import query_cmds
params = query_cmds.parse_params(args.param)
t.append(time.perf_counter())
from npkg.api import open_graph
from npkg.cli.output import render
import npkg.store.embedded
t.append(time.perf_counter())
kg = open_graph(store=args.store)
t.append(time.perf_counter())
res = kg.query(args.name, **params)
rows = res.rows
t.append(time.perf_counter())
text = render(res, args.format or "tsv")
t.append(time.perf_counter())
names = ["import npkg.cli", "build_parser (imports command modules) + parse args", "import npkg.api, store, output",
         "open_graph (load release)", "kg.query(...).rows (resolve + bind + run + convert)", "render TSV"]
print(json.dumps({n: (b - a) * 1000 for n, a, b in zip(names, t, t[1:])}))
"""


def bench_cli_phases(n: int, release: Path | None) -> None:
    """Where the CLI query's time goes inside the process (interpreter start-up not included)."""
    args = (["--store", str(release)] if release else []) + CLI_QUERY
    phases: dict[str, dict[str, list[float]]] = {env: {} for env in ENVS}
    try:
        for env in ENVS:
            wall([PY, "-c", CLI_PHASES, *args], env=ENVS[env])  # warm-up (fills the bytecode cache)
        for _ in range(n):
            for env in ENVS:
                t, proc = wall([PY, "-c", CLI_PHASES, *args], env=ENVS[env])
                if proc.returncode != 0:
                    raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
                for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items():
                    phases[env].setdefault(k, []).append(v)
                phases[env].setdefault("whole process, wall", []).append(t)
    except Exception as exc:  # the phases use internal names; report and continue
        out()
        out(f"2c. In-process phases of the CLI query: not available ({short_error(exc, 120)})")
        return
    out()
    out(f"2c. In-process phases of the same CLI query (ms, median of {n} fresh processes per bytecode mode; the phases")
    out("call npkg's own functions in the order the CLI does, so they add up to the command minus interpreter start-up):")
    envs = list(ENVS)
    keys = [k for k in phases[envs[0]] if k != "whole process, wall"]
    rows = [(k, *(ms(med(phases[e][k])) for e in envs)) for k in keys]
    rows.append(("sum of phases", *(ms(sum(med(phases[e][k]) for k in keys)) for e in envs)))
    rows.append(("whole process, wall", *(ms(med(phases[e]["whole process, wall"])) for e in envs)))
    out(table(("phase", *envs), rows, right=tuple(range(1, len(envs) + 1))))


# --------------------------------------------------------------------------------------- 3 + 4
SEP = "\x1f"


def norm_ox(term: Any) -> str | None:
    """A pyoxigraph term as a comparable string (numbers to 6 significant digits, blank nodes anonymous)."""
    from pyoxigraph import BlankNode, Literal, NamedNode

    if term is None:
        return None
    if isinstance(term, NamedNode):
        return "I" + SEP + term.value
    if isinstance(term, BlankNode):
        return "B"
    if isinstance(term, Literal):
        return norm_lit(term.value, term.datatype.value if term.datatype else None, term.language)
    return "?" + SEP + str(term)


def norm_rdflib(term: Any) -> str | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return "I" + SEP + str(term)
    if isinstance(term, BNode):
        return "B"
    if isinstance(term, Literal):
        return norm_lit(str(term), str(term.datatype) if term.datatype else None, term.language)
    return "?" + SEP + str(term)


def norm_lit(lex: str, datatype: str | None, lang: str | None) -> str:
    if datatype in NUMERIC:
        try:
            return "N" + SEP + f"{float(Decimal(lex)):.6g}"
        except (InvalidOperation, ValueError, OverflowError):
            return "N" + SEP + lex
    if lang:
        return "L" + SEP + lex + SEP + lang.lower()
    if datatype in (None, XSD + "string"):
        return "L" + SEP + lex
    return "T" + SEP + lex + SEP + datatype


def differing_columns(a: list[dict[str, Any]], b: list[dict[str, Any]], cols: Sequence[str]) -> list[str]:
    return [c for c in cols if Counter(r.get(c) for r in a) != Counter(r.get(c) for r in b)]


def short_error(exc: BaseException, width: int = 48) -> str:
    msg = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {msg}"
    return text if len(text) <= width else text[: width - 3] + "..."


def adaptive_runs(fn: Callable[[], Any], runs: int, budget_ms: float, minimum: int = 5) -> list[float]:
    """``runs`` timed calls after one warm-up, fewer (not under ``minimum``) when a call is slow."""
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    n = runs if first * runs <= budget_ms else max(minimum, int(budget_ms // max(first, 1e-3)))
    return timeit(fn, min(n, runs), warmup=0)


def alternating_runs(fns: dict[str, Callable[[], Any]], runs: int, budget_ms: float,
                     minimum: int = 5) -> dict[str, list[float]]:
    """Like ``adaptive_runs`` for several functions called in turn, so their ratio shares the conditions."""
    first = 0.0
    for fn in fns.values():
        t0 = time.perf_counter()
        fn()
        first += (time.perf_counter() - t0) * 1000
    n = runs if first * runs <= budget_ms * len(fns) else max(minimum, int(budget_ms * len(fns) // max(first, 1e-3)))
    gc.collect()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(min(n, runs)):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t0) * 1000)
    return times


class Variant:
    def __init__(self, nq: Any, label: str, params: dict[str, str]) -> None:
        self.nq, self.label, self.params = nq, label, params
        self.name = nq.name
        self.text = ""
        self.error = ""
        self.api: list[float] = []
        self.raw: list[float] = []
        self.rows = -1
        self.ox_rows: list[dict[str, Any]] = []
        self.cols: list[str] = []
        self.rdf: list[float] = []
        self.rdf_prep = math.nan
        self.rdf_rows = -1
        self.rdf_error = ""
        self.rdf_diff: list[str] = []


def variants_of(kg: Any) -> list[Variant]:
    vs = []
    for nq in kg.queries().values():
        required = {p.name: p.example for p in nq.params if p.required}
        vs.append(Variant(nq, "required", required))
        if any(not p.required for p in nq.params):
            vs.append(Variant(nq, "all", {p.name: p.example for p in nq.params}))
    return vs


def bench_queries(release: Path, runs: int, budget_ms: float) -> list[Variant]:
    import npkg
    from npkg.bindings import bind
    from npkg.lateral import lateral_optionals

    log("3. in-process named queries on the embedded store (pyoxigraph)")
    kg = npkg.open(release=release)
    ox = kg.store._store  # the pyoxigraph Store behind the embedded store, for the engine-only timing
    vs = variants_of(kg)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for v in vs:
        try:
            bindings = kg.bind_params(v.nq, v.params)
            v.text = bind(v.nq.text, bindings)  # the portable text (rdflib gets it)
            engine_text = bind(lateral_optionals(v.nq.text), bindings)  # what kg.query runs

            def api(v: Variant = v) -> Any:
                return kg.query(v.name, **v.params).rows  # .rows: converted to Python values

            def raw(text: str = engine_text) -> list[tuple[Any, ...]]:
                return [tuple(sol) for sol in ox.query(text)]

            both = alternating_runs({"api": api, "raw": raw}, runs, budget_ms)
            v.api, v.raw = both["api"], both["raw"]
            res = ox.query(engine_text)
            v.cols = [var.value for var in res.variables]
            v.ox_rows = [{c: norm_ox(sol[c]) for c in v.cols} for sol in res]
            v.rows = len(v.ox_rows)
            if v.rows != len(kg.query(v.name, **v.params)):
                v.error = "API and raw row counts differ"
        except Exception as exc:  # report and continue
            v.error = short_error(exc, 200)
        log(f"   {v.name} [{v.label}]: api {ms(med(v.api))} ms, raw {ms(med(v.raw))} ms, {v.rows} rows {v.error}")
    global CPU_SHARE
    CPU_SHARE = (time.process_time() - cpu0) / max(time.perf_counter() - wall0, 1e-9)
    return vs


CPU_SHARE = math.nan


def vm_hwm() -> float:
    """This process's peak RSS in MiB (VmHWM; ru_maxrss as a fallback where /proc is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: peak RSS of the rdflib worker of section 4 (MiB): after importing rdflib, after parsing, at the end
RDFLIB_MEM: dict[str, float] = {}


def rdflib_worker(release: str) -> int:
    """Child process for section 4: holds the rdflib graph, answers one JSON request per line."""
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    hwm_import = vm_hwm()
    t0 = time.perf_counter()
    g = rdflib.Graph()
    g.parse(release, format="nt")
    print(json.dumps({"ready": True, "load_ms": (time.perf_counter() - t0) * 1000, "triples": len(g),
                      "hwm_import": hwm_import, "hwm_load": vm_hwm()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        resp: dict[str, Any] = {}
        try:
            t0 = time.perf_counter()
            prepared = prepareQuery(req["text"])
            resp["prep"] = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            list(g.query(prepared))  # warm-up
            first = (time.perf_counter() - t0) * 1000
            runs, budget = req["runs"], req["budget_ms"]
            n = runs if first * runs <= budget else int(budget // max(first, 1e-3))
            resp["times"] = timeit(lambda p=prepared: list(g.query(p)), min(n, runs), warmup=0) if n >= 1 else [first]
            resp["warmup_only"] = n < 1
            res = g.query(prepared)
            names = [str(x) for x in (res.vars or [])]
            resp["rows"] = [{c: norm_rdflib(row[i]) for i, c in enumerate(names)} for row in res]
        except Exception as exc:  # reported in the table
            resp["error"] = short_error(exc, 200)
        resp["hwm"] = vm_hwm()
        print(json.dumps(resp), flush=True)
    return 0


class RdflibWorker:
    """Runs rdflib in a child process so that a runaway query can be stopped after a timeout."""

    def __init__(self, release: Path) -> None:
        self.release = release
        self.proc: subprocess.Popen[str] | None = None
        self.load_ms = math.nan
        self.starts = 0

    def _start(self) -> None:
        self.proc = subprocess.Popen([PY, str(Path(__file__).resolve()), "--rdflib-worker", str(self.release)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, bufsize=1)
        hello = self._read(120)
        if hello is None:
            raise RuntimeError("the rdflib worker did not start")
        self.load_ms = hello["load_ms"]
        RDFLIB_MEM["import"] = max(RDFLIB_MEM.get("import", 0.0), hello["hwm_import"])
        RDFLIB_MEM["load"] = max(RDFLIB_MEM.get("load", 0.0), hello["hwm_load"])
        self.starts += 1

    def _read(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the rdflib worker exited")
        return json.loads(line)

    def ask(self, text: str, runs: int, budget_ms: float, timeout: float) -> dict[str, Any] | None:
        """The worker's answer, or None after killing it when it takes longer than ``timeout`` s."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"text": text, "runs": runs, "budget_ms": budget_ms}) + "\n")
        self.proc.stdin.flush()
        resp = self._read(timeout + budget_ms / 1000 * 1.5)
        if resp is None:
            self.stop()
        else:
            RDFLIB_MEM["peak"] = max(RDFLIB_MEM.get("peak", 0.0), resp.get("hwm", 0.0))
        return resp

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def bench_rdflib(release: Path, vs: list[Variant], runs: int, budget_ms: float, timeout: float) -> None:
    log(f"4. the same queries on rdflib's SPARQL engine (child process; {timeout:g} s timeout per query)")
    worker = RdflibWorker(release)
    try:
        for v in vs:
            if not v.text:
                v.rdf_error = "not run (failed on pyoxigraph)"
                continue
            try:
                resp = worker.ask(v.text, runs, budget_ms, timeout)
            except Exception as exc:  # the worker itself failed: report and carry on with a new one
                worker.stop()
                v.rdf_error = short_error(exc, 200)
                continue
            if resp is None:
                v.rdf_error = f"TIMEOUT: stopped after {timeout:g} s"
            elif "error" in resp:
                v.rdf_error = resp["error"]
                v.rdf_prep = resp.get("prep", math.nan)
            else:
                v.rdf, v.rdf_prep = resp["times"], resp["prep"]
                v.rdf_rows = len(resp["rows"])
                v.rdf_diff = differing_columns(v.ox_rows, resp["rows"], v.cols)
            log(f"   {v.name} [{v.label}]: rdflib {ms(med(v.rdf))} ms, {v.rdf_rows} rows {v.rdf_error}")
    finally:
        worker.stop()
    RDFLIB_MEM["starts"] = worker.starts
    RDFLIB_MEM["ran"] = sum(1 for v in vs if v.rdf)


def report_queries(vs: list[Variant], runs: int, rdf_runs: int, budget_ms: float, timeout: float) -> None:
    section(f"3. Named queries in process, embedded store (pyoxigraph); ms, median and p95 of n runs after 1 warm-up; "
            f"target p50 <= {TARGET_QUERY_MS:g} ms")
    out("api = kg.query(name, **params).rows (resolve CURIEs, bind, syntax gate, run, convert to Python values);")
    out("raw = pyoxigraph Store.query(bound text) with every solution read (the engine alone); api and raw calls")
    out("alternate, so api/raw compares the same moments;")
    out("variant 'required' binds only the required parameters, 'all' gives every parameter its header example;")
    out(f"n = {runs} runs, fewer (at least 5) when a query would take over {budget_ms / 1000:g} s.")
    out()
    rows = []
    for v in vs:
        a = med(v.api)
        flag = "" if v.error or math.isnan(a) else ("SLOW" if a > TARGET_QUERY_MS else "ok")
        rows.append((v.name, v.label, v.rows if v.rows >= 0 else "-", len(v.api), ms(a), ms(p95(v.api)),
                     ms(med(v.raw)), ms(p95(v.raw)), ms(a - med(v.raw)) if v.api and v.raw else "-",
                     f"{a / med(v.raw):.1f}x" if v.api and v.raw else "-", flag, v.error))
    out(table(("query", "variant", "rows", "n", "api p50", "api p95", "raw p50", "raw p95", "api-raw", "api/raw",
               "<=2ms", "error"), rows, right=(2, 3, 4, 5, 6, 7, 8, 9)))
    out()
    out(f"CPU share of this process while section 3 ran: {CPU_SHARE:.0%} of wall time (about 100% when it had a core "
        f"to itself; lower means other processes competed for the CPUs and inflated these times).")
    ok = [v for v in vs if v.api and v.raw]
    if ok:
        slow = sorted((v for v in ok if med(v.api) > TARGET_QUERY_MS), key=lambda v: -med(v.api))
        slow_raw = [v for v in ok if med(v.raw) > TARGET_QUERY_MS]
        out()
        out(f"{len(ok)} variants of {len({v.name for v in vs})} queries: api p50 median {ms(med([med(v.api) for v in ok]))} ms "
            f"(max {ms(max(med(v.api) for v in ok))}); raw p50 median {ms(med([med(v.raw) for v in ok]))} ms "
            f"(max {ms(max(med(v.raw) for v in ok))}); API overhead api-raw median "
            f"{ms(med([med(v.api) - med(v.raw) for v in ok]))} ms.")
        out(f"api p50 above {TARGET_QUERY_MS:g} ms: {len(slow)} of {len(ok)} variants; the engine alone (raw) is above it "
            f"for {len(slow_raw)}.")
        if slow:
            out("slowest (api p50): " + ", ".join(f"{v.name} [{v.label}] {ms(med(v.api))}" for v in slow[:8]))

    section("4. The same bound query texts on rdflib's SPARQL engine (prepareQuery once, then g.query(prepared); "
            "median of n runs after 1 warm-up)")
    out("ratio = rdflib p50 / pyoxigraph raw p50 (engine vs engine); rows and values compared with pyoxigraph's.")
    out(f"n = {rdf_runs} runs, fewer when a query would take over {budget_ms / 1000:g} s (n=0: only the warm-up run, "
        f"shown as its time); a query still running after {timeout:g} s is stopped (rdflib runs in a child process).")
    out("'values' compares each column's multiset of values (numbers to 6 significant digits) and names the columns")
    out("that differ (e.g. GROUP_CONCAT order, ROUND/division precision, property-path semantics).")
    out()
    rows = []
    for v in vs:
        if v.rdf_error:
            rows.append((v.name, v.label, ms(med(v.raw)), "-", "-", "-", ms(v.rdf_prep), v.rows if v.rows >= 0 else "-",
                         "-", "-", "-", v.rdf_error[:70]))
            continue
        count = "same" if v.rdf_rows == v.rows else f"MISMATCH ({v.rdf_rows - v.rows:+d})"
        values = "same" if not v.rdf_diff else "differ: " + ",".join(v.rdf_diff)
        rows.append((v.name, v.label, ms(med(v.raw)), len(v.rdf), ms(med(v.rdf)), ratio(med(v.rdf), med(v.raw)),
                     ms(v.rdf_prep), v.rows, v.rdf_rows, count, values if len(values) < 60 else values[:57] + "...", ""))
    out(table(("query", "variant", "oxi p50", "n", "rdflib p50", "ratio", "rdflib prep", "oxi rows", "rdflib rows",
               "count", "values", "error"), rows, right=(2, 3, 4, 5, 6, 7, 8)))
    done = [v for v in vs if v.rdf and v.raw]
    if done:
        rs = [med(v.rdf) / med(v.raw) for v in done]
        out()
        out(f"rdflib/pyoxigraph over {len(done)} variants that ran on both: median {med(rs):.0f}x, min {min(rs):.1f}x, "
            f"max {max(rs):.0f}x; sum of p50s {ms(sum(med(v.rdf) for v in done))} vs {ms(sum(med(v.raw) for v in done))} ms. "
            f"(The first prepareQuery includes rdflib's one-off grammar set-up.)")
    mism = [v for v in vs if not v.rdf_error and (v.rdf_rows != v.rows or v.rdf_diff)]
    errs = [v for v in vs if v.rdf_error and v.text]
    out(f"row-count mismatches: {sum(1 for v in mism if v.rdf_rows != v.rows)}; value differences: "
        f"{sum(1 for v in mism if v.rdf_diff)}; rdflib errors or timeouts: {len(errs)}")
    for v in mism:
        out(f"  {v.name} [{v.label}]: pyoxigraph {v.rows} rows, rdflib {v.rdf_rows} rows"
            + (f"; differing columns: {', '.join(v.rdf_diff)}" if v.rdf_diff else ""))
    for v in errs:
        out(f"  {v.name} [{v.label}]: {v.rdf_error}")


def bench_breakdown(release: Path, vs: list[Variant], runs: int) -> None:
    """Where kg.query() spends its time beyond the engine, summed over all variants.

    The stages call npkg internals that may change; a stage that no longer exists or fails is
    reported as n/a instead of stopping the benchmark.
    """
    from pyoxigraph import Store

    import npkg
    from npkg import catalog, syntax
    from npkg.bindings import bind
    from npkg.store import embedded

    kg = npkg.open(release=release)
    ox = kg.store._store
    ok = [v for v in vs if v.api and v.text]
    if not ok:
        return
    log("3b. breakdown of the API overhead")
    convert = getattr(embedded, "convert", None)
    stages: dict[str, Callable[[Variant], Any] | None] = {
        "catalog.get + bind_params (resolve CURIEs)": lambda v: kg.bind_params(catalog.get(v.name), v.params),
        "bindings.bind (VALUES text)": lambda v: bind(v.nq.text, kg.bind_params(v.nq, v.params)),
        "syntax.check_query (regex, nesting scan, parse)":
            (lambda v: syntax.check_query(v.text)) if hasattr(syntax, "check_query") else None,
        "syntax.precheck_query": (lambda v: syntax.precheck_query(v.text)) if hasattr(syntax, "precheck_query") else None,
        "syntax._max_nesting (Python byte scan)":
            (lambda v: syntax._max_nesting(v.text.encode())) if hasattr(syntax, "_max_nesting") else None,
        "parse only (Store().query on an empty store)": lambda v: Store().query(v.text),
        "engine, solutions read by name (sol[var])": lambda v: [{c: sol[c] for c in v.cols} for sol in ox.query(v.text)],
        "engine + embedded.convert() of every term": (lambda v: [tuple(map(convert, sol)) for sol in ox.query(v.text)])
            if convert else None,
        "EmbeddedStore.select (bound terms)": lambda v: kg.store.select(v.nq.text, kg.bind_params(v.nq, v.params)),
        "QueryResult.rows (the whole API call)": lambda v: kg.query(v.name, **v.params).rows,
    }
    n = max(5, runs // 3)
    rows = []
    for label, fn in stages.items():
        if fn is None:
            rows.append((label, "n/a", "", "", "not in this version of npkg"))
            continue
        try:
            per = [med(adaptive_runs(lambda v=v, fn=fn: fn(v), n, 500, minimum=3)) for v in ok]
            rows.append((label, ms(sum(per)), ms(med(per)), ms(max(per)), ""))
        except Exception as exc:  # report and continue
            rows.append((label, "n/a", "", "", short_error(exc, 60)))
    raw = [med(v.raw) for v in ok]
    rows.append(("engine alone (raw, from section 3)", ms(sum(raw)), ms(med(raw)), ms(max(raw)), ""))
    section(f"3b. Where kg.query() time goes (ms per call, median of up to {n}; summed and per-variant over "
            f"{len(ok)} variants)")
    out("Stages overlap: 'EmbeddedStore.select' is bind + checks + engine + term conversion; 'QueryResult.rows' is")
    out("the whole API call. bind_params resolves external CURIEs with an extra query. 'engine alone' reads each")
    out("solution positionally (tuple(sol)); the 'engine, ...' rows read by name, or convert every term to npkg terms.")
    out()
    out(table(("stage", "sum", "median", "max", "note"), rows, right=(1, 2, 3)))


# --------------------------------------------------------------------------------------- 5
RSS_NPKG = r"""
import json, resource, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
r0 = rss()
import npkg
r1 = rss()
kg = npkg.open(release=sys.argv[1])
r2 = rss()
n = 0
for nq in kg.queries().values():
    for params in ({p.name: p.example for p in nq.params if p.required}, {p.name: p.example for p in nq.params}):
        n += len(kg.query(nq.name, **params).rows)
print(json.dumps({"start": r0, "import": r1, "open": r2, "queries": rss(), "rows": n,
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

RSS_BARE = r"""
import json, resource
hwm = next((int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:")), float("nan"))
print(json.dumps({"hwm": hwm, "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

def bench_load_rss(release: Path, vs: list[Variant], n: int = 3) -> None:
    import pyoxigraph
    import rdflib

    import npkg

    log(f"5. load times (median of {n}) and peak RSS of fresh processes")
    fmt = pyoxigraph.RdfFormat.N_TRIPLES

    def ox_bulk() -> None:
        pyoxigraph.Store().bulk_load(path=str(release), format=fmt)

    def ox_load() -> None:
        pyoxigraph.Store().load(path=str(release), format=fmt)

    def open_npkg() -> None:
        npkg.open(release=release)

    def rdf() -> None:
        rdflib.Graph().parse(str(release), format="nt")

    fns = {"pyoxigraph Store.load": ox_load, "pyoxigraph Store.bulk_load": ox_bulk,
           "npkg.open(release=...)": open_npkg, "rdflib Graph.parse(format='nt')": rdf}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm-up: file in page cache, code paths loaded
    for _ in range(n):
        for k, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t0) * 1000)
    base = med(times["pyoxigraph Store.load"])
    s = pyoxigraph.Store()
    s.bulk_load(path=str(release), format=fmt)
    triples = len(s)
    section(f"5. Loading the release ({triples} triples, {release.stat().st_size / 1024:.0f} KiB N-Triples); "
            f"ms, median of {n} after 1 warm-up")
    out(table(("loader", "median", "min", "max", "vs Store.load"),
              [(k, ms(med(t)), ms(min(t)), ms(max(t)), ratio(med(t), base)) for k, t in times.items()],
              right=(1, 2, 3, 4)))

    res = {}
    label = "npkg: import, npkg.open(), every named query (both variants), .rows"
    t, proc = wall([PY, "-c", RSS_NPKG, str(release)])
    if proc.returncode != 0:
        res[label] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    else:
        res[label] = json.loads(proc.stdout.strip().splitlines()[-1]) | {"wall": t}
    _, bare = wall([PY, "-c", RSS_BARE])
    out()
    b = json.loads(bare.stdout)
    out("Peak RSS of a fresh process (MiB): the high-water mark VmHWM from /proc/self/status, read after each step;")
    out(f"bare `python -c ...`: {b['hwm']:.1f} MiB. resource.getrusage(RUSAGE_SELF).ru_maxrss is shown too, but on Linux")
    out("it keeps the high-water mark of the process that forked it across exec (here this benchmark's own process:")
    out(f"{b['maxrss']:.1f} MiB for the bare interpreter), so only a value above that floor is the child's own peak.")
    rows = []
    for label, r in res.items():
        if "error" in r:
            rows.append((label, "-", "-", "-", "-", "-", "-", r["error"]))
        else:
            rows.append((label, f"{r['import']:.1f}", f"{r['open']:.1f}", f"{r['queries']:.1f}", f"{r['maxrss']:.1f}",
                         r["rows"], ms(r["wall"]), ""))
    if RDFLIB_MEM.get("peak"):
        rows.append((f"rdflib worker of section 4: import, parse, the {RDFLIB_MEM['ran']} queries that finished "
                     f"({RDFLIB_MEM['starts']} worker start(s))", f"{RDFLIB_MEM['import']:.1f}", f"{RDFLIB_MEM['load']:.1f}",
                     f"{RDFLIB_MEM['peak']:.1f}", "-", "-", "-", ""))
    out(table(("process", "after import", "after load", "peak (end)", "ru_maxrss", "rows read", "wall ms", "error"), rows,
              right=(1, 2, 3, 4, 5, 6)))
    out("(the rdflib worker is restarted after a timeout; its figures are the highest over its starts)")


# --------------------------------------------------------------------------------------- 6
def bench_build() -> None:
    log("6. npkg build and npkg validate in a temporary copy (about 15 s)")
    section("6. Build and validate (one run each, in a temporary copy of the sources)")
    with tempfile.TemporaryDirectory(prefix="npkg-bench-") as tmp:
        from npkg.build import copy_sources

        t = copy_sources(ROOT, Path(tmp))
        rows = []
        bt, b = wall([*npkg_cmd(), "build", "--root", str(t)])
        timing = next((line for line in b.stderr.splitlines() if "release written" in line),
                      b.stderr.strip().splitlines()[-1] if b.stderr.strip() else "")
        rows.append(("npkg build --root TMP", ms(bt / 1000, 2), b.returncode))
        if b.returncode != 0:
            timing = "(no timing line: the build failed)"
        vt, v = wall([*npkg_cmd(), "validate", "--root", str(t), "--report-dir", str(t / "reports")])
        rows.append(("npkg validate --root TMP --report-dir TMP/reports", ms(vt / 1000, 2), v.returncode))
        out(table(("command", "wall s", "exit"), rows, right=(1, 2)))
        out()
        out("build's stderr timing line:")
        out("  " + timing.replace(tmp, "TMP"))
        summary = [line for line in v.stdout.splitlines() if line.strip()][:3]
        if summary:
            out("validate's report begins:")
            for line in summary:
                out("  " + line.replace(tmp, "TMP"))
        for label, proc in (("build", b), ("validate", v)):
            if proc.returncode not in (0, 1) or (label == "validate" and not summary):
                tail = proc.stderr.strip().splitlines()[-4:]
                out(f"{label} failed (exit {proc.returncode}); last lines of its stderr:")
                for line in tail:
                    out("  " + line.replace(tmp, "TMP"))


# --------------------------------------------------------------------------------------- main
def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--rdflib-worker":  # internal: the child process of section 4
        return rdflib_worker(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30, help="in-process runs per query on pyoxigraph (default 30)")
    ap.add_argument("--rdflib-runs", type=int, default=None, help="runs per query on rdflib (default: --runs / 3, at least 5)")
    ap.add_argument("--budget", type=float, default=1.0, metavar="S",
                    help="time allowed per query and engine before fewer runs are taken (default 1 s)")
    ap.add_argument("--rdflib-timeout", type=float, default=5.0, metavar="S",
                    help="stop an rdflib query after about this long (+1.5 x budget) and report a timeout (default 5 s)")
    ap.add_argument("--procs", type=int, default=9, help="fresh processes for the import and CLI timings (default 9)")
    ap.add_argument("--release", type=Path, default=None, help="release N-Triples (default ontology/release/npkg.nt)")
    ap.add_argument("--skip-build", action="store_true", help="skip section 6 (npkg build / validate)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))  # harmless when npkg is installed (editable) in this venv
    release = (args.release or ROOT / "ontology" / "release" / "npkg.nt").resolve()
    if not release.is_file():
        sys.stderr.write(f"no release at {release}; run `npkg build` first\n")
        return 2
    rdf_runs = args.rdflib_runs or max(5, args.runs // 3)
    budget_ms = args.budget * 1000
    pyc_dir = tempfile.mkdtemp(prefix="npkg-bench-pyc-")
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ENVS["pyc cached"] = cached | {"PYTHONPYCACHEPREFIX": pyc_dir}
    try:
        return run_all(args, release, rdf_runs, budget_ms)
    finally:
        shutil.rmtree(pyc_dir, ignore_errors=True)


def run_all(args: argparse.Namespace, release: Path, rdf_runs: int, budget_ms: float) -> int:
    t0 = time.perf_counter()
    out("npkg query benchmark (benchmarks/bench_queries.py)")
    machine(release)
    bench_import(args.procs)
    bench_cli(args.procs, release if args.release else None)
    bench_cli_phases(max(3, args.procs // 2), release if args.release else None)
    vs = bench_queries(release, args.runs, budget_ms)
    bench_rdflib(release, vs, rdf_runs, budget_ms, args.rdflib_timeout)
    report_queries(vs, args.runs, rdf_runs, budget_ms, args.rdflib_timeout)
    bench_breakdown(release, vs, args.runs)
    bench_load_rss(release, vs)
    if not args.skip_build:
        bench_build()
    out()
    out(f"total benchmark time {time.perf_counter() - t0:.0f} s; load average at the end "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + " (a load well above 0 at the start or end means other processes shared the CPUs: compare ratios, "
          "not absolute times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
