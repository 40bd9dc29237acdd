"""The IRIs we mint that are not entities, dereferenced: HTML for people, RDF for machines.

- ``/shapes`` (``kzsh:``): in ``kzct.web.shapes``, with the same ``answer``;
- ``/service`` (``kzsd:``): the service vocabulary of the Service Description and VoID;
- ``/chains`` (``kzch:``): the terms of the materialized affiliation chains (``kzct.chaingraph``);
- ``/ontology/<version>`` (the ontology's ``owl:versionIRI``): 303 to ``/ontology`` for the version served;
- ``/dataset/<graph>`` (the VoID subsets): 303 to the VoID description that describes them;
- ``/id/graph/<name>`` (the named graphs): 303 to ``/store?graph=`` for RDF, to the VoID page for HTML
  (``graph_redirect``, called by ``pages.entity``);
- ``/problems``: what the ``type`` IRIs of our problem+json errors (``.../problems#<kind>``) mean;
- ``/.well-known/sparql``: 303 to ``/sparql``, whose GET answers the Service Description.

Each page answers ``format``, a suffix-free ``Accept`` (Turtle for ``*/*``) and carries ``Link``
headers: ``rel="alternate"`` for each format, ``rel="describedby"`` for the VoID description.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from pyoxigraph import Literal, NamedNode, Triple, serialize

from kzct import formats, vocabulary
from kzct.namespaces import BASE, OWL, PREFIXES, RDFS
from kzct.web.conditional import conditional
from kzct.web.errors import Problem
from kzct.web.layout import html_response
from kzct.web.void import negotiate_rdf, render_rdf

bp = Blueprint("linked", __name__)

SERVICE_PREFIXES = ("kzsd", "sd", "void", "owl", "rdf", "rdfs", "xsd")
LINK_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")


def links(path: str) -> str:
    """The ``Link`` header of a page at ``path``: its RDF alternates and the VoID description."""
    parts = []
    for name in LINK_FORMATS:
        fmt = formats.by_name(formats.GRAPHS, name)
        parts.append(f'<{path}?format={fmt.name}>; rel="alternate"; type="{fmt.media_type}"')
    parts.append(f'<{path}?format=html>; rel="alternate"; type="text/html"')
    parts.append(f'<{url_for("void.void_description")}>; rel="describedby"; type="text/turtle"')
    return ", ".join(parts)


def _page(title: str, intro: str, body: str, turtle: bytes) -> str:
    """The page in the site's layout; ``body`` is HTML its callers built with every value escaped."""
    return render_template("linked.html", title=title, intro=intro, body=body, turtle=turtle.decode("utf-8"))


def answer(triples: list[Triple], prefixes: tuple[str, ...], title: str, intro: str, body: str) -> Response:
    fmt = negotiate_rdf()
    if fmt is not None:
        response = render_rdf(triples, fmt, prefixes)
    else:
        turtle = serialize(triples, format=formats.GRAPHS[0].oxigraph,
                           prefixes={p: PREFIXES[p] for p in prefixes}) or b""
        response = conditional(html_response(_page(title, intro, body, turtle)))
    response.headers["Link"] = links(request.path)
    response.vary.add("Accept")
    return response


# --- the service vocabulary -------------------------------------------------------------------

def _vocabulary(vocab: vocabulary.Vocabulary, prefix: str) -> Response:
    items = "".join(
        f'<dt id="{escape(name)}">{prefix}:{escape(name)}</dt><dd>{escape(label)}: {escape(comment)}</dd>\n'
        for name, (_, _, label, comment) in vocab.terms.items())
    return answer(vocab.triples(), SERVICE_PREFIXES + (prefix, "kzo"), vocab.title, vocab.comment,
                   f"<dl>\n{items}</dl>")


@bp.get("/service")
def service_vocabulary():
    return _vocabulary(vocabulary.SERVICE, "kzsd")


@bp.get("/chains")
def chains_vocabulary():
    return _vocabulary(vocabulary.CHAINS, "kzch")


@bp.get("/problems")
def problem_types():
    """The ``type`` IRIs of our problem+json errors (``.../problems#<kind>``) lead here."""
    doc = NamedNode(BASE + "problems")
    text = ("Every error of the kzct server is application/problem+json (RFC 9457) with type, title, "
            "status and detail. Its type is https://w3id.org/kzct/problems#<kind>, where the kind names "
            "the error (not-acceptable, not-found, syntax, timeout, ...); the title and detail explain it, "
            "and the status is the HTTP status.")
    triples = [Triple(doc, NamedNode(str(RDFS.label)), Literal("kzct problem types", language="en")),
               Triple(doc, NamedNode(str(RDFS.comment)), Literal(text, language="en"))]
    return answer(triples, ("rdfs",), "kzct problem types", text, "")


# --- redirects to the documents that describe an IRI ---------------------------------------------

@bp.get("/ontology/<version>")
def ontology_version(version: str):
    store = current_app.extensions["kzct"].store
    version_iri = NamedNode(BASE + "ontology/" + version)
    if not any(True for _ in store.quads_for_pattern(None, NamedNode(str(OWL.versionIRI)), version_iri)):
        raise Problem(404, "Not Found", f"<{version_iri.value}> is not the version served here", "not-found")
    return redirect(url_for("pages.ontology"), 303)


@bp.get("/dataset/<name>")
def dataset_subset(name: str):
    graphs = current_app.extensions["kzct"].graphs
    if not any(g.rstrip("/").rsplit("/", 1)[-1] == name for g in graphs):
        raise Problem(404, "Not Found", f"<{BASE}dataset/{name}> is not a subset of this dataset", "not-found")
    return redirect(url_for("void.void_description"), 303)


@bp.get("/.well-known/sparql")
def well_known_sparql():
    return redirect(url_for("sparql.sparql"), 303)


def graph_redirect(iri: str) -> Response | None:
    """A named graph's IRI: 303 to its content (``/store``) for RDF, to the VoID page for HTML."""
    if iri not in current_app.extensions["kzct"].graphs:
        return None
    if negotiate_rdf() is None:
        return redirect(url_for("void.void_description"), 303)
    extra = {"format": request.args["format"]} if request.args.get("format") else {}
    return redirect(url_for("store.store_get", graph=iri, **extra), 303)
