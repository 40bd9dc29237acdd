"""Headers on every response: CORS (any origin, no credentials), the data release ETag, Vary."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

EXPOSED = ("ETag, X-KZCT-Rows, X-KZCT-Conforms, Content-Type, Content-Length, Content-Range, "
           "Content-Encoding, Link")


def allowed_methods() -> str:
    """The methods this request's URL answers (a preflight advertises only those)."""
    try:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        methods = set(adapter.allowed_methods(request.path)) or {"GET", "HEAD", "OPTIONS"}
    except Exception:  # noqa: BLE001 - a URL no rule matches: the safe methods
        methods = {"GET", "HEAD", "OPTIONS"}
    order = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
    return ", ".join(m for m in order if m in methods)


def release_etag() -> str:
    return f'W/"{current_app.extensions["kzct"].release}"'


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = allowed_methods()
            headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Accept, Content-Type"
            )
            headers["Access-Control-Max-Age"] = "86400"
        if "ETag" not in headers and "kzct" in current_app.extensions:
            headers["ETag"] = release_etag()
        response.vary.add("Accept")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
