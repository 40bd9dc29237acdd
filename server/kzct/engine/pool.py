"""Runs queries in forked, sealed, killable query processes, fairly, under one deadline per query.

pyoxigraph cannot cancel a query, so each serving process keeps a small pool of children, forked
from itself after the store is loaded. A query is sent to an idle child over a pipe; the caller
waits until the query's deadline, and on timeout kills that child with SIGKILL and forks a fresh
one, so the work really stops. A child that dies (a parser stack overflow, an allocation past its
memory cap) is replaced the same way, and its caller gets a clear error.

Every child is sealed when it starts (``sandbox.py``): it cannot open a network connection and may
grow by at most ``limits.memory_mb``. When ``limits.service_allow`` names SERVICE endpoints, a
second, separate set of children is left able to connect, and only queries whose every SERVICE
(found by the precheck and again on the parse tree, in the child) is on the allow-list go there.

Fairness (``Slots``): one query's deadline counts from its arrival, its wait for a child included;
a request waits at most ``limits.queue_wait`` seconds for a child, then gets ``Busy`` (503 with
Retry-After). One client (the caller's ``client`` key, the remote address) may hold at most
``limits.client_share`` of a pool's children at once, so a flood of runaways from one address
leaves the others free. A caller may pass ``watch``, a connected socket's file descriptor: if the
peer closes it while the query runs, the child is killed and ``ClientGone`` raised.

All forks happen on one thread that lives as long as the serving process: the kernel kills a
child when the *thread* that forked it ends (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import queue
import select
import signal
import tempfile
import threading
import time
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Protocol

from kzct.config import Limits
from kzct.engine import precheck, sandbox
from kzct.engine.errors import (KINDS, Busy, ClientGone, QueryError, QueryFailed, QueryMemory,
                                QueryTimeout, QueryTooDeep, StreamBroken)
from kzct.engine.request import QueryRequest, QueryResult
from kzct.isolate import child_setup, close_inherited_sockets

log = logging.getLogger(__name__)
RDHUP = getattr(select, "POLLRDHUP", 0x2000)
# The precheck of a query text up to this long is remembered (the last 512 texts that passed, so at
# most 4 MB per serving process): it is a pure function of the text and the limits, and peers
# repeat their queries.
CHECK_MEMO_CHARS = 2048
CHECK_MEMO_SIZE = 512


class Backend(Protocol):
    name: str

    def execute(self, request: QueryRequest, limits: Limits, send=None) -> QueryResult: ...


def _child_main(conn: Connection, backend: Backend, limits: Limits, sealed: bool) -> None:
    # The objects inherited from the serving process are never collected here: a full collection
    # would write to every one of them and so copy their pages (about 20 MB) into this process.
    gc.freeze()
    child_setup()
    close_inherited_sockets(conn.fileno())
    os.environ["RUST_BACKTRACE"] = "0"  # a dying process says why in one line, not a backtrace
    if sealed:
        sandbox.seal_network()
    sandbox.limit_memory(limits.memory_mb)
    from kzct.engine.guard import guarded_execute

    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        send = _sender(conn) if request.stream else None
        try:
            result = guarded_execute(backend, request, limits, sealed, send)
            reply = ("ok", result) if result.body is not None else ("end", result.rows)
        except QueryError as exc:
            reply = ("error", exc.kind, str(exc))
        except MemoryError:
            reply = ("error", QueryMemory.kind, QueryMemory.message(limits))
        except Exception as exc:  # reported as a failed query; the parent logs it
            reply = ("error", "failed", f"{type(exc).__name__}: {exc}"[:500])
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", QueryMemory.kind, QueryMemory.message(limits)))


def _sender(conn: Connection):
    """``send(form, format, data)`` for a streamed answer: the first chunk says what the answer is."""
    started = []

    def send(form: str, fmt: str, data: bytes) -> None:
        if started:
            conn.send(("chunk", data))
        else:
            started.append(True)
            conn.send(("stream", form, fmt, data))

    return send


class Child:
    """One query process, the parent's end of its pipe, and the file its stderr goes to."""

    __slots__ = ("pid", "conn", "client", "stderr")

    def __init__(self, pid: int, conn: Connection, stderr) -> None:
        self.pid = pid
        self.conn = conn
        self.client: str | None = None
        self.stderr = stderr

    def last_words(self) -> str:
        """The end of what the process wrote to stderr (a Rust panic or abort message)."""
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(size - 65536, 0))  # a Rust backtrace may follow the message
            return self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""


class Pool:
    """The children of one kind (sealed, or allowed to call SERVICE) of one serving process."""

    def __init__(self, backend: Backend, limits: Limits, children: int, sealed: bool) -> None:
        self.backend = backend
        self.limits = limits
        self.children = children
        self.sealed = sealed
        self._cond = threading.Condition()
        self._idle: list[Child] = []
        self._live: dict[int, Child] = {}  # pid -> child, idle or busy
        self._holding: dict[str, int] = {}  # client -> children it holds
        self._owner = os.getpid()
        self._forks: queue.SimpleQueue | None = None  # requests to the forking thread

    @property
    def share(self) -> int:
        """How many children one client may hold at once."""
        if self.limits.client_share > 0:
            return min(self.limits.client_share, self.children)
        return max(1, self.children // 2)

    def start(self) -> None:
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
            self._holding.clear()
            self._cond.notify_all()

    def pids(self) -> list[int]:
        with self._cond:
            self._adopt()
            return list(self._live)

    def state(self) -> dict[str, int]:
        with self._cond:
            self._adopt()
            return {"processes": len(self._live), "idle": len(self._idle),
                    "busy": len(self._live) - len(self._idle)}

    def run(self, request: QueryRequest, deadline: float, client: str | None, watch: int | None) -> QueryResult:
        child = self._acquire(deadline, client)
        conn = child.conn
        try:
            conn.send(request)
        except (OSError, EOFError):
            pass  # the child is gone; the wait below reports it
        try:
            ready = self._wait(conn, deadline, watch)
        except ClientGone:
            self._replace(child, kill=True)
            log.info("client went away; query process %d stopped", child.pid)
            raise
        if not ready:
            self._replace(child, kill=True)
            raise QueryTimeout(f"the query ran longer than {self.limits.timeout:g} s and was stopped")
        try:
            reply = conn.recv()
        except (EOFError, OSError):
            words = child.last_words()
            status = self._replace(child, kill=False)
            raise self._death(status, words, child.pid, request.query) from None
        if reply[0] == "stream":
            _, form, fmt, first = reply
            return QueryResult(form, fmt, None, -1, Stream(self, child, first, deadline, watch))
        self._release(child)
        if reply[0] == "ok":
            return reply[1]
        raise KINDS.get(reply[1], QueryFailed)(reply[2])

    def _death(self, status: str, words: str, pid: int, query: str) -> QueryError:
        said = [line for line in words.splitlines()
                if "panicked at" in line or "memory allocation" in line or "overflowed its stack" in line]
        log.error("query process %d died (%s%s) on: %.200r", pid, status,
                  ": " + " / ".join(said[-3:])[:600] if said else "", query)
        if "memory allocation of" in words or "MemoryError" in words:
            return QueryMemory(QueryMemory.message(self.limits))
        if "overflowed its stack" in words or status == f"signal {signal.SIGSEGV}":
            return QueryTooDeep("the query is nested too deeply for the parser (its process crashed and "
                                "was replaced)")
        return QueryFailed("the query stopped its process; it was replaced")

    def _wait(self, conn: Connection, deadline: float, watch: int | None) -> bool:
        """Wait for the child's answer until ``deadline``; ClientGone if ``watch``'s peer hangs up."""
        if watch is None:
            return conn.poll(max(deadline - time.monotonic(), 0))
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN)
        try:
            poller.register(watch, RDHUP)
        except (OSError, ValueError):
            return conn.poll(max(deadline - time.monotonic(), 0))
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return conn.poll(0)
            for fd, events in poller.poll(remaining * 1000):
                if fd == conn.fileno():
                    return True
                if events & (RDHUP | select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    raise ClientGone("the client closed its connection")

    def next_chunk(self, child: Child, deadline: float, watch: int | None) -> bytes | None:
        """The next chunk of ``child``'s streamed answer, None at its end; StreamBroken otherwise."""
        conn = child.conn
        if time.monotonic() >= deadline:
            raise StreamBroken(f"the answer was not sent within {self.limits.timeout:g} s")
        try:
            ready = self._wait(conn, deadline, watch)
        except ClientGone:
            raise StreamBroken("the client closed its connection") from None
        if not ready:
            raise StreamBroken(f"the answer was not sent within {self.limits.timeout:g} s")
        try:
            reply = conn.recv()
        except (EOFError, OSError):
            raise StreamBroken(f"the query process died: {child.last_words()[-300:]}") from None
        if reply[0] == "chunk":
            return reply[1]
        if reply[0] == "end":
            return None
        raise StreamBroken(f"{reply[1]}: {reply[2]}" if reply[0] == "error" else str(reply[0]))

    # --- the pool ---------------------------------------------------------------------------

    def _adopt(self) -> None:
        """Forget children inherited through a fork: they belong to the parent process."""
        if self._owner != os.getpid():
            self._idle = []
            self._live = {}
            self._holding = {}
            self._forks = None  # threads do not survive a fork
            self._owner = os.getpid()

    def _acquire(self, deadline: float, client: str | None) -> Child:
        wait_until = min(deadline, time.monotonic() + self.limits.queue_wait)
        with self._cond:
            self._adopt()
            while True:
                if client is None or self._holding.get(client, 0) < self.share:
                    child = self._take()
                    if child is not None:
                        break
                remaining = wait_until - time.monotonic()
                if remaining <= 0:
                    raise Busy(f"every query process is busy; waited {self.limits.queue_wait:g} s",
                               retry_after=max(1, round(self.limits.timeout / 2)))
                self._cond.wait(remaining)
            child.client = client
            if client is not None:
                self._holding[client] = self._holding.get(client, 0) + 1
            return child

    def _take(self) -> Child | None:
        while self._idle:
            child = self._idle.pop()
            if child.conn.poll(0):  # an idle child has nothing to say: it died while idle
                self._live.pop(child.pid, None)
                log.warning("query process %d died while idle (%s); replaced", child.pid, self._reap(child))
                continue
            return child
        if len(self._live) < self.children:
            return self._fork()
        return None

    def _unhold(self, child: Child) -> None:
        client, child.client = child.client, None
        if client is not None:
            count = self._holding.get(client, 0) - 1
            if count > 0:
                self._holding[client] = count
            else:
                self._holding.pop(client, None)

    def _release(self, child: Child) -> None:
        with self._cond:
            self._unhold(child)
            if self._live.get(child.pid) is child:
                self._idle.append(child)
            self._cond.notify_all()

    def _replace(self, child: Child, kill: bool) -> str:
        """Stop ``child`` (SIGKILL if ``kill``), reap it and put a fresh child in its place."""
        with self._cond:
            self._unhold(child)
            if kill:
                self._kill(child)
                status = "killed"
            else:
                status = self._reap(child)
            self._live.pop(child.pid, None)
            if self._owner == os.getpid():
                self._idle.append(self._fork())
            self._cond.notify_all()
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
        log.debug("query process %d started", child.pid)
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
        stderr = tempfile.TemporaryFile()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                ours.close()
                os.dup2(stderr.fileno(), 2)
                _child_main(theirs, self.backend, self.limits, self.sealed)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        return Child(pid, ours, stderr)

    @staticmethod
    def _reap(child: Child) -> str:
        child.conn.close()
        child.stderr.close()
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


class Stream:
    """The chunks of one streamed answer, read from the query process that writes it.

    The process stays held until the last chunk; if the answer is not read to its end (the client
    left, the deadline passed, the process failed), ``close`` kills and replaces it.
    """

    def __init__(self, pool: Pool, child: Child, first: bytes, deadline: float, watch: int | None) -> None:
        self.pool = pool
        self.child: Child | None = child
        self.first = first
        self.deadline = deadline
        self.watch = watch

    def __iter__(self):
        first, self.first = self.first, None
        if first is None or self.child is None:
            raise StreamBroken("a streamed answer can be read once")
        yield first
        while self.child is not None:
            try:
                chunk = self.pool.next_chunk(self.child, self.deadline, self.watch)
            except StreamBroken:
                self.close()
                raise
            if chunk is None:
                child, self.child = self.child, None
                self.pool._release(child)
                return
            yield chunk

    def close(self) -> None:
        child, self.child = self.child, None
        if child is not None:
            self.pool._replace(child, kill=True)


class Engine:
    """Prechecks and runs queries under ``limits``; thread-safe, ``children`` queries at a time.

    ``isolate=False`` runs queries in the calling process (no timeout, no sandbox): for the command
    line tools on the project's own queries and for tests only; never for a served endpoint.
    """

    def __init__(self, backend: Backend, limits: Limits, isolate: bool = True, children: int = 1) -> None:
        if children < 1:
            raise ValueError("children must be at least 1")
        self.backend = backend
        self.limits = limits
        self.isolate = isolate
        self.children = children
        self.remote = None  # a RemoteStore when the queries run on a remote backend (kzct.remote)
        self.sealed = Pool(backend, limits, children, sealed=True)
        # Only when an allow-list is configured: children that may reach the listed endpoints.
        self.federating = Pool(backend, limits, children, sealed=False) if limits.service_allow else None
        self._checked = functools.lru_cache(maxsize=CHECK_MEMO_SIZE)(functools.partial(precheck.check, limits=limits))

    def start(self) -> None:
        """Check the sandbox and fork all the sealed query processes now."""
        if self.isolate:
            sandbox.check()
            self.sealed.start()

    def close(self) -> None:
        for pool in (self.sealed, self.federating):
            if pool is not None:
                pool.close()

    def pids(self) -> list[int]:
        """The query processes of this serving process, idle or busy."""
        return self.sealed.pids() + (self.federating.pids() if self.federating else [])

    def state(self) -> dict:
        """How many query processes this serving process has, idle and busy (no query is run)."""
        if self.remote is not None:
            return {"backend": self.remote.url, "connections": self.remote.pool}
        return self.sealed.state()

    def check(self, query: str) -> precheck.Checked:
        """``precheck.check`` under this engine's limits; remembered for short texts that pass (a
        refusal is not remembered: it is worked out again every time)."""
        if len(query) <= CHECK_MEMO_CHARS:
            return self._checked(query)
        return precheck.check(query, self.limits)

    def run(self, request: QueryRequest, client: str | None = None, watch: int | None = None,
            started: float | None = None) -> QueryResult:
        """The serialized answer to ``request``; raises a ``QueryError`` subclass.

        ``started``: when the request arrived (``time.monotonic()``); the deadline counts from it.
        """
        checked = self.check(request.query)
        deadline = (started if started is not None else time.monotonic()) + self.limits.timeout
        if not self.isolate:
            from kzct.engine.guard import guarded_execute

            if self.remote is None:
                return guarded_execute(self.backend, request, self.limits, sealed=False)
            self.remote.deadline.at = deadline
            try:
                return guarded_execute(self.backend, request, self.limits, sealed=False)
            finally:
                self.remote.deadline.at = None
        pool = self.federating if checked.services and self.federating is not None else self.sealed
        return pool.run(request, deadline, client, watch)
