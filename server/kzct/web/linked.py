"""The IRIs we mint that are not entities, dereferenced: HTML for people, RDF for machines.

- ``/shapes`` (``kzsh:``, hash IRIs): every SHACL shape, and ``/shapes/<Name>`` one shape with its
  nested nodes, so the ``sh:sourceShape`` of a validation report leads to the shape;
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

from flask import Blueprint, Response, current_app, redirect, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from kzct import formats, vocabulary
from kzct.namespaces import BASE, KZSH, OWL, PREFIXES, RDF, RDFS, SH
from kzct.web.conditional import conditional
from kzct.web.errors import Problem
from kzct.web.once import once
from kzct.web.void import negotiate_rdf, render_rdf

bp = Blueprint("linked", __name__)

SHAPE_PREFIXES = ("kzsh", "kzo", "sh", "rdf", "rdfs", "xsd", "skos", "dcterms", "org", "owl", "prov", "time", "kz")
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
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body>
<h1>{escape(title)}</h1>
<p>{escape(intro)}</p>
{body}
<h2>Turtle</h2>
<pre>{escape(turtle.decode("utf-8"))}</pre>
</body></html>
"""


def _answer(triples: list[Triple], prefixes: tuple[str, ...], title: str, intro: str, body: str) -> Response:
    fmt = negotiate_rdf()
    if fmt is not None:
        response = render_rdf(triples, fmt, prefixes)
    else:
        turtle = serialize(triples, format=formats.GRAPHS[0].oxigraph,
                           prefixes={p: PREFIXES[p] for p in prefixes}) or b""
        response = conditional(Response(_page(title, intro, body, turtle), content_type="text/html; charset=utf-8"))
    response.headers["Link"] = links(request.path)
    response.vary.add("Accept")
    return response


# --- shapes -----------------------------------------------------------------------------------

def shape_triples(app) -> list[Triple]:
    """The shapes the validator checks against, as pyoxigraph triples (made once per process)."""
    def make():
        from kzct.validation import _ox

        shapes = app.extensions["kzct.validator"].shapes
        if shapes is None:
            return []
        return sorted((Triple(_ox(s), _ox(p), _ox(o)) for s, p, o in shapes),
                      key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return once(app, "kzct.shape_triples", make)


def _closure(triples: list[Triple], start: NamedNode) -> list[Triple]:
    """The triples about ``start`` and the blank nodes it reaches (nested shapes, lists)."""
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    found, todo, seen = [], [start], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, ()):
            found.append(t)
            if isinstance(t.object, BlankNode):
                todo.append(t.object)
    return found


def _shapes_named(triples: list[Triple]) -> list[str]:
    kinds = {str(SH.NodeShape), str(SH.PropertyShape)}
    return sorted({t.subject.value for t in triples if isinstance(t.subject, NamedNode)
                   and t.predicate.value == str(RDF.type) and t.object.value in kinds
                   and t.subject.value.startswith(str(KZSH))})


def _text(triples: list[Triple], subject: str, *predicates) -> str:
    for predicate in predicates:
        for t in triples:
            if t.subject.value == subject and t.predicate.value == str(predicate):
                return t.object.value
    return ""


@bp.get("/shapes")
def shapes():
    triples = shape_triples(current_app)
    if not triples:
        raise Problem(404, "Not Found", "this server has no shapes", "not-found")
    items = []
    for iri in _shapes_named(triples):
        name = iri[len(str(KZSH)):]
        label = _text(triples, iri, SH.name, RDFS.label)
        message = _text(triples, iri, SH.message, RDFS.comment)
        items.append(f'<li id="{escape(name)}"><a href="{escape(url_for("linked.shape", name=name))}">'
                     f'kzsh:{escape(name)}</a> {escape(label)}<br>{escape(message)}</li>')
    body = "<ul>\n" + "\n".join(items) + "\n</ul>"
    return _answer(triples, SHAPE_PREFIXES, "kzct SHACL shapes",
                   "Every shape the data is checked against (kzct validate, POST /validate); each "
                   "sh:sourceShape of a report is one of them.", body)


@bp.get("/shapes/<name>")
def shape(name: str):
    triples = shape_triples(current_app)
    iri = NamedNode(str(KZSH) + name)
    found = _closure(triples, iri)
    if not found:
        raise Problem(404, "Not Found", f"<{iri.value}> is not one of the shapes", "not-found")
    referring = sorted({t.subject.value for t in triples if t.object == iri and isinstance(t.subject, NamedNode)})
    body = "".join(f'<p>Used by <a href="{escape(url_for("linked.shape", name=r[len(str(KZSH)):]))}">'
                   f'kzsh:{escape(r[len(str(KZSH)):])}</a></p>' for r in referring if r.startswith(str(KZSH)))
    body += f'<p><a href="{escape(url_for("linked.shapes"))}#{escape(name)}">All shapes</a></p>'
    label = _text(triples, iri.value, SH.name, RDFS.label)
    return _answer(found, SHAPE_PREFIXES, f"kzsh:{name}", label or "A SHACL shape of kzct.", body)


# --- the service vocabulary -------------------------------------------------------------------

def _vocabulary(vocab: vocabulary.Vocabulary, prefix: str) -> Response:
    items = "".join(
        f'<dt id="{escape(name)}">{prefix}:{escape(name)}</dt><dd>{escape(label)}: {escape(comment)}</dd>\n'
        for name, (_, _, label, comment) in vocab.terms.items())
    return _answer(vocab.triples(), SERVICE_PREFIXES + (prefix, "kzo"), vocab.title, vocab.comment,
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
    return _answer(triples, ("rdfs",), "kzct problem types", text, "")


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
