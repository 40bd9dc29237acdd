"""The processes of ``kzct serve --server uvloop``: one listening socket, forked workers, each an event loop.

The parent binds the socket, forks ``workers`` worker processes after the app is loaded (they
share the store copy-on-write, as gunicorn's ``preload_app``), and replaces a worker that dies.
Each worker first runs ``on_start`` (it forks the worker's query processes and starts its dump
reader, as gunicorn's ``post_worker_init``), then serves ``kzct.web.front`` connections on uvloop
with ``threads`` threads for the app. SIGTERM or SIGINT to the parent stops the workers: each stops
accepting, lets running requests finish for up to ``GRACE`` seconds, and exits; a worker still
there after ``GRACE`` more seconds is killed. A worker dies with the parent, and one whose event
loop stops beating is killed and replaced, as gunicorn does.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import time
from typing import Callable

from kzct.isolate import child_setup

log = logging.getLogger(__name__)

GRACE = 5.0
BOOT = 3.0  # a worker that exits sooner after its start could not start


def serve(make_front: Callable, host: str, port: int, workers: int, on_start: Callable[[], None],
          stuck_after: float) -> None:
    """Serve until SIGTERM or SIGINT; ``make_front(host, port)`` builds a worker's ``front.Front``.

    A worker whose event loop has not beaten for ``stuck_after`` seconds is killed and replaced
    (gunicorn's worker ``timeout``)."""
    sock = socket.create_server((host, port), backlog=2048)
    sock.set_inheritable(True)
    host, port = sock.getsockname()[:2]
    log.info("SPARQL endpoint at http://%s:%d/sparql (pid %d)", host, port, os.getpid())
    children: dict[int, tuple[int, float]] = {}  # pid -> (its slot in beats, when it started)
    beats = multiprocessing.RawArray("d", workers)  # each worker's last heartbeat (time.monotonic)
    stopping: list[float] = []
    failed: list[int] = []

    def spawn(slot: int) -> None:
        beats[slot] = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the worker
            code = 0
            try:
                _worker(sock, lambda: make_front(host, port), on_start, beats, slot)
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children[pid] = (slot, time.monotonic())

    def stop(signum, frame) -> None:
        if not stopping:
            stopping.append(time.monotonic())
            for pid in children:
                _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(workers):
        spawn(slot)
    while children:
        time.sleep(0.2)
        for pid in list(children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done:
                slot, started = children[pid]
                if not stopping and time.monotonic() - beats[slot] > stuck_after:
                    log.error("worker %d has not answered for %g s; killed", pid, stuck_after)
                    _signal(pid, signal.SIGKILL)
                    beats[slot] = time.monotonic()  # the kill is not repeated while it dies
                continue
            slot, started = children.pop(pid)
            if stopping:
                continue
            if time.monotonic() - started < BOOT:  # it could not start: so would the next one
                log.error("worker %d exited while starting (status %d); stopping", pid, status)
                stop(None, None)
                failed.append(pid)
            else:
                log.warning("worker %d exited (status %d); starting another", pid, status)
                spawn(slot)
        if stopping and time.monotonic() > stopping[0] + 2 * GRACE:
            for pid in children:
                _signal(pid, signal.SIGKILL)
    sock.close()
    if failed:
        raise RuntimeError("a worker could not start")


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _worker(sock: socket.socket, make_front: Callable, on_start: Callable[[], None], beats, slot: int) -> None:
    import uvloop

    child_setup()  # default SIGTERM, no SIGINT (the parent stops the workers), dies with the parent
    on_start()
    front = make_front()
    log.info("Booting worker with pid: %d", os.getpid())
    uvloop.run(_serve(sock, front, beats, slot))
    front.executor.shutdown(wait=False, cancel_futures=True)


async def _serve(sock: socket.socket, front, beats, slot: int) -> None:
    loop = asyncio.get_running_loop()

    def beat() -> None:
        beats[slot] = time.monotonic()
        loop.call_later(1.0, beat)

    beat()
    server = await loop.create_server(front.protocol, sock=sock, backlog=2048)
    stopped = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stopped.done() or stopped.set_result(None))
    await stopped
    server.close()
    until = time.monotonic() + GRACE
    while any(conn.busy for conn in front.connections) and time.monotonic() < until:
        await asyncio.sleep(0.05)
    for conn in list(front.connections):
        conn.transport.close()
