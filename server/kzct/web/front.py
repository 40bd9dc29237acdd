"""The HTTP/1.1 front ``kzct serve --server uvloop`` runs: an event loop per worker process.

Each connection is an ``asyncio`` protocol on uvloop; httptools parses the requests. The front
keeps the bounds of ``kzct.web.worker`` (the gunicorn worker) and takes the answer cache's hits
out of the threads:

- a **read deadline** (``READ_TIMEOUT``) on the whole request, head and body, from its first byte
  (from the accept for a new connection): past it the client gets 408 (problem+json) and the
  connection is closed. Reading costs no thread, so slow clients hold only a socket each;
- a **bound on connections per client address** (``MAX_CLIENT_CONNECTIONS`` per worker): past it a
  new connection is answered 503 and closed at once;
- a **write timeout** (``WRITE_TIMEOUT``): a client that reads nothing of its answer for that long
  is dropped (``kzct.web.front_wsgi`` for answers streamed from a thread);
- the request line, header fields and body are bounded (414, 431, 413), malformed HTTP is a 400.

A whole request then goes to the answer cache (``AnswerCache.early``) in the loop: a hit or a 304
is written at once, with no thread and no Flask. Anything else runs the unchanged WSGI app on one of
``threads`` threads (``front_wsgi.run``) with the body already read. While it runs the connection
reads nothing more (pipelined requests wait), and the engine watches a duplicate of the socket's
descriptor (``kzct.watch``, see ``kzct.web.caller``) to stop a query whose client hung up.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor

import httptools

from kzct.web.early_errors import problem_bytes
from kzct.web.front_request import Refused, RequestReader
from kzct.web.front_wsgi import date_value, run, split_head

log = logging.getLogger(__name__)

READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 30.0
MAX_CLIENT_CONNECTIONS = 16
MAX_CONNECTIONS = 1000  # per worker, as gunicorn's worker_connections
MEMO_BYTES = 32 << 20  # answers kept per worker by the bytes of their request, ...
MEMO_ANSWER = 1 << 20  # ... each at most this long


class Front:
    """What the connections of one worker process share: the app, its cache, threads and counts."""

    def __init__(self, app, cache, host: str, port: int, threads: int, max_body: int,
                 read_timeout: float = READ_TIMEOUT, write_timeout: float = WRITE_TIMEOUT,
                 access_log: bool = False) -> None:
        self.app, self.cache = app, cache
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="kzct-front")
        self.host, self.port = host, str(port)
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.access_log = access_log
        # Proxies in front (TRUSTED_PROXIES): their connections carry every client's, so no bound.
        self.trusted: frozenset[str] = app.config.get("TRUSTED_PROXY_SET", frozenset())
        self.clients: Counter[str] = Counter()
        self.connections: set[Connection] = set()
        # Request bodies held in memory, read or waiting for a thread: at most what gunicorn's
        # threads could hold, each reading one body of the largest size.
        self.buffered = 0
        self.body_budget = threads * max_body
        # The bytes of a whole GET whose answer came from the answer cache -> that answer, cut
        # around its Date value: the same bytes are the same request, so they get the same answer.
        self.memo: dict[bytes, tuple[bytes, bytes, bool]] = {}  # ..., and whether it is a hit
        self.memo_size = 0

    def remember(self, request: bytes, before: bytes, after: bytes, hit: bool) -> None:
        size = len(request) + len(before) + len(after)
        if size > MEMO_ANSWER or self.access_log:
            return
        if self.memo_size + size > MEMO_BYTES:
            self.memo.clear()
            self.memo_size = 0
        self.memo[request] = (before, after, hit)
        self.memo_size += size

    def protocol(self) -> "Connection":
        return Connection(self)


class Connection(RequestReader, asyncio.Protocol):
    def __init__(self, front: Front) -> None:
        self.front = front
        self.loop = asyncio.get_running_loop()
        self.transport = None
        self.key = ""
        self.counted = False
        self.busy = False  # a request is running on a thread
        self.held = 0  # bytes of request bodies this connection holds (``Front.buffered``)
        self.running = 0  # of which the request running on a thread holds this many
        self.closing = False
        self.eof = False
        self.partial = False  # a request has begun and is not whole yet
        self.begun = self.completed = 0  # requests begun and completed in this data_received
        self.queue: deque = deque()  # whole requests (environ, keep) or a final error answer (bytes)
        self.timer = None  # a TimerHandle at timer_at, not after the deadline ``due``
        self.timer_at = self.due = 0.0
        self.kind: str | None = None  # what is due: "read" (408), "idle" (close), "write" (drop)
        self.paused = None  # a future while the transport's buffer is over its high-water mark

    # --- the connection ---------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.key, self.peer_port = (peer[0], str(peer[1])) if isinstance(peer, tuple) else ("", "")
        clients = self.front.clients
        per_address = clients[self.key] >= MAX_CLIENT_CONNECTIONS and self.key not in self.front.trusted
        if per_address or len(self.front.connections) >= MAX_CONNECTIONS:
            transport.write(problem_bytes(503, "Service Unavailable",
                                          f"more than {MAX_CLIENT_CONNECTIONS} connections from your address; "
                                          "close some and try again" if per_address
                                          else "too many connections; try again"))
            transport.close()
            return
        clients[self.key] += 1
        self.counted = True
        self.front.connections.add(self)
        self.parser = httptools.HttpRequestParser(self)
        self._arm_read()

    def connection_lost(self, exc) -> None:
        self._release(self.held)
        self.closing = True
        self.front.connections.discard(self)
        self._disarm()
        if self.timer is not None:
            self.timer.cancel()
        if self.counted:
            self.counted = False
            self.front.clients[self.key] -= 1
            if self.front.clients[self.key] <= 0:
                del self.front.clients[self.key]
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)  # a waiting ``send`` finds the connection closed

    def eof_received(self):
        self.eof = True  # the client sends no more: the connection closes after its answers
        return True if self.busy or self.queue else None  # keep the socket until the answer is sent

    def pause_writing(self) -> None:
        """The answers wait in a full buffer: read no more requests until the client reads them."""
        self.paused = self.loop.create_future()
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)
        self.paused = None
        if not (self.busy or self.closing):
            self.transport.resume_reading()
            self._next()  # requests read before the pause

    def data_received(self, data: bytes) -> None:
        if not (self.partial or self.busy or self.queue):
            known = self.front.memo.get(data)
            if known is not None:  # a whole request seen before, its answer from the answer cache
                if known[2]:
                    self.front.cache.count_hit()
                self.transport.write(known[0] + date_value() + known[1])
                if self.transport.get_write_buffer_size():
                    self._watch_write(self.transport.get_write_buffer_size())
                else:
                    self._idle()
                return
        self.begun = self.completed = 0
        rest = data
        try:
            while rest:
                try:
                    self.parser.feed_data(rest)
                    rest = b""
                except httptools.HttpParserUpgrade as exc:
                    # "Upgrade: h2c" (Java's HttpClient, so Jena, asks so on new connections): the
                    # request is whole and answered in HTTP/1.1, the upgrade ignored as RFC 9110
                    # allows; what follows is parsed as the next request.
                    self.parser = httptools.HttpRequestParser(self)
                    rest = rest[exc.args[0]:]
        except httptools.HttpParserError as exc:
            refused = exc.__context__ if isinstance(exc.__context__, Refused) else None
            self.queue.append(refused.answer if refused else
                              problem_bytes(400, "Bad Request", f"malformed request: {exc}"))
            self.transport.pause_reading()
        alone = self.begun == self.completed == len(self.queue) == 1 and not (self.partial or self.busy)
        self._next(data if alone else None)

    # --- answering --------------------------------------------------------------------------

    def _next(self, alone: bytes | None = None) -> None:
        """Answer the queued requests in turn; ``alone``: the bytes of the only one, a GET, if whole."""
        while self.queue and not (self.busy or self.closing or self.paused):
            item = self.queue.popleft()
            if isinstance(item, bytes):  # a refusal: the last answer on this connection
                self.transport.write(item)
                self.close()
                return
            environ, keep, size = item
            if self.front.access_log:
                log.info('%s "%s %s"', self.key, environ["REQUEST_METHOD"], environ["RAW_URI"])
            early = self.front.cache.early(environ) if self.front.cache is not None else None
            if early is not None:
                self._release(size)
                status, headers, body = early
                before, after = split_head(status, headers, len(body), keep, environ["SERVER_PROTOCOL"] == "HTTP/1.0")
                if alone is not None and keep and environ["REQUEST_METHOD"] == "GET":
                    self.front.remember(alone, before, after + body, hit=not status.startswith("304"))
                if not self._answered(before + date_value() + after + body, keep):
                    return
                continue
            self.busy, self.running = True, size
            self.transport.pause_reading()
            environ["kzct.watch"] = os.dup(self.transport.get_extra_info("socket").fileno())
            self.front.executor.submit(run, self, environ, keep)

    def _release(self, size: int) -> None:
        size = min(size, self.held)
        self.held -= size
        self.front.buffered -= size

    def finish(self, data: bytes, keep: bool) -> None:
        """Write the rest of an answer from a thread, then go on with the next request (in the loop)."""
        self._release(self.running)
        self.running = 0
        if self._answered(data, keep):
            self._next()

    def _answered(self, data: bytes, keep: bool) -> bool:
        """Write the rest of an answer; False when the connection is closing."""
        if self.closing:
            return False
        if data:
            self.transport.write(data)
        if self.busy:
            self.busy = False
            if self.paused is None:
                self.transport.resume_reading()
        if not keep or self.eof or self.transport.is_closing():
            self.close()
            return False
        if self.transport.get_write_buffer_size():
            self._watch_write(self.transport.get_write_buffer_size())
        elif not self.reading:
            self._idle()
        return True

    def close(self) -> None:
        self.closing = True
        self._disarm()
        if self.transport.get_write_buffer_size():
            self._watch_write(self.transport.get_write_buffer_size())
        self.transport.close()

    def _watch_write(self, size: int) -> None:
        """Drop the client if the buffered answer has not shrunk in ``write_timeout`` seconds."""
        self.written = size
        self._due("write", self.front.write_timeout)

    def _check_write(self) -> None:
        now = self.transport.get_write_buffer_size()
        if now and now >= self.written:
            log.info("client %s read nothing in %g s; dropped", self.key, self.front.write_timeout)
            self.transport.abort()
        elif now:
            self._watch_write(now)
        elif not self.closing and not self.busy and self.kind is None:
            self._idle()

    async def send(self, data: bytes) -> None:
        """Write part of a streamed answer and wait until the buffer is below its mark (from a thread)."""
        if self.closing or self.transport.is_closing():
            raise ConnectionResetError("the client is gone")
        self.transport.write(data)
        if self.paused is not None:
            await self.paused
            if self.closing:
                raise ConnectionResetError("the client is gone")
