"""One request of the front (``kzct.web.front``) through the WSGI app, on one of its threads.

The body is already read. An answer of up to ``WHOLE`` bytes (every answer of the query paths:
the answer cache joins them) is handed to the event loop whole, and the thread is free at once.
A longer one (a dump) is streamed: each part waits until the connection's buffer is below its
high-water mark, at most ``WRITE_TIMEOUT`` seconds, or the client is dropped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from email.utils import formatdate

from kzct.engine.errors import StreamBroken
from kzct.web.early_errors import problem_bytes

log = logging.getLogger(__name__)

WHOLE = 256 * 1024
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"}
_date = [0, b""]


def date_value() -> bytes:
    now = int(time.time())
    if now != _date[0]:
        _date[1] = formatdate(now, usegmt=True).encode("ascii")
        _date[0] = now
    return _date[1]


def response_head(status: str, headers, length: int | None, keep: bool, old: bool, chunked: bool = False) -> bytes:
    """The status line and header block; ``length`` is added as Content-Length unless the app gave one.

    ``keep``: the connection stays open (said only to an HTTP/1.0 client, ``old``); else it closes."""
    before, after = split_head(status, headers, length, keep, old, chunked)
    return before + date_value() + after


def split_head(status: str, headers, length: int | None, keep: bool, old: bool,
               chunked: bool = False) -> tuple[bytes, bytes]:
    """``response_head`` cut where the value of its Date header goes."""
    lines = [b"HTTP/1.1 " + status.encode("latin-1")]
    for name, value in headers:
        lower = name.lower()
        if lower == "content-length":
            length = None
        elif lower in HOP_BY_HOP:
            continue
        lines.append(f"{name}: {value}".encode("latin-1"))
    if length is not None:
        lines.append(b"Content-Length: %d" % length)
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
    lines.append(b"Date: ")
    connection = b"" if keep and not old else b"\r\nConnection: keep-alive" if keep else b"\r\nConnection: close"
    return b"\r\n".join(lines), connection + b"\r\n\r\n"


def _no_body(method: str, status: str) -> bool:
    return method == "HEAD" or status[:1] == "1" or status[:3] in ("204", "304")


def _write(data: bytes) -> None:
    raise NotImplementedError("kzct's views return their body; the WSGI write() callable is not supported")


def run(conn, environ: dict, keep: bool) -> None:
    """Answer ``environ`` on ``conn`` (a ``front.Connection``); runs on a thread of the front."""
    loop = conn.loop
    old = environ["SERVER_PROTOCOL"] == "HTTP/1.0"
    started: list = []
    sent = False

    def start_response(status, headers, exc_info=None):
        if exc_info and sent:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return _write

    def send(data: bytes) -> None:
        future = asyncio.run_coroutine_threadsafe(conn.send(data), loop)
        try:
            future.result(conn.front.write_timeout)
        except concurrent.futures.TimeoutError:
            log.info("client %s read nothing in %g s; dropped", conn.key, conn.front.write_timeout)
            raise ConnectionAbortedError("write timeout") from None

    try:
        result = conn.front.app(environ, start_response)
        try:
            parts, size, rest = [], 0, iter(result)
            for chunk in rest:
                if chunk:
                    parts.append(chunk)
                    size += len(chunk)
                if size > WHOLE:
                    break
            else:
                status, headers = started
                body = b"" if _no_body(environ["REQUEST_METHOD"], status) else b"".join(parts)
                length = None if _no_body(environ["REQUEST_METHOD"], status) else len(body)
                loop.call_soon_threadsafe(conn.finish, response_head(status, headers, length, keep, old) + body,
                                          keep)
                return
            status, headers = started
            sized = any(name.lower() == "content-length" for name, _ in headers)
            chunked = not sized and environ["SERVER_PROTOCOL"] == "HTTP/1.1"
            keep = keep and (sized or chunked)
            frame = (lambda b: b"%x\r\n%b\r\n" % (len(b), b)) if chunked else (lambda b: b)
            sent = True
            send(response_head(status, headers, None, keep, old, chunked) + b"".join(frame(p) for p in parts))
            for chunk in rest:
                if chunk:
                    send(frame(chunk))
            loop.call_soon_threadsafe(conn.finish, b"0\r\n\r\n" if chunked else b"", keep)
        finally:
            if hasattr(result, "close"):
                result.close()
    except ConnectionError:
        loop.call_soon_threadsafe(conn.transport.abort)
    except StreamBroken:  # said by web.streaming; the transfer is broken off, never finished short
        loop.call_soon_threadsafe(conn.transport.abort)
    except Exception:
        log.exception("unexpected error answering %s %s", environ.get("REQUEST_METHOD"), environ.get("RAW_URI"))
        if sent:
            loop.call_soon_threadsafe(conn.transport.abort)
        else:
            loop.call_soon_threadsafe(conn.finish, problem_bytes(500, "Internal Server Error",
                                                                 "The server could not answer."), False)
    finally:
        watch = environ.pop("kzct.watch", None)
        if watch is not None:
            os.close(watch)
