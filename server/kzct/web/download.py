"""``/download/kzct-<version>.<ttl|nt|nq|trig|jsonld>`` (and ``.sha256``): the dumps of ``kzct.dump``.

The dumps are built (or found up to date) when the app starts, in ``DUMP_DIR`` if configured,
else ``build/dumps`` for the project and a temporary folder for other data. Only the file names
of the current manifest are served: a request names a dump, never a path. The files are held open
from the start, so the bytes sent are those the VoID checksums describe even if ``kzct dump``
replaces the files with a newer release meanwhile.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app

from kzct.dump import Dumps, default_folder, ensure_dumps
from kzct.web.conditional import conditional
from kzct.web.errors import Problem

log = logging.getLogger(__name__)
bp = Blueprint("download", __name__)
CHUNK = 1 << 16


def dumps_of(app: Flask) -> Dumps | None:
    """The app's dumps, built at the first call (None if they could not be written)."""
    if "kzct.dumps" not in app.extensions:
        dataset = app.extensions["kzct"]
        configured = app.config.get("DUMP_DIR")
        project = not app.config.get("DATA") and not app.config.get("ROOT")
        folder = Path(configured) if configured else default_folder(dataset, project)
        dumps, handles = None, {}
        try:
            for _ in range(3):  # another process may replace a file between the check and the open
                dumps, built = ensure_dumps(dataset, folder)
                handles = _open(dumps)
                if handles is not None:
                    break
            else:
                raise OSError("the dump files kept changing while they were opened")
            log.info("dumps of version %s %s in %s", dumps.version, "built" if built else "up to date", folder)
        except OSError as exc:
            log.warning("could not write the dumps to %s (%s): serving without them", folder, exc)
            dumps, handles = None, {}
        app.extensions["kzct.dumps"] = dumps
        app.extensions["kzct.dump_handles"] = handles
    return app.extensions["kzct.dumps"]


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


def _stream(fd: int, size: int):
    offset = 0
    while offset < size:
        block = os.pread(fd, min(CHUNK, size - offset), offset)
        if not block:
            break
        offset += len(block)
        yield block


@bp.record_once
def _build_at_start(state) -> None:
    dumps_of(state.app)


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
    fd = current_app.extensions["kzct.dump_handles"][dump.name]
    response = Response(_stream(fd, dump.size), content_type=dump.format.content_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(dump.size)
    response.headers["Content-Disposition"] = f"inline; filename={dump.name}"
    response.headers["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(dump.sha256)).decode()
    return conditional(response)
