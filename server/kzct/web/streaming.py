"""A streamed answer as a WSGI body: chunks as the query process writes them, or a broken transfer.

``Streamed`` wraps ``QueryResult.chunks``. The HTTP server sends it with chunked transfer coding
(gunicorn does so for an HTTP/1.1 answer without ``Content-Length``). When the stream breaks (its
deadline, a row limit, a failed query process) the client's connection is shut at once, so the
last chunk (``0``) is never sent: curl, requests, Jena, rdflib and every other HTTP client report
an incomplete transfer, never a short answer that looks whole. Closed early (the client left), the
query process writing it is killed.
"""

from __future__ import annotations

import logging
import socket

from kzct.engine.errors import StreamBroken

log = logging.getLogger(__name__)


class Streamed:
    def __init__(self, chunks, sock) -> None:
        self.chunks = chunks
        # gunicorn's connection to the client, shut here; None: the server breaks the transfer when
        # StreamBroken reaches it (kzct.web.front aborts the connection; a test client raises it).
        self.sock = sock

    def __iter__(self):
        try:
            yield from self.chunks
        except StreamBroken as exc:
            log.warning("answer broken off mid-stream: %s", exc)
            if self.sock is None:
                raise
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()
