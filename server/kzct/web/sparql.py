"""``/sparql``: the SPARQL 1.1 Protocol (query operation), exactly.

GET with ``query``, POST form (``application/x-www-form-urlencoded``), POST direct
(``application/sparql-query``, UTF-8). ``default-graph-uri``/``named-graph-uri`` pick local graphs.
The answer's format comes from the ``format`` parameter if given (short names as Fuseki and
Virtuoso accept, or a media type), else from ``Accept`` with q-values. A GET without ``query``
returns the Service Description.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, redirect, request, url_for
from pyoxigraph import NamedNode
from werkzeug.datastructures import MultiDict

from kzct import formats
from kzct.engine import QueryError, QueryRequest
from kzct.web import service, ui
from kzct.cache.answers import CACHEABLE
from kzct.web.caller import caller
from kzct.web.errors import Problem, from_query_error
from kzct.web.streaming import Streamed

log = logging.getLogger(__name__)
bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
HTML = "text/html"
# Parameters naming the answer's format: Virtuoso's and ours, Fuseki's, rasqal's (SPARQLWrapper sends all).
FORMAT_PARAMS = ("format", "output", "results")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "Bad request", "the request body is not valid UTF-8", "encoding") from None


def _check_charset() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Problem(415, "Unsupported Media Type",
                      f"charset {charset} is not supported; send UTF-8", "unsupported-media-type")


def read_protocol() -> tuple[MultiDict, list[str]]:
    """The request's parameters and its query texts (one expected)."""
    params = MultiDict(request.args)
    queries = params.getlist("query")
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == FORM:
            _check_charset()
            form = parse_qs(_decode(request.get_data()), keep_blank_values=True)
            for key, values in form.items():
                for value in values:
                    params.add(key, value)
            queries = params.getlist("query")
        elif mimetype == DIRECT:
            _check_charset()
            queries = queries + [_decode(request.get_data())]
        elif mimetype == UPDATE:
            raise Problem(403, "Updates are not accepted",
                          "this endpoint is read-only: SPARQL Update is not accepted", "update")
        else:
            shown = mimetype or "no Content-Type"
            raise Problem(415, "Unsupported Media Type",
                          f"{shown}: send {FORM} or {DIRECT}", "unsupported-media-type")
    if "update" in params and queries:
        raise Problem(400, "Bad request", "send either a query or an update, not both", "query-and-update")
    if "update" in params:
        raise Problem(403, "Updates are not accepted",
                      "this endpoint is read-only: SPARQL Update is not accepted", "update")
    if len(queries) > 1:
        raise Problem(400, "Bad request", "send exactly one query parameter", "multiple-queries")
    return params, queries


def _dataset_params(params: MultiDict) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    default = tuple(params.getlist("default-graph-uri"))
    named = tuple(params.getlist("named-graph-uri"))
    if not default and not named:
        return None, None
    for name, iris in (("default-graph-uri", default), ("named-graph-uri", named)):
        for iri in iris:
            try:
                NamedNode(iri)
            except ValueError as exc:
                raise Problem(400, "Bad request", f"{name} {iri[:200]!r} is not an absolute IRI: {exc}",
                              "bad-graph-iri") from None
    return default, named


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    params, queries = read_protocol()
    if not queries:
        if request.method == "POST":
            raise Problem(400, "Bad request", "the request has no query", "no-query")
        if "graph" in params or "default" in params:  # a Graph Store Protocol read: /store answers it
            return redirect(url_for("store.store_get") + "?" + request.query_string.decode("latin-1"), 303)
        if ui.wants_page(params):  # a person opening /sparql in a browser: the query page
            return ui.page()
        return service_description()
    query = queries[0]
    if request.method == "GET" and ui.wants_page(params):
        return ui.page(query)
    format_params = [v for name in FORMAT_PARAMS for v in params.getlist(name)]
    accept = request.headers.get("Accept")
    results_fmt = formats.negotiate(formats.RESULTS, accept, format_params)
    graph_fmt = formats.negotiate(formats.GRAPHS, accept, format_params)
    if results_fmt is None and graph_fmt is None:
        shown = f"format={format_params[0]}" if format_params and not any(
            formats.known_name(v) for v in format_params) else f"Accept: {accept}"
        raise Problem(406, "Not acceptable", f"no result format matches {shown}", "not-acceptable")
    default, named = _dataset_params(params)
    engine = current_app.extensions["kzct.engine"]
    job = QueryRequest(
        query=query,
        default_graphs=default,
        named_graphs=named,
        results_format=results_fmt.name if results_fmt else None,
        graph_format=graph_fmt.name if graph_fmt else None,
        base_iri=request.base_url,
        # Only HTTP/1.1 can tell a broken-off stream from a finished one (the last chunk); an
        # HTTP/1.0 answer ends when the connection closes, so it is sent whole or refused.
        stream=request.environ.get("SERVER_PROTOCOL") != "HTTP/1.0",
    )
    start = time.perf_counter()
    client, watch, started = caller()
    try:
        result = engine.run(job, client=client, watch=watch, started=started)
    except QueryError as exc:
        ms = (time.perf_counter() - start) * 1000
        status = 414 if exc.kind == "too-long" and request.method == "GET" else None
        problem = from_query_error(exc, status, query)
        log.info("query %s %d %.1f ms: %s | %s", exc.kind, problem.status, ms, _short(query), exc)
        raise problem from None
    ms = (time.perf_counter() - start) * 1000
    fmt = formats.by_name(formats.RESULTS if result.form != "graph" else formats.GRAPHS, result.format)
    if result.chunks is not None:  # large: streamed, neither kept nor counted ahead
        log.info("query ok 200 %.1f ms to the first chunk, streaming %s %s: %s", ms, result.form,
                 result.format, _short(query))
        return Response(Streamed(result.chunks, request.environ.get("gunicorn.socket")), status=200,
                        content_type=fmt.content_type)
    log.info("query ok 200 %.1f ms %s %s rows=%d: %s", ms, result.form, result.format,
             result.rows, _short(query))
    response = Response(result.body, status=200, content_type=fmt.content_type)
    response.headers[CACHEABLE] = "1"
    response.headers["X-KZCT-Rows"] = str(result.rows)
    return response


@bp.after_request
def _vary(response: Response) -> Response:
    # A GET with a query may get the query page instead when a browser navigates (ui.wants_page).
    if request.method in ("GET", "HEAD"):
        response.vary.add("Sec-Fetch-Mode")
    return response


def _short(query: str) -> str:
    text = " ".join(query.split())
    return text if len(text) <= 160 else text[:157] + "..."


def service_description() -> Response:
    root = request.host_url
    dataset = current_app.extensions["kzct"]
    limits = current_app.extensions["kzct.engine"].limits
    triples = service.describe(request.base_url, root, dataset, limits,
                               int(current_app.config["MAX_CONTENT_LENGTH"]))
    format_param = request.args.get("format")
    accept = request.headers.get("Accept")
    if format_param and format_param.strip().lower() in ("html", HTML):
        fmt, wants_html = None, True
    elif format_param:
        fmt, wants_html = formats.negotiate(formats.SERVICE_DESCRIPTION, accept, format_param), False
    else:
        # Accept naming only result formats (a SPARQL client's) still gets the default format.
        fmt, wants_html = formats.with_html(formats.SERVICE_DESCRIPTION, accept)
    if wants_html:
        turtle = service.render(triples, formats.SERVICE_DESCRIPTION[0])
        return _sd_links(Response(service.render_html(request.base_url, turtle),
                                  content_type="text/html; charset=utf-8"))
    if fmt is None:
        raise Problem(406, "Not acceptable",
                      "the Service Description is available as Turtle, RDF/XML and JSON-LD", "not-acceptable")
    return _sd_links(Response(service.render(triples, fmt), content_type=fmt.content_type))


def _sd_links(response: Response) -> Response:
    response.headers["Link"] = f'<{request.host_url}.well-known/void>; rel="describedby"'
    return response
