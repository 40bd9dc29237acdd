"""Every link the server writes, and the base of relative IRIs in queries, come from one public base.

The ``Host`` header is the client's to choose: reflected into the Service Description, VoID, pages
and query base IRIs, it lets anyone make the server describe itself under another name (and,
with any cache in front, serve that to others). ``PublicBase`` rewrites each request's
``HTTP_HOST``, ``SERVER_NAME``, ``SERVER_PORT`` and ``wsgi.url_scheme`` before Flask sees them:
from ``PUBLIC_URL`` when configured (``kzct serve --public-url``, for a server behind a proxy),
else from the address the server is listening on, never from the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class PublicBase:
    """WSGI middleware: the request's host and scheme are the configured public base."""

    def __init__(self, app, public_url: str | None) -> None:
        self.app = app
        self.fixed = None
        if public_url:
            parts = urlsplit(public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"PUBLIC_URL {public_url!r} is not an http(s) URL")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            self.fixed = (parts.scheme, parts.hostname, str(port), parts.netloc, parts.path.rstrip("/"))

    def __call__(self, environ, start_response):
        if self.fixed:
            scheme, host, port, netloc, prefix = self.fixed
            environ["wsgi.url_scheme"] = scheme
            environ["SERVER_NAME"] = host
            environ["SERVER_PORT"] = port
            environ["HTTP_HOST"] = netloc
            if prefix:
                environ["SCRIPT_NAME"] = prefix
        else:
            host = environ.get("SERVER_NAME", "localhost")
            port = environ.get("SERVER_PORT", "80")
            if ":" in host and not host.startswith("["):
                host = f"[{host}]"
            scheme = environ.get("wsgi.url_scheme", "http")
            default = (scheme == "http" and port == "80") or (scheme == "https" and port == "443")
            environ["HTTP_HOST"] = host if default else f"{host}:{port}"
        return self.app(environ, start_response)
