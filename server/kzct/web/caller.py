"""Who is asking, for the engine's fairness and its client-gone check, without HTTP in the engine.

``caller()`` gives the client's key (its address, as the HTTP server saw it), the file descriptor
of its connection when the server is gunicorn or kzct's own front (``kzct.watch``: a duplicate of
the socket's), so a query whose client hangs up is stopped, and the moment the request reached the
view, from which the query's deadline counts.

Behind a proxy every request comes from the proxy's address. When that address is one of
``TRUSTED_PROXIES``, the client is the last address of ``X-Forwarded-For``, the one the proxy itself
added (haproxy's ``option forwardfor``, nginx's ``$proxy_add_x_forwarded_for``); earlier entries
were written by the client and are ignored. From any other address the header is ignored.
"""

from __future__ import annotations

import time

from flask import current_app, request


def client_key(environ, trusted: frozenset[str]) -> str | None:
    """Whom a request comes from: its address, or from a trusted proxy the address it forwarded."""
    address = environ.get("REMOTE_ADDR")
    if address in trusted:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return address


def caller() -> tuple[str | None, int | None, float]:
    environ = request.environ
    sock = environ.get("gunicorn.socket")
    try:
        watch = sock.fileno() if sock is not None else environ.get("kzct.watch")  # kzct.web.front
    except OSError:
        watch = None
    trusted = current_app.config.get("TRUSTED_PROXY_SET", frozenset())
    return client_key(environ, trusted), watch, time.monotonic()
