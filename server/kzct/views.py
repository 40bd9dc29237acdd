"""What the HTML pages of an entity and of the ontology show, as plain data (no Flask, no HTML).

A value is a dict: ``{"iri", "label"}`` for an IRI, ``{"text", "lang", "datatype"}`` for a
literal, ``{"union": [values]}`` for an ``owl:unionOf`` list, ``{"node": [(property, [values])]}``
for another blank node. Templates turn IRIs into links.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode

from kzct.namespaces import DCTERMS, KZO, OWL, RDF, RDFS, SKOS, XSD
from kzct.resources import ONTOLOGY_IRI, Index

NAMES = ((SKOS.prefLabel, "name"), (SKOS.altLabel, "also called"), (KZO.variantLabel, "spelling variant"),
         (RDFS.label, "label"), (DCTERMS.title, "title"))
STATEMENT_FIELDS = (KZO.status, KZO.claimedBy, KZO.reportedBy, KZO.quote, KZO.section)
PLAIN_TYPES = (str(XSD.string), str(RDF.langString))
EXAMPLES = 3


def value(index: Index, term) -> dict:
    if isinstance(term, NamedNode):
        return {"iri": term.value, "label": index.label(term.value)}
    if isinstance(term, Literal):
        datatype = term.datatype.value if term.datatype.value not in PLAIN_TYPES else None
        short = datatype.replace(str(XSD), "xsd:") if datatype else None
        return {"text": term.value, "lang": term.language, "datatype": short}
    members = index.values(term, str(OWL.unionOf))
    if members:
        return {"union": [value(index, m) for m in index.rdf_list(members[0])]}
    return {"node": _grouped(index, index.out.get(term, ()), skip=())}


def _grouped(index: Index, pairs, skip) -> list[tuple[dict, list[dict]]]:
    groups: dict[str, list] = {}
    for p, o in pairs:
        if p not in skip:
            groups.setdefault(p, []).append(o)
    return [(value(index, NamedNode(p)), [value(index, o) for o in objs]) for p, objs in groups.items()]


def _depth(index: Index, cls: str, memo: dict[str, int]) -> int:
    if cls not in memo:
        memo[cls] = 0
        parents = [o.value for o in index.values(NamedNode(cls), str(RDFS.subClassOf))
                   if isinstance(o, NamedNode) and o.value in index.statement_classes]
        memo[cls] = 1 + max((_depth(index, p, memo) for p in parents), default=0)
    return memo[cls]


def statement_kind(index: Index, node) -> str:
    """The most specific statement class of ``node``."""
    kinds = [t.value for t in index.values(node, str(RDF.type))
             if isinstance(t, NamedNode) and t.value in index.statement_classes]
    memo: dict[str, int] = {}
    return max(sorted(kinds), key=lambda k: _depth(index, k, memo)) if kinds else str(KZO.Statement)


def statement(index: Index, node, roles: list[str] | None = None) -> dict:
    def vals(prop):
        return [value(index, o) for o in index.values(node, str(prop))]

    dates = [v for prop in (KZO.date, KZO.startDate, KZO.endDate) for v in vals(prop)]
    return {
        "node": value(index, node),
        "kind": value(index, NamedNode(statement_kind(index, node))),
        "roles": [value(index, NamedNode(r)) for r in roles or []],
        "status": vals(KZO.status),
        "claimed_by": vals(KZO.claimedBy),
        "reported_by": vals(KZO.reportedBy),
        "dates": dates,
        "quotes": [q.value for q in index.values(node, str(KZO.quote)) if isinstance(q, Literal)],
        "sections": vals(KZO.section),
    }


def entity(index: Index, iri: str) -> dict:
    node = NamedNode(iri)
    names = [(label, value(index, o)) for prop, label in NAMES for o in index.values(node, str(prop))]
    about: dict[str, list] = {}
    roles: dict = {}
    for s, p in index.inc.get(node, ()):
        if s != node and index.is_statement(s):
            roles.setdefault(s, []).append(p)
    for s, props in roles.items():
        item = statement(index, s, sorted(set(props)))
        about.setdefault(item["kind"]["iri"], []).append(item)
    groups = [
        {"kind": value(index, NamedNode(kind)),
         "items": sorted(items, key=lambda i: ([d["text"] for d in i["dates"]], i["node"]["label"]))}
        for kind, items in sorted(about.items(), key=lambda kv: index.label(kv[0]).lower())
    ]
    shown = {str(p) for p, _ in NAMES} | {str(RDF.type)}
    is_statement = index.is_statement(node)
    if is_statement:
        shown |= {str(p) for p in STATEMENT_FIELDS}
    referenced: dict[str, list] = {}
    for s, p in index.inc.get(node, ()):
        if s not in roles:
            referenced.setdefault(p, []).append(value(index, s))
    return {
        "iri": iri,
        "title": index.label(iri),
        "names": names,
        "types": [value(index, t) for t in index.values(node, str(RDF.type))],
        "statement": statement(index, node) if is_statement else None,
        "about": groups,
        "properties": _grouped(index, index.out.get(node, ()), shown),
        "referenced": [(value(index, NamedNode(p)), subjects) for p, subjects in sorted(referenced.items())],
    }


SECTIONS = (
    ("classes", "Classes", (OWL.Class, RDFS.Class)),
    ("object-properties", "Object properties", (OWL.ObjectProperty,)),
    ("datatype-properties", "Datatype properties", (OWL.DatatypeProperty,)),
    ("annotation-properties", "Annotation properties", (OWL.AnnotationProperty,)),
    ("properties", "Other properties", (RDF.Property,)),
    ("schemes", "Concept schemes", (SKOS.ConceptScheme,)),
    ("concepts", "Concepts and individuals", (SKOS.Concept, OWL.NamedIndividual)),
)
NOTES = ((SKOS.scopeNote, "Scope note"), (SKOS.editorialNote, "Editorial note"), (RDFS.comment, "Comment"),
         (SKOS.example, "Example"), (SKOS.changeNote, "Change note"), (SKOS.historyNote, "History note"))
RELATIONS = ((RDFS.subClassOf, "Subclass of"), (RDFS.subPropertyOf, "Subproperty of"), (RDFS.domain, "Domain"),
             (RDFS.range, "Range"), (OWL.inverseOf, "Inverse of"), (OWL.equivalentClass, "Equivalent class"),
             (OWL.equivalentProperty, "Equivalent property"), (OWL.disjointWith, "Disjoint with"),
             (SKOS.inScheme, "In scheme"), (SKOS.broader, "Broader"), (SKOS.exactMatch, "Exact match"),
             (SKOS.closeMatch, "Close match"), (OWL.deprecated, "Deprecated"), (DCTERMS.isReplacedBy, "Replaced by"))
INVERSE_RELATIONS = ((RDFS.subClassOf, "Superclass of"), (RDFS.subPropertyOf, "Superproperty of"),
                     (RDFS.domain, "In domain of"), (RDFS.range, "In range of"), (SKOS.broader, "Narrower"),
                     (SKOS.inScheme, "Has concepts"))


def ontology_terms(index: Index) -> list[str]:
    """Every ``kzo:`` IRI the ontology says something of, sorted."""
    prefix = str(KZO)
    return sorted({t.subject.value for t in index.ontology
                   if isinstance(t.subject, NamedNode) and t.subject.value.startswith(prefix)})


def _pointing(index: Index, iri: str, prop: str) -> list:
    """Subjects whose ``prop`` is ``iri``, directly or as a member of an ``owl:unionOf`` list."""
    found = []
    for s, o in index.by_predicate.get(prop, ()):
        members = [o] if isinstance(o, NamedNode) else \
            [m for u in index.values(o, str(OWL.unionOf)) for m in index.rdf_list(u)]
        if NamedNode(iri) in members:
            found.append(s)
    return found


def _examples(index: Index, iri: str, types: set[str], terms: set[str]) -> dict:
    node = NamedNode(iri)
    in_data = lambda n: isinstance(n, NamedNode) and n.value not in terms  # noqa: E731
    if types & {str(OWL.Class), str(RDFS.Class)}:
        rows = [[value(index, s)] for s, p in index.inc.get(node, ()) if p == str(RDF.type) and in_data(s)]
        what = "instances"
    elif types & {str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(OWL.AnnotationProperty),
                  str(RDF.Property)}:
        rows = [[value(index, s), value(index, node), value(index, o)]
                for s, o in index.by_predicate.get(iri, ()) if in_data(s)]
        what = "uses"
    else:
        rows = [[value(index, s), value(index, NamedNode(p)), value(index, node)]
                for s, p in index.inc.get(node, ()) if p != str(RDF.type) and in_data(s)]
        what = "uses"
    rows.sort(key=lambda r: [c.get("label", c.get("text", "")) for c in r])
    return {"what": what, "count": len(rows), "rows": rows[:EXAMPLES]}


def ontology(index: Index) -> dict:
    terms = ontology_terms(index)
    term_set = set(terms)
    sections = {key: {"key": key, "title": title, "terms": []} for key, title, _ in SECTIONS}
    other = {"key": "other", "title": "Other terms", "terms": []}
    for iri in terms:
        node = NamedNode(iri)
        types = {t.value for t in index.values(node, str(RDF.type)) if isinstance(t, NamedNode)}
        key = next((k for k, _, classes in SECTIONS if types & {str(c) for c in classes}), None)
        relations = [(label, [value(index, o) for o in index.values(node, str(prop))]) for prop, label in RELATIONS]
        relations += [(label, [value(index, s) for s in _pointing(index, iri, str(prop))])
                      for prop, label in INVERSE_RELATIONS]
        term = {
            "iri": iri,
            "anchor": iri[len(str(KZO)):],
            "label": index.label(iri),
            "types": [value(index, NamedNode(t)) for t in sorted(types)],
            "definitions": [d.value for d in index.values(node, str(SKOS.definition))],
            "notes": [(label, o.value) for prop, label in NOTES for o in index.values(node, str(prop))
                      if isinstance(o, Literal)],
            "relations": [(label, vals) for label, vals in relations if vals],
            "examples": _examples(index, iri, types, term_set),
        }
        (sections[key] if key else other)["terms"].append(term)
    for section in [*sections.values(), other]:
        section["terms"].sort(key=lambda t: t["label"].lower())
    meta_node = NamedNode(ONTOLOGY_IRI)
    meta = _grouped(index, index.out.get(meta_node, ()), skip=())
    return {
        "iri": ONTOLOGY_IRI,
        "title": index.label(ONTOLOGY_IRI) if index.has_label(ONTOLOGY_IRI) else "kzct ontology",
        "descriptions": [d.value for d in index.values(meta_node, str(DCTERMS.description))],
        "meta": meta,
        "sections": [s for s in [*sections.values(), other] if s["terms"]],
        "count": len(terms),
    }
