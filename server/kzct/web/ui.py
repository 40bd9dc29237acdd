"""The query page: ``GET /``, and ``/sparql`` when a person opens a query URL in a browser.

One HTML page (``templates/index.html``) with the YASGUI editor and our own result views
(``static/app.js``), all served from this host under a Content-Security-Policy that allows this
host only. The page's settings (endpoint, prefixes, named queries with their text) travel in a
``<script type="application/json">`` block, which the policy allows because it is never executed.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from kzct import formats
from kzct.namespaces import PREFIXES
from kzct.web.layout import html_response
from kzct.web.queries import describe

log = logging.getLogger(__name__)
bp = Blueprint("ui", __name__)

HTML = "text/html"

# Prefixes the editor offers besides ours (namespaces.PREFIXES wins on a clash).
COMMON_PREFIXES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "schema": "http://schema.org/",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "dbo": "http://dbpedia.org/ontology/",
    "dbr": "http://dbpedia.org/resource/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "vann": "http://purl.org/vocab/vann/",
}

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")


def wants_page(params: MultiDict) -> bool:
    """True when a browser navigates to a query URL: show the page with that query, not the data.

    ``format=html`` asks for the page explicitly. Otherwise the request must be a top-level
    navigation (``Sec-Fetch-Mode: navigate``, sent by browsers only) that prefers HTML to every
    results format; scripts and SPARQL clients that send browser-like Accept headers keep getting
    results.
    """
    format_param = params.get("format") or params.get("output")
    if format_param:
        return format_param.lower() in ("html", HTML)
    if request.headers.get("Sec-Fetch-Mode") != "navigate" or not request.accept_mimetypes:
        return False
    accept = request.accept_mimetypes
    best = accept.best_match([HTML, *formats.media_types(formats.RESULTS)])
    return best == HTML and accept[HTML] > max(accept[m] for m in formats.media_types(formats.RESULTS))


def settings() -> dict[str, object]:
    """What app.js needs: where to send queries, prefixes, named queries and download formats."""
    catalogue = current_app.extensions["kzct.catalogue"]
    examples = []
    for query in sorted(catalogue.values(), key=lambda q: q.name):
        entry = describe(query)
        entry["text"] = query.text
        entry["computed"] = query.computed
        examples.append(entry)
    return {
        "endpoint": url_for("sparql.sparql"),
        "queries": url_for("queries.list_queries"),
        "prefixes": {**COMMON_PREFIXES, **PREFIXES},
        "localIds": {PREFIXES["kz"]: url_for("ui.index") + "id/",
                     PREFIXES["kzo"]: url_for("ui.index") + "ontology#"},
        "resultFormats": list(RESULT_FORMATS),
        "graphFormats": list(GRAPH_FORMATS),
        "examples": examples,
    }


def page(query: str | None = None) -> Response:
    """The query page; with ``query`` it opens with that query and runs it."""
    dataset = current_app.extensions["kzct"]
    intro = {"triples": f"{dataset.default_triples:,}"}
    return html_response(render_template("index.html", settings=settings(), query=query, intro=intro))


@bp.route("/")
def index():
    return page(request.args.get("query"))
