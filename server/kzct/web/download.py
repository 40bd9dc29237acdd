"""``/download/kzct-<version>.<ttl|nt|nq|trig|jsonld>`` (and ``.sha256``): the dumps of ``kzct.dump``;
``/download/`` lists them.

The dumps live in ``DUMP_DIR`` if configured, else ``build/dumps`` for the project and a temporary
folder for other data. They never delay the queries: ``kzct serve`` forks a process that writes
them (or finds them up to date) before its workers start, and each serving process waits for
them on a thread of its own (``start``; the Flask app alone starts it at the first request that
needs them). Until they are ready, ``/download/...`` and the VoID description, which lists them
with their checksums, wait up to ``DUMP_WAIT`` seconds and then answer 503 (problem+json, kind
``dumps-building``) with ``Retry-After``. If they cannot be written at all the answer is 503
``no-dumps``, and the VoID description leaves them out.

Only the file names of the current manifest are served: a request names a dump, never a path.
The files are held open once checked, so the bytes sent are those the VoID checksums describe
even if ``kzct dump`` replaces the files with a newer release meanwhile.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
import zlib
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, render_template, request

from kzct.dump import Dumps, build_in_background, default_folder, ensure_dumps
from kzct.web.conditional import conditional
from kzct.web.errors import Problem
from kzct.web.layout import html_response

log = logging.getLogger(__name__)
bp = Blueprint("download", __name__)
CHUNK = 1 << 16


RETRY_AFTER = 5  # seconds, while the dumps are being written


class Downloads:
    """One process's view of the dumps: found, checked and opened on a thread of that process."""

    def __init__(self, app: Flask) -> None:
        dataset = app.extensions["kzct"]
        configured = app.config.get("DUMP_DIR")
        project = not app.config.get("DATA") and not app.config.get("ROOT")
        self.dataset = dataset
        self.folder = Path(configured) if configured else default_folder(dataset, project)
        self.wait = float(app.config.get("DUMP_WAIT", 0))
        self.dumps: Dumps | None = None
        self.handles: dict[str, int] = {}
        self._pid: int | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start this process's thread (once per process: threads do not survive a fork)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.dumps, self.handles = None, {}
            self._ready = threading.Event()
            threading.Thread(target=self._prepare, name="kzct-dumps", daemon=True).start()

    def get(self, wait: float | None = None) -> Dumps | None:
        """The dumps (None: they could not be written); Problem 503 if still not ready after ``wait``."""
        self.start()
        if not self._ready.wait(self.wait if wait is None else wait):
            raise Problem(503, "Service Unavailable",
                          f"the dumps of this release are being written; try again in {RETRY_AFTER} s",
                          "dumps-building", headers={"Retry-After": str(RETRY_AFTER)})
        return self.dumps

    def _prepare(self) -> None:
        dumps, handles = None, {}
        if not self.dataset.sources:  # a remote backend (kzct.remote): its owner publishes dumps
            self.dumps, self.handles = None, {}
            self._ready.set()
            return
        try:
            for attempt in range(3):  # another process may replace a file between the check and the open
                # The first time, the checksums are checked once, through the opened files.
                dumps, built = ensure_dumps(self.dataset, self.folder, verify=attempt > 0)
                handles = _open(dumps)
                if handles is not None:
                    break
            else:
                raise OSError("the dump files kept changing while they were opened")
            log.info("dumps of version %s %s in %s", dumps.version, "built" if built else "up to date",
                     self.folder)
        except Exception as exc:  # noqa: BLE001 - served as a 503, the queries go on
            log.warning("could not write the dumps to %s (%s): serving without them", self.folder, exc)
            dumps, handles = None, {}
        self.dumps, self.handles = dumps, handles
        self._ready.set()


def downloads_of(app: Flask) -> Downloads:
    return app.extensions["kzct.downloads"]


def dumps_of(app: Flask, wait: float | None = None) -> Dumps | None:
    """The app's dumps (None if they could not be written); Problem 503 while they are written."""
    return downloads_of(app).get(wait)


def build_before_fork(app: Flask) -> int | None:
    """``kzct serve``: fork the process that writes the dumps, before the workers; its pid."""
    downloads = downloads_of(app)
    if not downloads.dataset.sources:  # a remote backend: its owner publishes the dumps
        return None
    return build_in_background(downloads.dataset, downloads.folder)


def _open(dumps: Dumps) -> dict[str, int] | None:
    """Open every dump and check its SHA-256 through the open descriptor (None: one changed).

    The server keeps these descriptors, so a later ``kzct dump`` of newer data (which renames new
    files into place) never changes what this server sends: the bytes its VoID describes.
    """
    handles = {}
    for f in dumps.files:
        fd = os.open(f.path, os.O_RDONLY)
        digest, offset = hashlib.sha256(), 0
        while block := os.pread(fd, CHUNK, offset):
            digest.update(block)
            offset += len(block)
        if digest.hexdigest() != f.sha256:
            os.close(fd)
            for other in handles.values():
                os.close(other)
            return None
        handles[f.name] = fd
    return handles


def _stream(fd: int, size: int, offset: int = 0):
    """The bytes [offset, size) of the open file, read with pread (threads share the descriptor)."""
    while offset < size:
        block = os.pread(fd, min(CHUNK, size - offset), offset)
        if not block:
            break
        offset += len(block)
        yield block


def _gzipped(blocks):
    """The blocks compressed as one gzip member, without a name or time (the same bytes every time)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: gzip header, mtime 0
    for block in blocks:
        if packed := packer.compress(block):
            yield packed
    yield packer.flush()


def _byte_range(size: int) -> tuple[int, int] | None:
    """The one satisfiable byte range asked for, (start, stop); None: send the whole file.

    Several ranges, another unit, or an ``If-Range`` (our validators are weak, so it can never
    match) get the whole file; an unsatisfiable range gets 416."""
    ranges = request.range
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1 or "If-Range" in request.headers:
        return None
    found = ranges.range_for_length(size)
    if found is None:
        raise Problem(416, "Range Not Satisfiable", f"the file has {size} bytes", "range-not-satisfiable",
                      headers={"Content-Range": f"bytes */{size}"})
    return found


def _wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0 or request.accept_encodings["x-gzip"] > 0


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["kzct.downloads"] = Downloads(state.app)


@bp.get("/download/")
def index():
    """The dumps of this release as a page: name, format, size and SHA-256 of each."""
    dumps = dumps_of(current_app)
    if dumps is None:
        raise Problem(503, "Service Unavailable", "the dumps could not be built on this server", "no-dumps")
    return html_response(render_template("downloads.html", dumps=dumps))


@bp.get("/download/<name>")
def download(name: str):
    dumps = dumps_of(current_app)
    if dumps is None:
        raise Problem(503, "Service Unavailable", "the dumps could not be built on this server", "no-dumps")
    checksum = name.endswith(".sha256")
    dump = dumps.get(name.removesuffix(".sha256") if checksum else name)
    if dump is None:
        names = ", ".join(f.name for f in dumps.files)
        raise Problem(404, "Not Found", f"no dump called {name!r}; the dumps are {names}", "not-found")
    if checksum:
        body = f"{dump.sha256}  {dump.name}\n"
        return conditional(Response(body, content_type="text/plain; charset=utf-8"))
    fd = downloads_of(current_app).handles[dump.name]
    headers = {"Content-Disposition": f"inline; filename={dump.name}", "Accept-Ranges": "bytes"}
    wanted = _byte_range(dump.size)
    if wanted is not None:
        start, stop = wanted
        response = Response(_stream(fd, stop, start), status=206, content_type=dump.format.content_type,
                            direct_passthrough=True, headers=headers)
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{dump.size}"
        response.headers["Content-Length"] = str(stop - start)
    elif _wants_gzip():
        response = Response(_gzipped(_stream(fd, dump.size)), content_type=dump.format.content_type,
                            direct_passthrough=True, headers=headers)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(_stream(fd, dump.size), content_type=dump.format.content_type,
                            direct_passthrough=True, headers=headers)
        response.headers["Content-Length"] = str(dump.size)
        response.headers["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(dump.sha256)).decode()
    response.vary.add("Accept-Encoding")
    return conditional(response)
