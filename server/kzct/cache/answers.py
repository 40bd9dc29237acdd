"""Exact cached answers: the data never changes while it is served, so an answer is a pure function
of the request.

``AnswerCache`` is WSGI middleware in front of the Flask app. For ``GET`` and ``POST`` to
``/sparql`` and ``/queries/<name>`` it computes a key from the data release and everything that
shapes the answer: method, path, query string, body (POST, at most ``MAX_CONTENT_LENGTH``), and the
``Accept``, ``Accept-Encoding`` and ``Sec-Fetch-Mode`` headers. Then:

- ``If-None-Match`` with this request's ETag (``W/"<release>-<key>"``) -> 304 at once, without
  running anything (the same request on the same release always gets the same answer);
- a stored answer -> sent as stored (status, headers, body), Flask never runs;
- otherwise Flask answers; a 200 that the view marked cacheable (the ``X-KZCT-Cacheable`` header,
  removed here) is stored, gzip-compressed first when the client accepts gzip and the body is over
  1 KB (``Content-Encoding: gzip``, ``Vary: Accept, Accept-Encoding``).

Every cacheable answer gets its ETag and ``Cache-Control: public, max-age=600``, so proxies and
peers may keep it too. The store is diskcache (SQLite and files) in a folder of its own, shared by
every process of one server and bounded at ``CACHE_MB``; least recently stored answers are evicted
first. ``CACHE_MB=0`` turns all of it off except the ETag and the 304. Hits and misses are counted
in shared memory (``counts()``, shown by ``/health``).

``early(environ)`` is the look-up alone, for an HTTP server that answers hits itself before any
thread runs the app (``kzct serve --server uvloop``, ``kzct.web.front``); it leaves the key in the
environ so that the middleware does not look it up twice.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import multiprocessing
import pickle
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CACHEABLE = "X-KZCT-Cacheable"  # response header a view sets on an answer that may be kept
MAX_AGE = 600
MIN_GZIP = 1024
PATHS = ("/sparql", "/queries/")
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_SEC_FETCH_MODE")
LOOKED_UP = "kzct.cache.key"  # environ key: the lookup was done (see ``early``)


def accepts_gzip(value: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (named with q > 0, or ``*`` with q > 0)."""
    quality: dict[str, float] = {}
    for part in value.split(","):
        name, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if name:
            quality[name.lower()] = q
    for name in ("gzip", "x-gzip"):
        if name in quality:
            return quality[name] > 0
    return quality.get("*", 0.0) > 0


class AnswerCache:
    """WSGI middleware: ETag, 304, stored answers and gzip for the query paths."""

    def __init__(self, app, release: str, cache_mb: int, max_body: int, directory: str | None = None) -> None:
        self.app = app
        self.release = release
        self.max_body = max_body
        self.cache_mb = cache_mb
        self._hits = multiprocessing.Value("q", 0)
        self._misses = multiprocessing.Value("q", 0)
        self._owned_dir = None
        self.store = None
        if cache_mb > 0:
            import diskcache

            if directory is None:
                shm = Path("/dev/shm")
                self._owned_dir = tempfile.mkdtemp(prefix="kzct-cache-", dir=shm if shm.is_dir() else None)
                directory = self._owned_dir
            self.store = diskcache.Cache(directory, size_limit=cache_mb << 20, eviction_policy="least-recently-stored",
                                         statistics=False)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)

    def counts(self) -> dict[str, int]:
        return {"enabled": self.store is not None, "megabytes": self.cache_mb,
                "hits": self._hits.value, "misses": self._misses.value}

    def count_hit(self) -> None:
        """Count a hit answered from a copy of a stored answer (``kzct.web.front``'s memo)."""
        with self._hits.get_lock():
            self._hits.value += 1

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        looked = environ.pop(LOOKED_UP, None)  # the front looked the key up already: a miss
        if looked is None:
            early = self.early(environ)
            if early is not None:
                status, headers, content = early
                start_response(status, headers)
                return [content]
            looked = environ.pop(LOOKED_UP, None)
        if not looked:
            return self.app(environ, start_response)
        return self._answer(environ, start_response, *looked)

    def early(self, environ) -> tuple[str, list, bytes] | None:
        """The answer to a request that needs no Flask (a 304 or a stored answer), or None.

        On None, ``environ[LOOKED_UP]`` holds the key (falsy when the request is not one the cache
        keeps), so the middleware does not look it up again."""
        environ[LOOKED_UP] = ()
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "POST") or not (path == PATHS[0] or path.startswith(PATHS[1])):
            return None
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return None
            if length <= 0 or length > self.max_body or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", ""):
                return None
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        elif not environ.get("QUERY_STRING"):
            return None
        zipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        digest = hashlib.blake2b(digest_size=12)
        for part in (self.release, method, path, environ.get("QUERY_STRING", ""),
                     environ.get("CONTENT_TYPE", ""), *(environ.get(h, "") for h in KEY_HEADERS)):
            digest.update(part.encode("latin-1", "replace"))
            digest.update(b"\0")
        digest.update(body)
        key = digest.hexdigest()
        etag = f'W/"{self.release}-{key}"'
        if etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            return "304 Not Modified", [("ETag", etag), ("Cache-Control", f"public, max-age={MAX_AGE}"),
                                        ("Access-Control-Allow-Origin", "*"),
                                        ("Vary", "Accept, Accept-Encoding, Sec-Fetch-Mode")], b""
        if self.store is not None:
            stored = self.store.get(key)
            if stored is not None:
                with self._hits.get_lock():
                    self._hits.value += 1
                return pickle.loads(stored)
            with self._misses.get_lock():
                self._misses.value += 1
        environ[LOOKED_UP] = (key, etag, zipped)
        return None

    def _answer(self, environ, start_response, key: str, etag: str, zipped: bool):
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None  # views return their body; nothing writes directly

        chunks = self.app(environ, capture)
        status, headers = captured["status"], captured["headers"]
        cacheable = any(name == CACHEABLE for name, _ in headers)
        if not cacheable or not status.startswith("200"):  # passed on as it is: a stream stays a stream
            start_response(status, [(n, v) for n, v in headers if n != CACHEABLE])
            return chunks
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        vary = [v.strip() for n, value in headers if n.lower() == "vary" for v in value.split(",") if v.strip()]
        vary = list(dict.fromkeys(vary + ["Accept", "Accept-Encoding"]))
        kept = [(n, v) for n, v in headers
                if n not in (CACHEABLE, "ETag", "Vary", "Content-Length", "Cache-Control")]
        kept += [("ETag", etag), ("Vary", ", ".join(vary)),
                 ("Cache-Control", f"public, max-age={MAX_AGE}")]
        if zipped and len(content) >= MIN_GZIP:
            content = gzip.compress(content, compresslevel=5, mtime=0)
            kept.append(("Content-Encoding", "gzip"))
        kept.append(("Content-Length", str(len(content))))
        if self.store is not None:
            try:
                self.store.set(key, pickle.dumps((status, kept, content), protocol=pickle.HIGHEST_PROTOCOL))
            except Exception as exc:  # a full or failing cache never fails the answer
                log.warning("could not keep an answer: %s", exc)
        start_response(status, kept)
        return [content]
