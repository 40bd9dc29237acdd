"""``/queries``: the named-query catalogue as a REST API, and ``/openapi.json``.

``GET /queries`` lists the catalogue (JSON or HTML); ``GET /queries/<name>?param=...`` runs one,
its parameters checked and bound as typed terms, and answers in any SPARQL results format (the
same negotiation as ``/sparql``). Computed queries (affiliation chains) also answer
``application/json`` with their nested document.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for

from kzct import formats, openapi, tables
from kzct.catalogue import NamedQuery, ParamError
from kzct.engine import QueryError, QueryRequest
from kzct.named import run
from kzct.cache.answers import CACHEABLE
from kzct.web.caller import caller
from kzct.web.errors import Problem, from_query_error
from kzct.web.layout import html_response

log = logging.getLogger(__name__)
bp = Blueprint("queries", __name__)

DOCUMENT = "application/json"
RESERVED = ("format",)



def catalogue() -> dict[str, NamedQuery]:
    return current_app.extensions["kzct.catalogue"]


def describe(query: NamedQuery) -> dict[str, object]:
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "params": [
            {"name": p.name, "type": p.type, "expected": p.expected, "required": p.required,
             "example": p.example, "default": p.default, "description": p.description,
             **({"values": list(p.values)} if p.type == "enum" else {})}
            for p in query.params
        ],
        "columns": list(query.columns),
        "url": url_for("queries.named_query", name=query.name),
        "exampleUrl": query.example_url,
    }


@bp.route("/queries")
def list_queries():
    best = request.accept_mimetypes.best_match([DOCUMENT, "text/html"]) if request.accept_mimetypes else DOCUMENT
    entries = sorted(catalogue().values(), key=lambda q: q.name)
    if best == "text/html" and request.args.get("format") != "json":
        listed = [{"name": q.name, "summary": q.summary, "description": q.description, "params": q.params,
                   "example_url": q.example_url,
                   "page_query": urlencode({"example": q.name, **q.example_params})} for q in entries]
        return html_response(render_template("queries.html", queries=listed,
                                             openapi=url_for("queries.openapi_json")))
    return Response(json.dumps([describe(q) for q in entries], indent=1), content_type=DOCUMENT)


@bp.route("/openapi.json")
def openapi_json():
    return Response(json.dumps(openapi.document(catalogue(), request.script_root or "/"), indent=1),
                    content_type=DOCUMENT)


def _choose(query: NamedQuery):
    """The results Format, or DOCUMENT for a computed query's nested JSON."""
    format_param = request.args.get("format")
    if query.computed and (format_param in ("json", DOCUMENT) or (
            not format_param and request.accept_mimetypes
            and request.accept_mimetypes.best_match([DOCUMENT, *formats.media_types(formats.RESULTS)])
            == DOCUMENT)):
        return DOCUMENT
    fmt = formats.negotiate(formats.RESULTS, request.headers.get("Accept"), format_param)
    if fmt is None:
        shown = f"format={format_param}" if format_param else f"Accept: {request.headers.get('Accept')}"
        raise Problem(406, "Not acceptable", f"no result format matches {shown}", "not-acceptable")
    return fmt


@bp.route("/queries/<name>")
def named_query(name: str):
    query = catalogue().get(name)
    if query is None:
        raise Problem(404, "Not Found", f"there is no named query {name!r}; GET /queries lists them",
                      "not-found")
    chosen = _choose(query)
    engine = current_app.extensions["kzct.engine"]
    client, watch, started = caller()

    def select(text: str):
        result = engine.run(QueryRequest(query=text, results_format="json", graph_format=None),
                            client=client, watch=watch, started=started)
        return tables.parse_rows(result.body)

    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        raise Problem(400, "Bad parameter", f"parameter '{repeated[0]}' is given more than once; give it once",
                      "bad-parameter")
    raw = {k: v for k, v in request.args.items() if k not in RESERVED}
    start = time.perf_counter()
    try:
        table = run(query, raw, select)
    except ParamError as exc:
        raise Problem(400, "Bad parameter", str(exc), "bad-parameter") from None
    except QueryError as exc:
        raise from_query_error(exc) from None
    log.info("named query %s ok %.1f ms rows=%d", name, (time.perf_counter() - start) * 1000, len(table.rows))
    if chosen == DOCUMENT:
        response = Response(json.dumps(table.document, indent=1), content_type=DOCUMENT)
    else:
        response = Response(tables.serialize(table.columns, table.rows, chosen), content_type=chosen.content_type)
    response.headers["X-KZCT-Rows"] = str(len(table.rows))
    response.headers[CACHEABLE] = "1"
    return response
