"""Headers on every response: CORS (any origin, no credentials), the data release ETag, Vary."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

EXPOSED = "ETag, X-KZCT-Rows, X-KZCT-Conforms, Content-Type, Content-Length"
METHODS = "GET, POST, OPTIONS"


def release_etag() -> str:
    return f'W/"{current_app.extensions["kzct"].release}"'


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = METHODS
            headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Accept, Content-Type"
            )
            headers["Access-Control-Max-Age"] = "86400"
        if "ETag" not in headers and "kzct" in current_app.extensions:
            headers["ETag"] = release_etag()
        headers.add("Vary", "Accept")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
