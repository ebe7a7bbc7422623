"""A pool of K killable query workers: the deadline of a query is enforced by killing its process.

Each worker is a fresh ``python -m npkg.server.worker`` (not a fork of the threaded HTTP
server, which could inherit a held lock) talking to the parent over a socket pair. A request
borrows an idle worker, sends the job and waits at most until its deadline; past it the worker
is killed (SIGKILL: Rust code ignores Python signals), the client gets "query timeout" at once
and a replacement starts in the background. A worker that dies on its own (allocation failure
under its memory cap) is replaced the same way. Cheap queries keep flowing through the other
workers while one is stuck; a query still running after ``SLOW_AFTER_S`` has its worker
reniced to the lowest CPU priority, so on a small machine it takes only the CPU time the cheap
queries leave over.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from npkg.errors import BackendError
from npkg.server.limits import HttpError, ServerConfig

log = logging.getLogger("npkg.serve")

#: a query still running after this long is treated as heavy and its worker deprioritised
SLOW_AFTER_S = 0.25


@dataclass(eq=False)
class Worker:
    proc: subprocess.Popen[bytes]
    conn: Connection
    info: dict[str, Any] = field(default_factory=dict)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL does not wait on anything
            self.proc.wait(timeout=5)
        self.conn.close()


class WorkerPool:
    """K workers, each holding the store; ``run`` returns the worker's reply or raises HttpError."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.info: dict[str, Any] = {}
        self.stats = {"timeouts": 0, "crashes": 0, "replaced": 0, "reniced": 0}
        self._snapshot_dir: str | None = None
        self.store = self._snapshot(config.store)
        started = [self._spawn() for _ in range(max(1, config.workers))]
        try:
            for w in started:
                self._handshake(w, time.monotonic() + 120)
                self._idle.put(w)
        except BaseException:
            self.close()
            raise
        self.info = dict(started[0].info)

    # ------------------------------------------------------------------------------ lifecycle
    def _snapshot(self, store: Path) -> Path:
        """A private copy of a release file, so every worker, replacements included, serves the same data.

        Without it a worker started after ``npkg build`` rewrote the release would answer from
        the new file while the others answer from the old one. (An on-disk store directory is
        opened read-only as it is.)
        """
        if not store.is_file():
            return store
        self._snapshot_dir = tempfile.mkdtemp(prefix="npkg-serve-")
        copy = Path(self._snapshot_dir) / store.name
        shutil.copyfile(store, copy)
        return copy

    def _spawn(self) -> Worker:
        parent, child = socket.socketpair()
        cmd = [sys.executable, "-m", "npkg.server.worker", "--fd", str(child.fileno()),
               "--store", str(self.store), "--memory-mb", str(self.config.memory_mb),
               "--max-rows", str(self.config.max_rows)]
        if self.config.queries_dir is not None:
            cmd += ["--queries-dir", str(self.config.queries_dir)]
        env = dict(os.environ)
        env.setdefault("MALLOC_ARENA_MAX", "2")  # keeps the address space (and so RLIMIT_AS) predictable
        proc = subprocess.Popen(cmd, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env)
        child.close()
        conn = Connection(parent.detach())
        w = Worker(proc, conn)
        with self._lock:
            self._all.add(w)
        return w

    def _handshake(self, w: Worker, deadline: float) -> None:
        if not w.conn.poll(max(0.0, deadline - time.monotonic())):
            self._forget(w)
            raise BackendError("a query worker did not start within 120 s")
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):
            code = w.proc.wait()
            self._forget(w)
            raise BackendError(f"a query worker exited while starting (exit status {code})") from None
        if not msg.get("ready"):
            self._forget(w)
            raise BackendError(f"a query worker could not start: {msg.get('error')}")
        w.info = msg

    def _forget(self, w: Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)

    def _replace(self, dead: Worker) -> None:
        self._forget(dead)
        if self._closed:
            return
        self.stats["replaced"] += 1

        def start() -> None:
            for _attempt in range(3):
                if self._closed:
                    return
                try:
                    w = self._spawn()
                    self._handshake(w, time.monotonic() + 120)
                except BackendError as exc:
                    log.error("replacing a query worker failed: %s", exc)
                    time.sleep(1)
                    continue
                if self._closed:
                    self._forget(w)
                    return
                self._idle.put(w)
                return

        threading.Thread(target=start, name="npkg-worker-spawn", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()
        if self._snapshot_dir is not None:
            shutil.rmtree(self._snapshot_dir, ignore_errors=True)
            self._snapshot_dir = None

    # ------------------------------------------------------------------------------ queries
    def run(self, job: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Run ``job`` on an idle worker, killing it at ``deadline`` (a ``time.monotonic()`` value)."""
        timeout_s = self.config.timeout_s
        for _attempt in range(2):
            try:
                w = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise HttpError(503, f"query timeout: all {self.config.workers} query workers stayed busy for the "
                                     f"{timeout_s:g} s limit; try again", {"Retry-After": "1"}) from None
            try:
                w.conn.send(job)
            except OSError:  # the idle worker had died: replace it and try another
                self._replace(w)
                continue
            reniced = False
            if not w.conn.poll(max(0.0, min(SLOW_AFTER_S, deadline - time.monotonic()))):
                reniced = self._lower_priority(w)
            if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                self.stats["timeouts"] += 1
                self._replace(w)
                raise HttpError(504, f"query timeout: stopped after the {timeout_s:g} s limit (the worker running it "
                                     "was killed); simplify the query or add a LIMIT")
            try:
                out: dict[str, Any] = w.conn.recv()
            except (EOFError, OSError):
                code = w.proc.wait()
                self.stats["crashes"] += 1
                self._replace(w)
                raise HttpError(503, self._death_message(code)) from None
            if out.get("retire") or (reniced and not self._restore_priority(w)):
                self._replace(w)
            else:
                self._idle.put(w)
            return out
        raise HttpError(503, "no query worker available; try again", {"Retry-After": "1"})

    def _lower_priority(self, w: Worker) -> bool:
        """A long query yields the CPU to cheap ones: its worker drops to the lowest priority (nice 19)."""
        try:
            os.setpriority(os.PRIO_PROCESS, w.proc.pid, 19)
        except OSError:
            return False
        self.stats["reniced"] += 1
        return True

    def _restore_priority(self, w: Worker) -> bool:
        """Back to normal priority after a slow query; only privileged users may, others replace the worker."""
        try:
            os.setpriority(os.PRIO_PROCESS, w.proc.pid, 0)
        except OSError:
            return False
        return True

    def _death_message(self, code: int) -> str:
        cap = self.config.memory_mb
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, 3, 134):
            return (f"query stopped: the worker running it ran out of memory (memory cap {cap} MiB) and was "
                    "replaced; simplify the query or add a LIMIT")
        return f"query stopped: the worker running it exited unexpectedly (status {code}) and was replaced"
