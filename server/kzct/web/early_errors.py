"""Errors gunicorn answers itself, before the app sees the request, in the app's problem+json shape.

gunicorn refuses a request line over ``limit_request_line`` (414), too many or too large header
fields (431) and malformed HTTP (400) with a small HTML page. ``install()`` replaces the writer
gunicorn uses for those answers, so a client gets the same ``application/problem+json`` body (and
CORS header) as for every other error. Called once in ``kzct serve`` before the workers fork.
"""

from __future__ import annotations

import json

from gunicorn import util

from kzct.web.errors import PROBLEM_JSON, TYPE_BASE

HINTS = {
    414: "the request line is too long; send long queries by POST",
    431: "the request's header fields are too many or too large",
}
MAX_DETAIL = 200


def problem_bytes(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP/1.1 response: the status line, headers and a problem+json body."""
    detail = HINTS.get(status) or message[:MAX_DETAIL] or reason
    kind = reason.lower().replace(" ", "-")
    body = json.dumps({"type": TYPE_BASE + kind, "title": reason, "status": status, "detail": detail})
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    return head.encode("latin-1", "replace") + body.encode("ascii")


def _write_problem(sock, status_int, reason, mesg) -> None:
    util.write_nonblock(sock, problem_bytes(int(status_int), str(reason), str(mesg)))


def install() -> None:
    util.write_error = _write_problem
