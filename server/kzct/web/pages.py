"""Dereferenceable IRIs: ``/id/<slug>`` for ``https://w3id.org/kzct/id/<slug>`` and ``/ontology`` for
``https://w3id.org/kzct/ontology`` and its ``#terms``.

HTML for browsers, RDF for machines: the ``format`` parameter, a suffix (``.ttl``, ``.nt``,
``.rdf``, ``.jsonld``, ``.html``) or ``Accept`` (Turtle for ``*/*``) chooses. An IRI the data does
not mention gets 404. The slug only ever becomes an IRI looked up in memory, never a file path.

The pages look the triples up in the served store (``kzct.resources``); nothing is copied at start.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from kzct import formats, views
from kzct.namespaces import KZ, KZO
from kzct.resources import ONTOLOGY_IRI, Index, build_index
from kzct.web.conditional import conditional
from kzct.web.errors import Problem
from kzct.web.linked import graph_redirect, links
from kzct.web.once import once
from kzct.web.void import negotiate_rdf, render_rdf

bp = Blueprint("pages", __name__)

SUFFIXES = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml", "owl": "rdfxml", "jsonld": "jsonld", "html": None}
PAGE_PREFIXES = ("kz", "kzo", "dcterms", "foaf", "org", "owl", "prov", "rdf", "rdfs", "skos", "time", "xsd")


def index_of(app: Flask) -> Index:
    """The app's look-ups, made at the first call in this process."""
    return once(app, "kzct.index", lambda: build_index(app.extensions["kzct"]))


@bp.app_template_global("href")
def href(iri: str) -> str:
    """The local page of one of our IRIs; any other IRI as it is."""
    if iri.startswith(str(KZ)):
        return url_for("pages.entity", slug=iri[len(str(KZ)):])
    if iri.startswith(str(KZO)):
        return url_for("pages.ontology") + "#" + iri[len(str(KZO)):]
    if iri == ONTOLOGY_IRI:
        return url_for("pages.ontology")
    return iri


def _split_suffix(name: str) -> tuple[str, str | None]:
    stem, dot, ext = name.rpartition(".")
    if dot and ext in SUFFIXES:
        return stem, ext
    return name, None


def _format(ext: str | None) -> formats.Format | None:
    """The format a suffix names (None: HTML), or by negotiation without a suffix."""
    if ext is None:
        return negotiate_rdf()
    name = SUFFIXES[ext]
    return formats.by_name(formats.GRAPHS, name) if name else None


def _html(template: str, **context) -> Response:
    return conditional(Response(render_template(template, **context), content_type="text/html; charset=utf-8"))


def _not_found(what: str) -> Problem:
    return Problem(404, "Not Found", f"{what} is not in this dataset", "not-found")


@bp.get("/id/<path:slug>")
def entity(slug: str):
    index = index_of(current_app)
    iri, ext = str(KZ) + slug, None
    if not index.known(iri):
        stem, ext = _split_suffix(slug)
        iri = str(KZ) + stem
        if ext is None or not index.known(iri):
            graph = graph_redirect(str(KZ) + slug)  # a named graph's IRI: 303 to its content
            if graph is not None:
                return graph
            raise _not_found(f"<{str(KZ) + slug}>")
    fmt = _format(ext)
    if fmt is not None:
        return _linked(render_rdf(index.description(iri), fmt, PAGE_PREFIXES))
    return _linked(_html("ld-entity.html", page=views.entity(index, iri)))


def _linked(response: Response) -> Response:
    """``Link``: the page's other formats (``rel="alternate"``) and the VoID description."""
    response.headers["Link"] = links(request.path)
    return response


@bp.get("/ontology")
def ontology():
    return _ontology(None)


@bp.get("/ontology.<ext>")
def ontology_file(ext: str):
    if ext not in SUFFIXES:
        raise _not_found(f"/ontology.{ext}")
    return _ontology(ext)


def _ontology(ext: str | None):
    index = index_of(current_app)
    if not index.ontology:
        raise _not_found("the ontology")
    fmt = _format(ext)
    if fmt is not None:
        return _linked(render_rdf(index.ontology, fmt, PAGE_PREFIXES))
    # The page sums up the whole graph: made once per process, then kept.
    page = once(current_app, "kzct.ontology_page", lambda: views.ontology(index))
    return _linked(_html("ld-ontology.html", page=page))
