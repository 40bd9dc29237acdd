"""Runs queries in a forked worker process that can be killed, with a wall-clock timeout.

pyoxigraph cannot cancel a query, so each serving process keeps one child, forked from itself
after the store is loaded (the store's memory is shared copy-on-write). The parent sends a query
over a pipe and waits at most ``limits.timeout`` seconds; on timeout it kills the child with
SIGKILL and forks a fresh one, so the work really stops. A child that crashes (a stack overflow in
the parser, say) is replaced the same way. Other serving processes are not affected: each has its
own child.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Protocol

from kzct.config import Limits
from kzct.engine import precheck
from kzct.engine.errors import KINDS, QueryError, QueryFailed, QueryTimeout
from kzct.engine.request import QueryRequest, QueryResult

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


class Backend(Protocol):
    name: str

    def execute(self, request: QueryRequest, max_rows: int) -> QueryResult: ...


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the child still exits when its pipe closes
        pass


def _child_main(conn: Connection, backend: Backend, limits: Limits) -> None:
    for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGWINCH, signal.SIGABRT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", backend.execute(request, limits.max_rows))
        except QueryError as exc:
            reply = ("error", exc.kind, str(exc))
        except Exception as exc:  # reported as a failed query; the parent logs it
            reply = ("error", "failed", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


class Engine:
    """Prechecks and runs queries under ``limits``; thread-safe, one query at a time per process.

    ``isolate=False`` runs queries in the calling process (no timeout): for tools and tests only.
    """

    def __init__(self, backend: Backend, limits: Limits, isolate: bool = True) -> None:
        self.backend = backend
        self.limits = limits
        self.isolate = isolate
        self._lock = threading.Lock()
        self._child: tuple[int, Connection] | None = None
        self._owner = os.getpid()

    def start(self) -> None:
        """Fork the worker now (otherwise the first query does)."""
        if self.isolate:
            with self._lock:
                self._ensure_child()

    def close(self) -> None:
        with self._lock:
            self._kill()

    def check(self, query: str) -> precheck.Checked:
        return precheck.check(query, self.limits)

    def run(self, request: QueryRequest) -> QueryResult:
        """The serialized answer to ``request``; raises a ``QueryError`` subclass."""
        self.check(request.query)
        if not self.isolate:
            return self.backend.execute(request, self.limits.max_rows)
        with self._lock:
            pid, conn = self._ensure_child()
            try:
                conn.send(request)
                ready = conn.poll(self.limits.timeout)
            except (OSError, EOFError):
                ready = True  # the child is gone; recv below reports it
            if not ready:
                self._kill()
                self._ensure_child()
                raise QueryTimeout(
                    f"the query ran longer than {self.limits.timeout:g} s and was stopped"
                )
            try:
                reply = conn.recv()
            except (EOFError, OSError):
                status = self._reap()
                self._ensure_child()
                log.error("query worker %d died (%s) on: %.200r", pid, status, request.query)
                raise QueryFailed("the query stopped its worker; it was replaced") from None
        if reply[0] == "ok":
            return reply[1]
        raise KINDS.get(reply[1], QueryFailed)(reply[2])

    def _ensure_child(self) -> tuple[int, Connection]:
        if self._owner != os.getpid():  # inherited through a fork: the child is not ours
            self._child = None
            self._owner = os.getpid()
        if self._child is None:
            ours, theirs = Pipe(duplex=True)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                code = 0
                try:
                    ours.close()
                    _child_main(theirs, self.backend, self.limits)
                except BaseException:
                    code = 1
                finally:
                    os._exit(code)
            theirs.close()
            self._child = (pid, ours)
            log.debug("query worker %d started", pid)
        return self._child

    def _reap(self) -> str:
        if self._child is None:
            return "none"
        pid, conn = self._child
        self._child = None
        conn.close()
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return "already reaped"
        if os.WIFSIGNALED(status):
            return f"signal {os.WTERMSIG(status)}"
        return f"exit {os.WEXITSTATUS(status)}"

    def _kill(self) -> None:
        if self._child is not None and self._owner == os.getpid():
            try:
                os.kill(self._child[0], signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        self._child = None
