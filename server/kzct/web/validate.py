"""``/validate``: check uploaded RDF against the project's SHACL shapes and ontology.

``POST /validate`` takes RDF as the body (Turtle, N-Triples, N-Quads, RDF/XML, JSON-LD or TriG, by
Content-Type) or a ``multipart/form-data`` upload: a ``file`` part (format from the part's content
type, else its file name's extension) or a ``data`` field with the text and ``data-format`` with
its media type (Turtle if absent). ``inference=none|rdfs|owlrl`` (query string or form) runs that
inference first. The answer, by ``Accept`` or ``format=json|turtle|jsonld|html``: a JSON summary
(``application/json``, the default), the SHACL validation report graph as Turtle or JSON-LD, or a
page; ``X-KZCT-Conforms: true|false`` on every report. ``GET /validate`` is a form for people.

Safety: the body is capped (``VALIDATE_MAX_BYTES``, 413, refused from its Content-Length before
it is read); parsing refuses DTDs and entities, remote or file JSON-LD contexts, and nesting deeper
than 64 levels (400); nothing is fetched and ``owl:imports`` are not followed. Parsing and
validation run in a forked child that cannot open a network connection, may grow by at most
``VALIDATE_MEMORY_MB`` (507 past it) and is killed after ``VALIDATE_TIMEOUT`` seconds (503); an
upload may hold at most 200,000 triples and 10,000 RDF list members (400). At most
``VALIDATE_CONCURRENCY`` validations run at once per serving process (503 when busy). Settings
come from the app config (``KZCT_VALIDATE_*`` variables); the shapes and ontology are read once,
from ``VALIDATE_SHAPES`` and ``VALIDATE_ONTOLOGY`` (default: the project's shapes/ and ontology/),
and quotes are checked against ``VALIDATE_SOURCE`` (default: the project's source text).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import Blueprint, Response, current_app, request
from flask.sansio.blueprints import BlueprintSetupState
from rdflib import Graph

from kzct.isolate import IsolatedFailed, IsolatedTimeout, run_isolated
from kzct.namespaces import bind_prefixes
from kzct.paths import ONTOLOGY_DIR, SHAPES_DIR, SOURCE_FILE
from kzct.rdfparse import EXTENSIONS, MEDIA_TYPES, RdfSyntaxError
from kzct.untrusted import MAX_BYTES, UnsafeData
from kzct.validation import (INFERENCE, load_ontology, load_shapes, parse_untrusted, report_summary,
                             report_text, validate)
from kzct.web.errors import Problem
from kzct.web.validate_html import CSP, form_page, report_page

log = logging.getLogger(__name__)
bp = Blueprint("validate", __name__)

CONFORMS_HEADER = "X-KZCT-Conforms"
TIMEOUT = 30.0
CONCURRENCY = 2
MEMORY_MB = 768  # memory one validation may add to its serving process (VALIDATE_MEMORY_MB)
# Output formats: name -> media type; the first is the default.
OUTPUTS = {"json": "application/json", "turtle": "text/turtle", "jsonld": "application/ld+json",
           "html": "text/html"}
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Validator:
    shapes: Graph | None  # None: no shapes found, the service answers 503
    ontology: Graph
    timeout: float
    max_bytes: int
    slots: threading.BoundedSemaphore
    memory_mb: int = MEMORY_MB
    source: Path = SOURCE_FILE
    problem: str = ""


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    config = state.app.config
    shapes_dir = Path(config.get("VALIDATE_SHAPES") or SHAPES_DIR)
    ontology_dir = Path(config.get("VALIDATE_ONTOLOGY") or ONTOLOGY_DIR)
    source = Path(config.get("VALIDATE_SOURCE") or SOURCE_FILE)
    shapes, ontology, problem = None, Graph(), ""
    try:
        shapes = load_shapes(shapes_dir) if shapes_dir.is_dir() else Graph()
        ontology = load_ontology(ontology_dir) if ontology_dir.is_dir() else Graph()
    except RdfSyntaxError as exc:
        shapes, problem = None, f"the shapes or ontology could not be read: {exc}"
    if shapes is not None and len(shapes) == 0:
        shapes, problem = None, f"no shapes in {shapes_dir.name}/"
    if not problem and not source.is_file():
        shapes, problem = None, "the source text is missing"
    if problem:
        log.error("POST /validate is unavailable: %s", problem)
    state.app.extensions["kzct.validator"] = Validator(
        shapes, ontology,
        timeout=float(config.get("VALIDATE_TIMEOUT", TIMEOUT)),
        max_bytes=int(config.get("VALIDATE_MAX_BYTES", MAX_BYTES)),
        slots=threading.BoundedSemaphore(int(config.get("VALIDATE_CONCURRENCY", CONCURRENCY))),
        memory_mb=int(config.get("VALIDATE_MEMORY_MB", MEMORY_MB)),
        source=source, problem=problem,
    )


def _output() -> str:
    """The output format's name, from ``format`` or ``Accept``; 406 if none fits."""
    asked = request.args.get("format") or (request.form.get("format") if _is_form() else None)
    if asked:
        name = asked.strip().lower().replace("-", "")
        name = {"ttl": "turtle", "json-ld": "jsonld"}.get(name, name)
        if name not in OUTPUTS:
            raise Problem(400, "Bad request", f"format must be one of {', '.join(OUTPUTS)}", "bad-format")
        return name
    accept = request.accept_mimetypes
    if not accept:
        return "json"
    if accept["text/html"] > max(accept["application/json"], accept["text/turtle"],
                                 accept["application/ld+json"]):
        return "html"
    best = accept.best_match([OUTPUTS[n] for n in ("json", "turtle", "jsonld")])
    if best is None:
        raise Problem(406, "Not acceptable",
                      "the report is available as application/json, text/turtle, "
                      "application/ld+json and text/html", "not-acceptable")
    return next(n for n, m in OUTPUTS.items() if m == best)


def _is_form() -> bool:
    return request.mimetype in (MULTIPART, FORM)


def _known(media_type: str | None) -> str | None:
    base = (media_type or "").split(";")[0].strip().lower()
    return base if base in MEDIA_TYPES else None


def _unsupported(what: str) -> Problem:
    return Problem(415, "Unsupported Media Type",
                   f"{what}: send one of {', '.join(MEDIA_TYPES)}", "unsupported-media-type")


def _upload() -> tuple[bytes, str, str]:
    """The uploaded data, its media type and a name for messages."""
    if _is_form():
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            label = PurePath(upload.filename.replace("\\", "/")).name[:100] or "file"
            media_type = _known(upload.mimetype)
            if media_type is None:
                fmt = EXTENSIONS.get(PurePath(label).suffix.lower())
                if fmt is None:
                    raise _unsupported(f"{label} ({upload.mimetype or 'no content type'})")
                media_type = fmt.media_type
            return upload.read(), media_type, label
        text = request.form.get("data", "")
        if not text.strip():
            raise Problem(400, "Bad request", "send a file part named 'file' or the data in 'data'",
                          "no-data")
        media_type = _known(request.form.get("data-format") or "text/turtle")
        if media_type is None:
            raise _unsupported(f"data-format {request.form.get('data-format')}")
        return text.encode("utf-8"), media_type, "data"
    media_type = _known(request.mimetype)
    if media_type is None:
        raise _unsupported(request.mimetype or "no Content-Type")
    return request.get_data(), media_type, "body"


def _inference() -> str:
    value = request.args.get("inference") or (request.form.get("inference") if _is_form() else None)
    value = (value or "none").strip().lower()
    if value not in INFERENCE:
        raise Problem(400, "Bad request", f"inference must be one of {', '.join(INFERENCE)}", "bad-inference")
    return value


def _run(validator: Validator, data: bytes, media_type: str, label: str, base: str,
         inference: str, output: str) -> tuple:
    """In the child: parse, validate and render. ('ok', conforms, body, results) or ('bad', ...)."""
    try:
        graph = parse_untrusted(data, media_type, base, validator.max_bytes, file=label)
    except UnsafeData as exc:
        status = 413 if "more than the limit" in exc.message else 400
        return ("bad", status, "Data refused", "unsafe-data", str(exc))
    except RdfSyntaxError as exc:
        return ("bad", 400, "RDF syntax error", "syntax-error", str(exc))
    result = validate(graph, validator.shapes, validator.ontology, inference, validator.source)
    if output == "json":
        body = json.dumps(report_summary(result.report, result.conforms), ensure_ascii=False, indent=1)
    elif output == "html":  # the page itself is rendered by the parent, which has the app
        body = report_text(result.report, result.conforms)
    else:
        body = bind_prefixes(result.report).serialize(format="turtle" if output == "turtle" else "json-ld")
    return ("ok", result.conforms, body.encode("utf-8"), result.results)


@bp.route("/validate", methods=["POST"])
def validate_upload():
    validator: Validator = current_app.extensions["kzct.validator"]
    request.max_content_length = validator.max_bytes
    request.max_form_memory_size = validator.max_bytes
    if validator.shapes is None:
        raise Problem(503, "Validation unavailable", validator.problem, "validation-unavailable")
    output = _output()
    inference = _inference()
    data, media_type, label = _upload()
    if len(data) > validator.max_bytes:
        raise Problem(413, "Request Entity Too Large",
                      f"{label}: {len(data)} bytes is more than the limit of {validator.max_bytes}",
                      "request-entity-too-large")
    if not data.strip():
        raise Problem(400, "Bad request", f"{label} is empty", "no-data")
    if not validator.slots.acquire(blocking=False):
        raise Problem(503, "Busy", "other validations are running; try again shortly", "busy",
                      {"Retry-After": "5"})
    start = time.perf_counter()
    try:
        reply = run_isolated(_run, validator, data, media_type, label, request.base_url, inference,
                             output, timeout=validator.timeout, memory_mb=validator.memory_mb)
    except IsolatedTimeout:
        log.info("validate timeout %d bytes %s", len(data), media_type)
        raise Problem(503, "Validation timed out",
                      f"the validation ran longer than {validator.timeout:g} s and was stopped",
                      "timeout", {"Retry-After": "60"}) from None
    except IsolatedFailed as exc:
        log.error("validate failed on %d bytes %s: %s", len(data), media_type, exc)
        if str(exc).startswith("MemoryError"):
            raise Problem(507, "Validation too large",
                          f"the validation needed more than {validator.memory_mb} MB and was stopped",
                          "memory") from None
        raise Problem(500, "Validation failed", "the validation could not finish", "failed") from None
    finally:
        validator.slots.release()
    ms = (time.perf_counter() - start) * 1000
    if reply[0] == "bad":
        _, status, title, kind, detail = reply
        log.info("validate %s %d %.1f ms: %s", kind, status, ms, detail)
        raise Problem(status, title, detail, kind)
    _, conforms, body, results = reply
    if output == "html":
        body = report_page(conforms, body.decode("utf-8"), label).encode("utf-8")
    log.info("validate ok %.1f ms %d bytes %s inference=%s conforms=%s results=%d",
             ms, len(data), media_type, inference, conforms, results)
    content_type = OUTPUTS[output] + ("; charset=utf-8" if output in ("turtle", "html") else "")
    response = Response(body, status=200, content_type=content_type)
    response.headers[CONFORMS_HEADER] = "true" if conforms else "false"
    if output == "html":
        response.headers["Content-Security-Policy"] = CSP
    return response


@bp.route("/validate", methods=["GET"])
def validate_form():
    validator: Validator = current_app.extensions["kzct.validator"]
    response = Response(form_page(validator.max_bytes, request.base_url), content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    return response
