"""The gunicorn worker ``kzct serve`` runs: gunicorn's ``gthread`` worker, hardened against slow clients.

gunicorn's threaded worker keeps idle kept-alive connections in a poller (no thread each) and
gives a thread to a connection once it has data, but then reads the request head and body with
no time limit: a client that sends one header line every few seconds holds a thread for as long
as it likes, and 30 such clients stopped every other request. This worker adds three bounds:

- a **read deadline** per request (``READ_TIMEOUT``): the head and body must arrive within that many
  seconds of the thread taking the connection, or the client gets 408 (problem+json) and the
  connection is closed. The deadline is on the whole request, not on each read, so trickling
  bytes does not extend it;
- a **write timeout** (``WRITE_TIMEOUT``) on every send: a client that stops reading its answer is
  dropped instead of holding the thread;
- a **bound on connections per client address** (``MAX_CLIENT_CONNECTIONS`` per worker): past it a
  new connection from that address is answered 503 with ``Retry-After`` and closed at once, so one
  address cannot take every thread. A trusted proxy's address (``TRUSTED_PROXIES``) is not bounded:
  it carries every client's connections.

Sockets are wrapped (``DeadlineSocket``); everything else is gunicorn's own code.
"""

from __future__ import annotations

import errno
import socket
import time
from collections import Counter

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

from kzct.web.errors import RequestReadTimeout

READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 30.0
MAX_CLIENT_CONNECTIONS = 16


class DeadlineSocket:
    """A socket whose reads stop at ``deadline`` (monotonic seconds) and whose writes time out."""

    def __init__(self, sock: socket.socket, write_timeout: float) -> None:
        self._sock = sock
        self._timeout: float | None = sock.gettimeout()
        self.write_timeout = write_timeout
        self.deadline: float | None = None

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def fileno(self) -> int:
        return self._sock.fileno()

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None if flag else 0.0
        self._sock.setblocking(flag)

    def _read(self, method, *args):
        if self.deadline is None or self._timeout == 0.0:
            return method(*args)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestReadTimeout()
        self._sock.settimeout(remaining if self._timeout is None else min(remaining, self._timeout))
        try:
            return method(*args)
        except socket.timeout:
            if time.monotonic() >= self.deadline:
                raise RequestReadTimeout() from None
            raise
        finally:
            self._sock.settimeout(self._timeout)

    def recv(self, *args):
        return self._read(self._sock.recv, *args)

    def recv_into(self, *args):
        return self._read(self._sock.recv_into, *args)

    def _write(self, method, *args):
        if self._timeout is not None:
            return method(*args)
        self._sock.settimeout(self.write_timeout)
        try:
            return method(*args)
        finally:
            self._sock.settimeout(None)

    def send(self, *args):
        return self._write(self._sock.send, *args)

    def sendall(self, *args):
        return self._write(self._sock.sendall, *args)

    def sendfile(self, *args, **kwargs):
        if self._timeout is not None:
            return self._sock.sendfile(*args, **kwargs)
        self._sock.settimeout(self.write_timeout)
        try:
            return self._sock.sendfile(*args, **kwargs)
        finally:
            self._sock.settimeout(None)


class Conn(TConn):
    """A connection that gives back its client address's slot when it closes."""

    def __init__(self, worker: "Worker", key: str, *args) -> None:
        super().__init__(*args)
        self.worker = worker
        self.key = key
        self.counted = True

    def close(self, graceful: bool = False) -> None:
        if self.counted:
            self.counted = False
            self.worker.release_client(self.key)
        super().close(graceful)


class Worker(ThreadWorker):
    """gunicorn's gthread worker with read deadlines, write timeouts and per-address bounds."""

    read_timeout = READ_TIMEOUT
    write_timeout = WRITE_TIMEOUT
    max_client_connections = MAX_CLIENT_CONNECTIONS
    trusted: frozenset[str] = frozenset()  # proxies' addresses, set by kzct serve

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clients: Counter[str] = Counter()  # touched on the main thread only

    def release_client(self, key: str) -> None:
        self.clients[key] -= 1
        if self.clients[key] <= 0:
            del self.clients[key]

    def accept(self, listener) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        key = client_addr[0] if isinstance(client_addr, tuple) else ""
        if self.clients[key] >= self.max_client_connections and key not in self.trusted:
            self._refuse(client_sock)
            return
        self.clients[key] += 1
        self.nr_conns += 1
        client_sock.setblocking(True)
        conn = Conn(self, key, self.cfg, DeadlineSocket(client_sock, self.write_timeout), client_addr,
                    listener.getsockname())
        self.enqueue_req(conn)

    def _refuse(self, client_sock: socket.socket) -> None:
        try:
            util.write_error(client_sock, 503, "Service Unavailable",
                             f"more than {self.max_client_connections} connections from your address; "
                             "close some and try again")
        except OSError:
            pass
        finally:
            util.close(client_sock)

    def handle(self, conn):
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.deadline = time.monotonic() + self.read_timeout
        return super().handle(conn)

    def handle_request(self, req, conn):
        try:
            return super().handle_request(req, conn)
        finally:
            if isinstance(conn.sock, DeadlineSocket):
                conn.sock.deadline = None  # the answer is sent; the drain has a deadline of its own

    def handle_error(self, req, client, addr, exc) -> None:
        if isinstance(exc, RequestReadTimeout):
            self.log.info("request from %s not received within %g s", addr and addr[0], self.read_timeout)
            try:
                util.write_error(client, 408, "Request Timeout", str(exc))
            except OSError:
                pass
            finally:
                util.close(client)
            return
        super().handle_error(req, client, addr, exc)
