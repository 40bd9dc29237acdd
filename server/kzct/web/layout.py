"""What every HTML page shares: the navigation of ``templates/base.html``, the favicon, one
Content-Security-Policy, and the error page a person sees instead of problem+json.

The header's links and which one is current come from here (``nav_links``, ``nav_current``), so a
new page only extends ``base.html``. HTML error pages go only to top-level browser navigations
that prefer HTML; every other client keeps getting ``application/problem+json``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request, send_from_directory

bp = Blueprint("layout", __name__)

# This host only; images may also be data: URIs (the editor stylesheet's icons).
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

NAV = (
    ("ui.index", "Query"),
    ("queries.list_queries", "Named queries"),
    ("pages.ontology", "Ontology"),
    ("void.void_description", "Dataset and downloads"),
    ("validate.validate_form", "Validate"),
)
# Pages that belong under a navigation entry without being it.
UNDER = {"download.index": "void.void_description", "validate.validate_upload": "validate.validate_form",
         "sparql.sparql": "ui.index"}


def html_response(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def wants_html() -> bool:
    """A browser's own navigation that ranks HTML above JSON (scripts and clients never are)."""
    if request.headers.get("Sec-Fetch-Mode") != "navigate" or not request.accept_mimetypes:
        return False
    accept = request.accept_mimetypes
    return accept["text/html"] > max(accept["application/json"], accept["application/problem+json"])


def error_page(status: int, title: str, detail: str) -> Response:
    return html_response(render_template("error.html", status=status, title=title, detail=detail), status)


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    def nav_current() -> str | None:
        endpoint = request.endpoint or ""
        return UNDER.get(endpoint, endpoint)

    return {"nav_links": lambda: NAV, "nav_current": nav_current}


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def _policy(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response
