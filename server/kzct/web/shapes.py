"""``/shapes`` and ``/shapes/<Name>``: the SHACL shapes (``kzsh:``, hash IRIs) dereferenced.

``/shapes`` is every shape the validator checks against (in HTML each is the anchor ``#<Name>``, so
the ``sh:sourceShape`` of a validation report leads to it); ``/shapes/<Name>`` is one shape with the
blank nodes it reaches (nested shapes, lists), and the shapes that use it.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, current_app, url_for
from pyoxigraph import BlankNode, NamedNode, Triple

from kzct.namespaces import KZSH, RDF, RDFS, SH
from kzct.web.errors import Problem
from kzct.web.linked import answer
from kzct.web.once import once

bp = Blueprint("shapes", __name__)

SHAPE_PREFIXES = ("kzsh", "kzo", "sh", "rdf", "rdfs", "xsd", "skos", "dcterms", "org", "owl", "prov", "time", "kz")


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
        items.append(f'<li id="{escape(name)}"><a href="{escape(url_for("shapes.shape", name=name))}">'
                     f'kzsh:{escape(name)}</a> {escape(label)}<br>{escape(message)}</li>')
    body = "<ul>\n" + "\n".join(items) + "\n</ul>"
    return answer(triples, SHAPE_PREFIXES, "kzct SHACL shapes",
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
    body = "".join(f'<p>Used by <a href="{escape(url_for("shapes.shape", name=r[len(str(KZSH)):]))}">'
                   f'kzsh:{escape(r[len(str(KZSH)):])}</a></p>' for r in referring if r.startswith(str(KZSH)))
    body += f'<p><a href="{escape(url_for("shapes.shapes"))}#{escape(name)}">All shapes</a></p>'
    label = _text(triples, iri.value, SH.name, RDFS.label)
    return answer(found, SHAPE_PREFIXES, f"kzsh:{name}", label or "A SHACL shape of kzct.", body)
