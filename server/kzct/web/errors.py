"""One shape for every error: ``application/problem+json`` with type, title, status and detail.

Views raise ``Problem`` (or let a ``kzct.engine`` ``QueryError`` through); werkzeug's HTTP errors
(404, 405, 413, ...) get the same shape. A person's browser navigation (``layout.wants_html``)
gets the same title and detail as a page with the site's layout instead. Anything unexpected is logged with its traceback and
answered with a plain 500 whose body says nothing about the code.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from gunicorn.http.errors import ParseException as HttpParseError  # a malformed body the app reads

from kzct.engine.errors import Busy, QueryError
from kzct.namespaces import BASE
from kzct.syntaxhint import explain
from kzct.web.layout import error_page, wants_html

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = BASE + "problems#"

# QueryError kind -> (status, title)
QUERY_STATUS = {
    "syntax": (400, "Query syntax error"),
    "update": (403, "Updates are not accepted"),
    "service": (400, "SERVICE is not allowed"),
    "too-long": (413, "Query too long"),
    "too-deep": (400, "Query nested too deeply"),
    "not-acceptable": (406, "Not acceptable"),
    "timeout": (503, "Query timed out"),
    "busy": (503, "Busy"),
    "gone": (499, "Client closed the connection"),
    "memory": (507, "Query needed too much memory"),
    "too-large": (507, "Answer too large"),
    "backend-unavailable": (502, "Backend unavailable"),
    "backend-timeout": (504, "Backend timed out"),
    "failed": (500, "Query failed"),
    "error": (500, "Query failed"),
}


class RequestReadTimeout(Exception):
    """The client did not send its whole request (head and body) within the read deadline."""

    def __init__(self, message: str = "the request was not received in time; send it at once") -> None:
        super().__init__(message)


class Problem(Exception):
    """An HTTP error with a short, client-safe ``detail``."""

    def __init__(self, status: int, title: str, detail: str, kind: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.headers = headers or {}


def problem_response(status: int, title: str, detail: str, kind: str,
                     headers: dict[str, str] | None = None) -> Response:
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail}
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_query_error(exc: QueryError, status: int | None = None, query: str | None = None) -> Problem:
    """The Problem for ``exc``; with the ``query`` text, a syntax error is put in words (syntaxhint)."""
    code, title = QUERY_STATUS.get(exc.kind, (500, "Query failed"))
    detail = explain(query, str(exc)) if exc.kind == "syntax" and query else str(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
    return Problem(status or code, title, detail, exc.kind, headers)


def _answer(status: int, title: str, detail: str, kind: str, headers: dict[str, str] | None = None) -> Response:
    """problem+json, or the error page with the site's layout for a person's browser navigation."""
    if wants_html():
        response = error_page(status, title, detail)
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response
    return problem_response(status, title, detail, kind, headers)


def register(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return _answer(exc.status, exc.title, exc.detail, exc.kind, exc.headers)

    @app.errorhandler(QueryError)
    def _query_error(exc: QueryError):
        return _problem(from_query_error(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        detail = exc.description or exc.name
        kind = exc.name.lower().replace(" ", "-")
        return _answer(exc.code or 500, exc.name, detail, kind, headers)

    @app.errorhandler(RequestReadTimeout)
    def _read_timeout(exc: RequestReadTimeout):
        return problem_response(408, "Request Timeout", str(exc), "request-timeout",
                                {"Connection": "close"})

    @app.errorhandler(HttpParseError)
    def _bad_body(exc: Exception):
        # A malformed body (a bad chunk size, a missing chunk terminator) read by the app.
        return problem_response(400, "Bad Request", f"malformed request body: {type(exc).__name__}",
                                "bad-request", {"Connection": "close"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error")
        return problem_response(500, "Internal Server Error", "The server could not answer.", "internal")
