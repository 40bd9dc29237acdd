"""Runs queries in forked worker processes that can be killed, with a wall-clock timeout.

pyoxigraph cannot cancel a query, so each serving process keeps a small pool of children, forked
from itself after the store is loaded (the store's memory is shared copy-on-write). A query is
sent to an idle child over a pipe and the caller waits at most ``limits.timeout`` seconds; on
timeout it kills that child with SIGKILL and forks a fresh one, so the work really stops. A child
that crashes (a stack overflow in the parser, say) is replaced the same way.

A serving process with several threads (gunicorn ``gthread`` workers) runs up to ``children``
queries at once, one per child; more callers wait for a child to come free. A runaway query ties
up only its own child until the timeout, never the other children or other serving processes.
``start()`` forks all the children before the serving process starts its threads; without it,
children are forked when a query finds all existing ones busy. All forks happen on one thread
that lives as long as the serving process: the kernel kills a child when the *thread* that forked
it ends (``PR_SET_PDEATHSIG``), and that is what stops a child's work when its parent dies.
"""

from __future__ import annotations

import logging
import os
import signal
import queue
import threading
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Protocol

from kzct.config import Limits
from kzct.engine import precheck
from kzct.engine.errors import KINDS, QueryError, QueryFailed, QueryTimeout
from kzct.engine.request import QueryRequest, QueryResult
from kzct.isolate import child_setup

log = logging.getLogger(__name__)


class Backend(Protocol):
    name: str

    def execute(self, request: QueryRequest, max_rows: int) -> QueryResult: ...


def _child_main(conn: Connection, backend: Backend, limits: Limits) -> None:
    child_setup()
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


class Child:
    """One query process and the parent's end of its pipe."""

    __slots__ = ("pid", "conn")

    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn


class Engine:
    """Prechecks and runs queries under ``limits``; thread-safe, ``children`` queries at a time.

    ``isolate=False`` runs queries in the calling process (no timeout): for tools and tests only.
    """

    def __init__(self, backend: Backend, limits: Limits, isolate: bool = True, children: int = 1) -> None:
        if children < 1:
            raise ValueError("children must be at least 1")
        self.backend = backend
        self.limits = limits
        self.isolate = isolate
        self.children = children
        self._cond = threading.Condition()
        self._idle: list[Child] = []
        self._live: dict[int, Child] = {}  # pid -> child, idle or busy
        self._owner = os.getpid()
        self._forks: queue.SimpleQueue | None = None  # requests to the forking thread

    def start(self) -> None:
        """Fork all the query processes now (otherwise queries do, when they need one)."""
        if self.isolate:
            with self._cond:
                self._adopt()
                while len(self._live) < self.children:
                    self._idle.append(self._fork())
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._owner == os.getpid():
                for child in list(self._live.values()):
                    self._kill(child)
            self._idle.clear()
            self._live.clear()
            self._cond.notify_all()

    def pids(self) -> list[int]:
        """The query processes of this serving process, idle or busy."""
        with self._cond:
            self._adopt()
            return list(self._live)

    def check(self, query: str) -> precheck.Checked:
        return precheck.check(query, self.limits)

    def run(self, request: QueryRequest) -> QueryResult:
        """The serialized answer to ``request``; raises a ``QueryError`` subclass."""
        self.check(request.query)
        if not self.isolate:
            return self.backend.execute(request, self.limits.max_rows)
        child = self._acquire()
        conn = child.conn
        try:
            conn.send(request)
            ready = conn.poll(self.limits.timeout)
        except (OSError, EOFError):
            ready = True  # the child is gone; recv below reports it
        if not ready:
            self._replace(child, kill=True)
            raise QueryTimeout(f"the query ran longer than {self.limits.timeout:g} s and was stopped")
        try:
            reply = conn.recv()
        except (EOFError, OSError):
            status = self._replace(child, kill=False)
            log.error("query worker %d died (%s) on: %.200r", child.pid, status, request.query)
            raise QueryFailed("the query stopped its worker; it was replaced") from None
        self._release(child)
        if reply[0] == "ok":
            return reply[1]
        raise KINDS.get(reply[1], QueryFailed)(reply[2])

    # --- the pool ---------------------------------------------------------------------------

    def _adopt(self) -> None:
        """Forget children inherited through a fork: they belong to the parent process."""
        if self._owner != os.getpid():
            self._idle = []
            self._live = {}
            self._forks = None  # threads do not survive a fork
            self._owner = os.getpid()

    def _acquire(self) -> Child:
        with self._cond:
            self._adopt()
            while not self._idle and len(self._live) >= self.children:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            return self._fork()

    def _release(self, child: Child) -> None:
        with self._cond:
            if self._live.get(child.pid) is child:
                self._idle.append(child)
                self._cond.notify()

    def _replace(self, child: Child, kill: bool) -> str:
        """Stop ``child`` (SIGKILL if ``kill``), reap it and put a fresh child in its place."""
        with self._cond:
            if kill:
                self._kill(child)
                status = "killed"
            else:
                status = self._reap(child)
            self._live.pop(child.pid, None)
            if self._owner == os.getpid():
                self._idle.append(self._fork())
            self._cond.notify()
            return status

    def _fork(self) -> Child:
        """A new child, registered as live (the caller holds the lock), forked by the forking thread."""
        if self._forks is None:
            self._forks = queue.SimpleQueue()
            threading.Thread(target=self._forking, args=(self._forks,), name="kzct-query-forks",
                             daemon=True).start()
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._forks.put(reply)
        child = reply.get()
        if isinstance(child, BaseException):
            raise child
        self._live[child.pid] = child
        log.debug("query worker %d started", child.pid)
        return child

    def _forking(self, requests: queue.SimpleQueue) -> None:
        while True:
            reply = requests.get()
            try:
                reply.put(self._spawn())
            except BaseException as exc:  # reported to the caller
                reply.put(exc)

    def _spawn(self) -> Child:
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
        return Child(pid, ours)

    @staticmethod
    def _reap(child: Child) -> str:
        child.conn.close()
        try:
            _, status = os.waitpid(child.pid, 0)
        except ChildProcessError:
            return "already reaped"
        if os.WIFSIGNALED(status):
            return f"signal {os.WTERMSIG(status)}"
        return f"exit {os.WEXITSTATUS(status)}"

    def _kill(self, child: Child) -> None:
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reap(child)
