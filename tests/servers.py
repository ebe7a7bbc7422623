"""Real triple-store servers for the backend tests: an Oxigraph server and a private Virtuoso.

Both run on 127.0.0.1 on free ports, in a temporary directory, started and stopped by the tests.
Nothing is mocked and nothing is skipped: a missing binary is a test *failure* whose message
says what to install (see ``MISSING_*`` below). Each server is started at most once per test
session and stopped when the session ends (``config.add_cleanup``).

Virtuoso notes (../shared/reference/ecosystem.md §6): the Debian package's own service and its
preseeded password do not apply in a container, so a private instance runs from an ini written
here; the dba password is changed with ``isql-vt``; anonymous SPARQL is read-only; a raw
``application/sparql-query`` POST hangs, so only GET / form-encoded POST are ever sent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MISSING_OXIGRAPH = ("the `oxigraph` server binary is not installed; install it with "
                    "`pip install oxigraph==<the pyoxigraph version>` (PyPI package `oxigraph`)")
MISSING_VIRTUOSO = ("Virtuoso is not installed (`virtuoso-t` / `isql-vt` not on PATH); install it with "
                    "`DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource`")

#: the named graph the tests load the release into on Virtuoso (Virtuoso's default graph is the union of all
#: graphs, including its own system graphs, so queries there must be restricted to one graph)
TEST_GRAPH = "https://w3id.org/npkg/test-graph/release"
VIRTUOSO_PASSWORD = "npkgTestDba7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    last = ""
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"server exited with code {proc.returncode} before answering {url}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.1)
    pytest.fail(f"server did not answer {url} within {deadline_s} s ({last}):\n{_tail(log)}")


def _tail(log: Path, n: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Server:
    """A running server: ``query_url`` for SPARQL queries, ``base`` for everything else."""

    kind: str
    base: str
    query_url: str
    proc: subprocess.Popen[bytes]
    workdir: Path
    graph: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        _stop(self.proc)


# --------------------------------------------------------------------------- Oxigraph
def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        pytest.fail(MISSING_OXIGRAPH)
    return found


def start_oxigraph(workdir: Path, load: Path | None = None) -> Server:
    """``oxigraph load`` (optional, into the default graph) then ``oxigraph serve`` on a free loopback port."""
    exe = oxigraph_binary()
    db = workdir / "oxigraph-db"
    db.mkdir(parents=True, exist_ok=True)
    if load is not None:
        res = subprocess.run([exe, "load", "-l", str(db), "-f", str(load)], capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            pytest.fail(f"oxigraph load {load} failed ({res.returncode}): {res.stderr.strip()}")
    port = free_port()
    log = workdir / "oxigraph.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([exe, "serve", "-l", str(db), "-b", f"127.0.0.1:{port}"], stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_http(base + "/query?query=" + urllib.parse.quote("ASK {}"), proc, log, 30)
    return Server("oxigraph", base, base + "/query", proc, workdir)


# --------------------------------------------------------------------------- Virtuoso
VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/db/virtuoso.db
ErrorLogFile       = {d}/db/virtuoso.log
LockFile           = {d}/db/virtuoso.lck
TransactionFile    = {d}/db/virtuoso.trx
xa_persistent_file = {d}/db/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/db/virtuoso-temp.db
TransactionFile    = {d}/db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql}
DisableUnixSocket    = 1
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = ., {d}/load
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
ThreadsPerQuery      = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http}
ServerRoot           = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads        = 10
Charset              = UTF-8
EnabledDavVSP        = 0

[SPARQL]
ResultSetMaxRows      = 100000
MaxQueryExecutionTime = 60
"""


def virtuoso_binaries() -> tuple[str, str]:
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not server or not isql:
        pytest.fail(MISSING_VIRTUOSO)
    return server, isql


def isql(server: Server, password: str, sql: str, timeout: float = 120) -> str:
    """Run SQL through ``isql-vt`` on the instance's loopback SQL port; a failure fails the test."""
    res = subprocess.run([server.extra["isql"], f"127.0.0.1:{server.extra['sql_port']}", "dba", password, f"exec={sql}"],
                         capture_output=True, text=True, timeout=timeout)
    out = res.stdout + res.stderr
    if res.returncode != 0 or "*** Error" in out:
        pytest.fail(f"isql-vt failed ({res.returncode}) on {sql!r}:\n{out}")
    return out


def start_virtuoso(workdir: Path, load: Path | None = None, graph: str = TEST_GRAPH) -> Server:
    """A private Virtuoso on two free loopback ports; dba password set; ``load`` bulk-loaded into ``graph``."""
    exe, isql_exe = virtuoso_binaries()
    d = workdir / "virtuoso"
    (d / "db").mkdir(parents=True, exist_ok=True)
    (d / "load").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = d / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=d, sql=sql_port, http=http_port))
    log = d / "out.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground"], stdout=fh, stderr=subprocess.STDOUT, cwd=d)
    base = f"http://127.0.0.1:{http_port}"
    server = Server("virtuoso", base, base + "/sparql", proc, workdir, graph=graph,
                    extra={"isql": isql_exe, "sql_port": str(sql_port), "password": VIRTUOSO_PASSWORD})
    try:
        _wait_http(base + "/sparql?query=" + urllib.parse.quote("ASK {}"), proc, log, 60)
        isql(server, "dba", f"SET PASSWORD dba {VIRTUOSO_PASSWORD};")
        if load is not None:
            shutil.copy(load, d / "load" / load.name)
            out = isql(server, VIRTUOSO_PASSWORD,
                       f"ld_dir('{d / 'load'}', '{load.name}', '{graph}'); rdf_loader_run(); checkpoint; "
                       "SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list;")
            if "NULL" not in out.split("ll_error")[-1]:
                pytest.fail(f"Virtuoso bulk load of {load} reported an error:\n{out}")
            # Virtuoso 7.2.5 bug (openlink/virtuoso-opensource#929): on an instance that has just been
            # initialised, property paths such as ?x rdfs:subClassOf* <C> with ?x already bound return
            # wrong answers; after a restart they are right. Restart once after the load.
            subprocess.run([isql_exe, f"127.0.0.1:{sql_port}", "dba", VIRTUOSO_PASSWORD, "exec=shutdown;"],
                           capture_output=True, timeout=60)
            proc.wait(timeout=60)
            with log.open("ab") as fh:
                proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground"], stdout=fh, stderr=subprocess.STDOUT,
                                        cwd=d)
            server.proc = proc
            _wait_http(base + "/sparql?query=" + urllib.parse.quote("ASK {}"), proc, log, 60)
    except BaseException:
        _stop(proc)
        raise
    return server


# --------------------------------------------------------------------------- session singletons
_RUNNING: dict[str, Server] = {}


def shared_server(config: pytest.Config, kind: str, release_nt: Path) -> Server:
    """One server of ``kind`` per session, loaded with the release, stopped at the end of the session."""
    if kind not in _RUNNING:
        workdir = Path(tempfile.mkdtemp(prefix=f"npkg-{kind}-"))
        starter: Callable[[Path, Path | None], Server] = start_oxigraph if kind == "oxigraph" else start_virtuoso
        server = starter(workdir, release_nt)
        _RUNNING[kind] = server

        def cleanup() -> None:
            server.stop()
            _RUNNING.pop(kind, None)
            if not os.environ.get("NPKG_KEEP_SERVER_DIRS"):
                shutil.rmtree(workdir, ignore_errors=True)

        config.add_cleanup(cleanup)
    return _RUNNING[kind]
