"""What a connection of the front (``kzct.web.front``) reads, and by when.

``RequestReader`` is the part of ``front.Connection`` that httptools calls while it parses: it
bounds the request line, the header fields and the body (414, 431, 413, raised as ``Refused`` and
answered by the connection), sends ``100 Continue`` when asked, and turns a whole request into a
WSGI environ with its body read. It also keeps the connection's one deadline: the read deadline
(408), the keep-alive wait (close) or the write watch (drop), on a timer that is moved only when
the deadline comes nearer, so a request costs no timer of its own.
"""

from __future__ import annotations

import io
import logging
import sys
from urllib.parse import unquote_to_bytes

import httptools

from kzct.web.early_errors import problem_bytes

log = logging.getLogger(__name__)

KEEPALIVE = 5.0  # seconds an idle kept-alive connection stays open
MAX_LINE = 8190  # the request target, as gunicorn's limit_request_line
MAX_FIELDS = 100
MAX_FIELD = 8190


class Refused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.answer = problem_bytes(status, reason, message)


class RequestReader:
    """The parsing callbacks and the deadline of ``front.Connection`` (a mixin)."""

    # --- timers: one deadline per connection, its timer moved only when the deadline comes nearer ---

    @property
    def reading(self) -> bool:
        return self.kind == "read"

    def _due(self, kind: str, seconds: float) -> None:
        self.kind, self.due = kind, self.loop.time() + seconds
        if self.timer is None or self.timer_at > self.due:
            if self.timer is not None:
                self.timer.cancel()
            self.timer, self.timer_at = self.loop.call_at(self.due, self._fire), self.due

    def _disarm(self) -> None:
        self.kind = None  # the timer, if any, fires and finds nothing due

    def _arm_read(self) -> None:
        self._due("read", self.front.read_timeout)

    def _idle(self) -> None:
        self._due("idle", KEEPALIVE)

    def _fire(self) -> None:
        self.timer = None
        if self.kind is None or (self.closing and self.kind != "write"):
            return
        if self.loop.time() < self.due:  # the deadline moved on since the timer was set
            self.timer, self.timer_at = self.loop.call_at(self.due, self._fire), self.due
            return
        kind, self.kind = self.kind, None
        if kind == "read":
            log.info("request from %s not received within %g s", self.key, self.front.read_timeout)
            self.transport.write(problem_bytes(408, "Request Timeout",
                                               "the request was not received in time; send it at once"))
            self.transport.close()
        elif kind == "idle":
            self.transport.close()
        else:
            self._check_write()

    # --- httptools callbacks ----------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.partial = True
        self.begun += 1
        if not self.reading:  # the first byte of a request on a kept-alive connection
            self._arm_read()
        self.url, self.fields, self.chunks, self.size = b"", [], [], 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_LINE:
            raise Refused(414, "Request-URI Too Long", "")

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.fields) >= MAX_FIELDS or len(name) + len(value) > MAX_FIELD:
            raise Refused(431, "Request Header Fields Too Large", "")
        self.fields.append((name, value))

    def on_headers_complete(self) -> None:
        for name, value in self.fields:
            lower = name.lower()
            if lower == b"content-length" and value.isdigit() and int(value) > self.front.max_body:
                raise Refused(413, "Request Entity Too Large", f"the body is over {self.front.max_body} bytes")
            if lower == b"expect" and value.lower() == b"100-continue":
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.front.max_body:
            raise Refused(413, "Request Entity Too Large", f"the body is over {self.front.max_body} bytes")
        if self.front.buffered + len(body) > self.front.body_budget:
            raise Refused(503, "Service Unavailable", "the server is receiving too many request bodies at "
                                                      "once; try again")
        self.front.buffered += len(body)
        self.held += len(body)
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.partial = False
        self.completed += 1
        self._disarm()
        self.queue.append((self._environ(), self.parser.should_keep_alive(), self.size))

    def _environ(self) -> dict:
        url = httptools.parse_url(self.url)
        path = url.path if b"%" not in url.path else unquote_to_bytes(url.path)
        body = b"".join(self.chunks)
        environ = {
            "REQUEST_METHOD": self.parser.get_method().decode("ascii"), "SCRIPT_NAME": "",
            "PATH_INFO": path.decode("latin-1"), "QUERY_STRING": (url.query or b"").decode("latin-1"),
            "RAW_URI": self.url.decode("latin-1"), "SERVER_NAME": self.front.host,
            "SERVER_PORT": self.front.port, "SERVER_PROTOCOL": "HTTP/" + self.parser.get_http_version(),
            "REMOTE_ADDR": self.key, "REMOTE_PORT": self.peer_port,
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.input_terminated": True,
        }
        for name, value in self.fields:
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            text = value.decode("latin-1")
            environ[key] = environ[key] + "," + text if key in environ else text
        if body or "HTTP_TRANSFER_ENCODING" in environ:  # the whole body is read: its length is known
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["CONTENT_LENGTH"] = str(len(body))
        return environ
