"""Run a named query from the catalogue: bind its parameters, run it, or compute chains from it.

The caller supplies ``select``: a function that runs a SELECT query over the served dataset (with
whatever limits it applies) and returns its variable names and rows of pyoxigraph terms. This module
knows nothing of HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pyoxigraph as ox

from kzct import chains, search
from kzct.catalogue import NamedQuery, ParamError, bind, with_values
from kzct.namespaces import PREFIXES

Row = dict[str, Any]
Select = Callable[[str], tuple[list[str], list[Row]]]

LABEL_PROPERTIES = (
    "skos:prefLabel", "skos:altLabel", "kzo:variantLabel", "rdfs:label", "dcterms:title",
)


@dataclass
class Table:
    """Rows of RDF terms (or None) under named columns, plus an optional nested JSON form."""

    columns: list[str]
    rows: list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode | None]]
    document: dict[str, Any] | None = field(default=None)


def _expand(curie: str) -> str | None:
    """The IRI of a CURIE such as ``kz:slug``, or None if it is not one or not a valid IRI."""
    prefix, _, local = curie.partition(":")
    if prefix in PREFIXES and local and "/" not in local:
        return _valid_iri(PREFIXES[prefix] + local)
    return None


def _valid_iri(text: str) -> str | None:
    try:
        return ox.NamedNode(text).value
    except ValueError:
        return None


def make_resolver(select: Select):
    """A resolver for ``iri`` parameters: an IRI, a CURIE (kz:slug), a bare slug, or a name/alias."""

    def exists(iri: str, cls: str | None) -> bool:
        type_test = ""
        if cls:
            cls_iri = _expand(cls) or cls
            type_test = f"?x a/<{PREFIXES['rdfs']}subClassOf>* {ox.NamedNode(cls_iri)} ."
        # The term is written by pyoxigraph from a checked NamedNode: never raw text in the query.
        query = f"SELECT ?x WHERE {{ VALUES ?x {{ {ox.NamedNode(iri)} }} ?x ?p ?o . {type_test} }} LIMIT 1"
        return bool(select(query)[1])

    def by_label(text: str, cls: str | None) -> list[str]:
        # The names first, the class of each candidate then (exists): one query with both, a property
        # path beside an alternation, answers nothing on Virtuoso 7 (docs/scaling.md).
        prologue = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())
        name = str(ox.Literal(text.lower()))
        query = (
            prologue
            + "SELECT DISTINCT ?x WHERE { ?x " + "|".join(LABEL_PROPERTIES) + " ?l . "
            + f"FILTER(LCASE(STR(?l)) = {name}) FILTER(STRSTARTS(STR(?x), STR(kz:))) }} "
            + "ORDER BY ?x LIMIT 50"
        )
        found = [row["x"].value for row in select(query)[1]]
        return [iri for iri in found if not cls or exists(iri, cls)][:20]

    def resolve(text: str, cls: str | None) -> ox.NamedNode:
        text = text.strip()
        candidates: list[str] = []
        if text.startswith(("http://", "https://")):
            try:
                candidates = [ox.NamedNode(text).value]
            except ValueError:
                raise LookupError(f"{text!r} is not a valid IRI") from None
        elif (iri := _expand(text)) is not None:
            candidates = [iri]
        elif text and all(c.isalnum() or c == "-" for c in text) and text == text.lower():
            candidates = [iri for iri in (_valid_iri(PREFIXES["kz"] + text),) if iri]
        for iri in candidates:
            if exists(iri, cls):
                return ox.NamedNode(iri)
        matches = by_label(text, cls)
        if len(matches) == 1:
            return ox.NamedNode(matches[0])
        if not matches:
            raise LookupError(f"no entity{' of class ' + cls if cls else ''} is named {text!r}")
        raise LookupError(f"{text!r} names several entities: {', '.join(matches[:5])}; give an IRI")

    return resolve


def _str(term: Any) -> str | None:
    return None if term is None else term.value


def run(query: NamedQuery, raw: dict[str, str], select: Select) -> Table:
    """Run ``query`` with raw string parameters; ParamError for a bad or missing parameter."""
    resolve = make_resolver(select)
    bound = bind(query, raw, resolve)
    if query.computed in ("affiliation-chains", "reachable-organizations"):
        return _compute(query, bound, select)
    if query.computed == "entity-lookup":
        return _lookup(query, bound["name"].value, select)
    if query.computed:
        raise ParamError("", "", f"{query.name}: unknown computation {query.computed!r}")
    variables, rows = select(with_values(query, bound))
    return Table(list(query.columns), [{c: row.get(c) for c in query.columns} for row in rows])


def _lookup(query: NamedQuery, text: str, select: Select) -> Table:
    """Every name the query returns, ranked against ``text`` by ``kzct.search``."""
    _, rows = select(query.text)
    names = [search.Name(_str(r["entity"]), _str(r["matched"]), _str(r["matchKind"]), _str(r.get("label")),
                         _str(r.get("type"))) for r in rows]
    matches = search.rank(text, names)
    decimal = ox.NamedNode(PREFIXES["xsd"] + "decimal")
    table_rows = [
        {"entity": ox.NamedNode(m.name.entity),
         "label": ox.Literal(m.name.label, language="en") if m.name.label else None,
         "type": ox.Literal(m.name.type) if m.name.type else None,
         "matched": ox.Literal(m.name.name), "matchKind": ox.Literal(m.name.kind),
         "score": ox.Literal(f"{m.score:.1f}", datatype=decimal)}
        for m in matches
    ]
    document = {"name": text, "matches": [
        {"entity": m.name.entity, "label": m.name.label, "type": m.name.type, "matched": m.name.name,
         "matchKind": m.name.kind, "score": round(m.score, 1), "exact": m.exact} for m in matches]}
    return Table(list(query.columns), table_rows, document)


def _compute(query: NamedQuery, bound: dict[str, Any], select: Select) -> Table:
    _, rows = select(query.text)
    ties = chains.ties_from_rows({k: _str(v) for k, v in row.items()} for row in rows)
    status = bound["status"].value if bound.get("status") is not None else "any"
    max_hops = int(bound["max-hops"].value)
    start = bound["from"].value
    if query.computed == "reachable-organizations":
        found = chains.reachable(ties, start, max_hops, status)
        table_rows = [
            {"organization": ox.NamedNode(node.iri), "label": ox.Literal(node.label),
             "hops": ox.Literal(str(hops), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))}
            for node, hops in found
        ]
        reached = {start} | {n.iri for n, _ in found}
        within = [t for t in ties.values() if t.subject.iri in reached and t.object.iri in reached
                  and t.subject.iri != t.object.iri and (status == "any" or t.status == "asserted")]
        document = {"from": start, "maxHops": max_hops, "status": status,
                    "organizations": [{"iri": n.iri, "label": n.label, "hops": h} for n, h in found],
                    # The ties among them, for the neighbourhood graph of the query page.
                    "ties": [{"tie": t.iri, "subject": t.subject.as_json(), "object": t.object.as_json(),
                              "kind": t.kind, "status": t.status,
                              "claimants": [{"iri": i, "label": lb} for i, lb in sorted(t.claimants.items())],
                              "quotes": sorted(t.quotes)} for t in sorted(within, key=lambda t: t.iri)]}
        return Table(list(query.columns), table_rows, document)
    goal = bound["to"].value
    paths = chains.chains(ties, start, goal, max_hops, status)
    flat = chains.paths_as_rows(paths)
    iri_columns = {"from", "to", "tie"}
    integer_columns = {"path", "hop", "length"}
    table_rows = []
    for row in flat:
        converted: dict[str, Any] = {}
        for column in query.columns:
            value = row.get(column)
            if value is None or value == "":
                converted[column] = None
            elif column in iri_columns:
                converted[column] = ox.NamedNode(value)
            elif column in integer_columns:
                converted[column] = ox.Literal(value, datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
            else:
                converted[column] = ox.Literal(value)
        table_rows.append(converted)
    document = {"from": start, "to": goal, "maxHops": max_hops, "status": status,
                "paths": chains.paths_as_json(paths)}
    return Table(list(query.columns), table_rows, document)
