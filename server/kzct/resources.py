"""An in-memory index of the asserted triples, for resource pages and their RDF descriptions.

Built once per app from the served store: for the project, the data and ontology graphs (not the
inferred closure); for ``--data`` files, the default graph and every named graph. It answers
"what is said of this IRI" and "what points at it" by dictionary look-ups, so a page never runs a
query through the engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Triple

from kzct.dataset import Dataset
from kzct.namespaces import BASE, DCTERMS, GRAPH_INFERRED, GRAPH_ONTOLOGY, KZ, KZO, RDF, RDFS, SKOS

ONTOLOGY_IRI = BASE + "ontology"
LABEL_PROPERTIES = (str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title))
Term = NamedNode | BlankNode | Literal


@dataclass
class Index:
    out: dict[Term, list[tuple[str, Term]]] = field(default_factory=lambda: defaultdict(list))
    inc: dict[Term, list[tuple[Term, str]]] = field(default_factory=lambda: defaultdict(list))
    by_predicate: dict[str, list[tuple[Term, Term]]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, str] = field(default_factory=dict)
    ontology: list[Triple] = field(default_factory=list)
    statement_classes: frozenset[str] = frozenset()

    def values(self, subject: Term, predicate: str) -> list[Term]:
        return [o for p, o in self.out.get(subject, ()) if p == predicate]

    def known(self, iri: str) -> bool:
        try:
            node = NamedNode(iri)
        except ValueError:  # not an IRI at all
            return False
        return node in self.out or node in self.inc

    def label(self, iri: str) -> str:
        """The best English label of ``iri``, else its local name."""
        if iri in self.labels:
            return self.labels[iri]
        cut = max(iri.rfind("#"), iri.rfind("/"))
        return iri[cut + 1:] or iri

    def entities(self) -> list[str]:
        """Every ``kz:`` IRI said or pointed at, sorted."""
        prefix = str(KZ)
        nodes = {n.value for n in [*self.out, *self.inc] if isinstance(n, NamedNode) and n.value.startswith(prefix)}
        return sorted(nodes)

    def is_statement(self, node: Term) -> bool:
        return any(t.value in self.statement_classes for t in self.values(node, str(RDF.type))
                   if isinstance(t, NamedNode))

    def description(self, iri: str) -> list[Triple]:
        """The triples about ``iri``: what it says (blank nodes followed) and what points at it."""
        node = NamedNode(iri)
        triples = self._closure(node)
        triples.extend(Triple(s, NamedNode(p), node) for s, p in self.inc.get(node, ()))
        return triples

    def _closure(self, node: Term) -> list[Triple]:
        triples, todo, seen = [], [node], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for p, o in self.out.get(current, ()):
                triples.append(Triple(current, NamedNode(p), o))
                if isinstance(o, BlankNode):
                    todo.append(o)
        return triples

    def rdf_list(self, node: Term) -> list[Term]:
        items, seen = [], set()
        while isinstance(node, BlankNode) and node not in seen:
            seen.add(node)
            items.extend(self.values(node, str(RDF.first)))
            rest = self.values(node, str(RDF.rest))
            node = rest[0] if rest else None
        return items


def _label_rank(predicate: str, literal: Literal) -> tuple[int, int]:
    return (LABEL_PROPERTIES.index(predicate), 0 if literal.language in ("en", None) else 1)


def build_index(dataset: Dataset) -> Index:
    store = dataset.store
    names = set(dataset.graphs)
    if dataset.union_default:
        graphs = [NamedNode(g) for g in sorted(names - {str(GRAPH_INFERRED)})]
    else:
        graphs = [DefaultGraph(), *(NamedNode(g) for g in sorted(names))]
    index = Index()
    seen: set[Triple] = set()
    best: dict[str, tuple[tuple[int, int], str]] = {}
    ontology_graph = NamedNode(str(GRAPH_ONTOLOGY))
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, graph):
            triple = quad.triple
            if graph == ontology_graph:
                index.ontology.append(triple)
            if triple in seen:
                continue
            seen.add(triple)
            s, p, o = triple.subject, triple.predicate.value, triple.object
            index.out[s].append((p, o))
            index.by_predicate[p].append((s, o))
            if not isinstance(o, Literal):
                index.inc[o].append((s, p))
            elif p in LABEL_PROPERTIES and isinstance(s, NamedNode):
                rank = _label_rank(p, o)
                if s.value not in best or rank < best[s.value][0]:
                    best[s.value] = (rank, o.value)
    index.labels = {iri: text for iri, (_, text) in best.items()}
    if ontology_graph not in graphs:
        index.ontology = _namespace_triples(index)
    index.statement_classes = frozenset(_subclasses(index, str(KZO.Statement)))
    for triples in (index.out, index.inc):
        for values in triples.values():
            values.sort(key=lambda pair: (str(pair[0]), str(pair[1])))
    return index


def _namespace_triples(index: Index) -> list[Triple]:
    """Without an ontology graph: what is said of the ontology IRI and of every ``kzo:`` term."""
    triples = []
    for s in list(index.out):
        if isinstance(s, NamedNode) and (s.value == ONTOLOGY_IRI or s.value.startswith(str(KZO))):
            triples.extend(index._closure(s))
    return triples


def _subclasses(index: Index, root: str) -> set[str]:
    found, todo = {root}, [root]
    while todo:
        current = NamedNode(todo.pop())
        for s, p in index.inc.get(current, ()):
            if p == str(RDFS.subClassOf) and isinstance(s, NamedNode) and s.value not in found:
                found.add(s.value)
                todo.append(s.value)
    return found
