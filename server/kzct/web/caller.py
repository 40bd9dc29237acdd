"""Who is asking, for the engine's fairness and its client-gone check, without HTTP in the engine.

``caller()`` gives the client's key (its address, as the HTTP server saw it), the file descriptor
of its connection when the server is gunicorn or kzct's own front (``kzct.watch``: a duplicate of
the socket's), so a query whose client hangs up is stopped, and the moment the request reached the
view, from which the query's deadline counts.
"""

from __future__ import annotations

import time

from flask import request

def caller() -> tuple[str | None, int | None, float]:
    environ = request.environ
    sock = environ.get("gunicorn.socket")
    try:
        watch = sock.fileno() if sock is not None else environ.get("kzct.watch")  # kzct.web.front
    except OSError:
        watch = None
    return environ.get("REMOTE_ADDR"), watch, time.monotonic()
