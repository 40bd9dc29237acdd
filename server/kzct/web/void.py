"""``/.well-known/void``: the VoID description (statistics computed once per process, at its first request).

Turtle by default; RDF/XML, JSON-LD, N-Triples by ``Accept`` or ``format``; a page for browsers.
``/dataset`` (the dataset's IRI ``https://w3id.org/kzct/dataset``) redirects here (303). It lists
the dumps with their checksums, so while they are being written it waits for them and may answer
503 with ``Retry-After`` (see ``kzct.web.download``).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from pyoxigraph import serialize

from kzct import formats, void
from kzct.namespaces import PREFIXES
from kzct.web.conditional import conditional
from kzct.web.download import dumps_of
from kzct.web.errors import Problem
from kzct.web.once import once

bp = Blueprint("void", __name__)
HTML = "text/html"
VOID_PREFIXES = ("void", "dcat", "dcterms", "owl", "rdf", "rdfs", "sd", "spdx", "xsd", "kzsd", "kz")


def statistics_of(app) -> void.Statistics:
    return once(app, "kzct.void", lambda: void.statistics(app.extensions["kzct"]))


def negotiate_rdf(with_html: bool = True) -> formats.Format | None:
    """A graph format by ``format`` or ``Accept`` (Turtle for ``*/*``); None means HTML."""
    format_param = request.args.get("format")
    if format_param:
        if with_html and format_param.lower() in ("html", HTML):
            return None
        fmt = formats.by_name(formats.GRAPHS, format_param)
        if fmt is None:
            raise Problem(406, "Not acceptable", f"no format called {format_param!r}", "not-acceptable")
        return fmt
    accept = request.headers.get("Accept")
    if with_html:
        fmt, html = formats.with_html(formats.GRAPHS, accept, fallback=False)
        if html:
            return None
    else:
        fmt = formats.best_of(formats.GRAPHS, accept, fallback=False)
    if fmt is None:
        raise Problem(406, "Not acceptable", "available as HTML, Turtle, N-Triples, N-Quads, TriG, RDF/XML "
                      "and JSON-LD", "not-acceptable")
    return fmt


def render_rdf(triples, fmt: formats.Format, prefix_names) -> Response:
    prefixes = {p: PREFIXES[p] for p in prefix_names} if fmt.name in ("turtle", "trig") else None
    body = serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
    return conditional(Response(body, content_type=fmt.content_type))


@bp.get("/.well-known/void")
def void_description():
    fmt = negotiate_rdf()
    dumps = dumps_of(current_app)
    stats = statistics_of(current_app)
    triples = void.describe(stats, dumps, request.host_url)
    if fmt is not None:
        return render_rdf(triples, fmt, VOID_PREFIXES)
    turtle = serialize(triples, format=formats.GRAPHS[0].oxigraph,
                       prefixes={p: PREFIXES[p] for p in VOID_PREFIXES}).decode("utf-8")
    html = render_template("ld-void.html", stats=stats, dumps=dumps, turtle=turtle,
                           title=void.TITLE, description=void.DESCRIPTION)
    return conditional(Response(html, content_type="text/html; charset=utf-8"))


@bp.get("/dataset")
def dataset_iri():
    return redirect(url_for("void.void_description"), 303)
