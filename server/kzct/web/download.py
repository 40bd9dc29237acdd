"""``/download/kzct-<version>.<ttl|nt|nq|trig|jsonld>`` (and ``.sha256``): the dumps of ``kzct.dump``.

The dumps are built (or found up to date) when the app starts, in ``DUMP_DIR`` if configured,
else ``build/dumps`` for the project and a temporary folder for other data. Only the file names
of the current manifest are served: a request names a dump, never a path.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_file

from kzct.dump import Dumps, default_folder, ensure_dumps
from kzct.web.conditional import conditional
from kzct.web.errors import Problem

log = logging.getLogger(__name__)
bp = Blueprint("download", __name__)


def dumps_of(app: Flask) -> Dumps | None:
    """The app's dumps, built at the first call (None if they could not be written)."""
    if "kzct.dumps" not in app.extensions:
        dataset = app.extensions["kzct"]
        configured = app.config.get("DUMP_DIR")
        project = not app.config.get("DATA") and not app.config.get("ROOT")
        folder = Path(configured) if configured else default_folder(dataset, project)
        try:
            dumps, built = ensure_dumps(dataset, folder)
            log.info("dumps of version %s %s in %s", dumps.version, "built" if built else "up to date", folder)
        except OSError as exc:
            log.warning("could not write the dumps to %s (%s): serving without them", folder, exc)
            dumps = None
        app.extensions["kzct.dumps"] = dumps
    return app.extensions["kzct.dumps"]


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
    response = send_file(dump.path, mimetype=dump.format.media_type, as_attachment=False,
                         download_name=dump.name, etag=False, conditional=False, max_age=None)
    response.headers["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(dump.sha256)).decode()
    return conditional(response)
