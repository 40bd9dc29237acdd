"""Look-ups of the asserted triples in the served store, for resource pages and their descriptions.

The asserted graphs are, for the project, the data and ontology graphs (not the inferred
closure); for ``--data`` files, the default graph and every named graph. "What is said of this
IRI" and "what points at it" are answered from the store's own indexes (``quads_for_pattern``),
triples said in several graphs once, sorted; nothing is copied at start, so a page of a graph of a
million triples answers as fast as one of ours, and a page never runs a query through the engine.
Recent answers are remembered (the store never changes while served), and the labels are
collected in one pass at their first use.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Store, Triple

from kzct.dataset import Dataset
from kzct.namespaces import BASE, DCTERMS, GRAPH_CHAINS, GRAPH_INFERRED, GRAPH_ONTOLOGY, KZ, KZO, RDF, RDFS, SKOS

ONTOLOGY_IRI = BASE + "ontology"
LABEL_PROPERTIES = (str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title))
Term = NamedNode | BlankNode | Literal
MEMO = 4096  # look-ups remembered per kind
PREDICATE_MEMO = 64  # a predicate's triples can be most of the graph


class _Lookup:
    """``get(key, default)`` like a dict's, computed by ``find`` and remembered."""

    def __init__(self, find, size: int = MEMO) -> None:
        self._find = lru_cache(maxsize=size)(find)

    def get(self, key, default=()):
        return self._find(key) or default


class Index:
    """The asserted triples of ``store`` in ``graphs``, looked up on demand."""

    def __init__(self, store: Store, graphs: list, ontology_graph: NamedNode | None) -> None:
        self.store = store
        self.graphs = graphs
        self.ontology_graph = ontology_graph
        self.out = _Lookup(self._outgoing)  # subject -> [(predicate IRI, object)]
        self.inc = _Lookup(self._incoming)  # object -> [(subject, predicate IRI)]
        self.by_predicate = _Lookup(self._with_predicate, PREDICATE_MEMO)  # IRI -> [(subject, object)]

    def _triples(self, s, p, o) -> list[Triple]:
        found = {}
        for graph in self.graphs:
            for quad in self.store.quads_for_pattern(s, p, o, graph):
                found.setdefault(quad.triple, None)
        return list(found)

    def _outgoing(self, subject: Term) -> list[tuple[str, Term]]:
        if isinstance(subject, Literal):
            return []
        pairs = [(t.predicate.value, t.object) for t in self._triples(subject, None, None)]
        return sorted(pairs, key=lambda pair: (pair[0], str(pair[1])))

    def _incoming(self, obj: Term) -> list[tuple[Term, str]]:
        pairs = [(t.subject, t.predicate.value) for t in self._triples(None, None, obj)]
        return sorted(pairs, key=lambda pair: (str(pair[0]), pair[1]))

    def _with_predicate(self, predicate: str) -> list[tuple[Term, Term]]:
        pairs = [(t.subject, t.object) for t in self._triples(None, NamedNode(predicate), None)]
        return sorted(pairs, key=lambda pair: (str(pair[0]), str(pair[1])))

    def values(self, subject: Term, predicate: str) -> list[Term]:
        return [o for p, o in self.out.get(subject) if p == predicate]

    def known(self, iri: str) -> bool:
        try:
            node = NamedNode(iri)
        except ValueError:  # not an IRI at all
            return False
        return bool(self.out.get(node) or self.inc.get(node))  # the page asks for both next

    @cached_property
    def labels(self) -> dict[str, str]:
        """IRI -> its best label: skos:prefLabel, then rdfs:label, then dcterms:title, English or
        untagged first (made at the first use: one pass over the label triples, not the graph)."""
        best: dict[str, tuple[tuple[int, int, str], str]] = {}
        for rank, predicate in enumerate(LABEL_PROPERTIES):
            for t in self._triples(None, NamedNode(predicate), None):
                if isinstance(t.subject, NamedNode) and isinstance(t.object, Literal):
                    key = (rank, 0 if t.object.language in ("en", None) else 1, t.object.value)
                    if t.subject.value not in best or key < best[t.subject.value][0]:
                        best[t.subject.value] = (key, t.object.value)
        return {iri: text for iri, (_, text) in best.items()}

    def has_label(self, iri: str) -> bool:
        return iri in self.labels

    def label(self, iri: str) -> str:
        """The best English label of ``iri``, else its local name."""
        found = self.labels.get(iri)
        if found is not None:
            return found
        cut = max(iri.rfind("#"), iri.rfind("/"))
        return iri[cut + 1:] or iri

    def entities(self) -> list[str]:
        """Every ``kz:`` IRI said or pointed at, sorted (a scan of the asserted graphs)."""
        prefix, nodes = str(KZ), set()
        for graph in self.graphs:
            for quad in self.store.quads_for_pattern(None, None, None, graph):
                for node in (quad.subject, quad.object):
                    if isinstance(node, NamedNode) and node.value.startswith(prefix):
                        nodes.add(node.value)
        return sorted(nodes)

    @cached_property
    def ontology(self) -> list[Triple]:
        """The ontology graph's triples; without one, what is said of the ontology and its terms."""
        if self.ontology_graph is not None:
            return [q.triple for q in self.store.quads_for_pattern(None, None, None, self.ontology_graph)]
        terms = self.store.query(
            "SELECT DISTINCT ?s { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
            f"FILTER(isIRI(?s) && (STR(?s) = \"{ONTOLOGY_IRI}\" || STRSTARTS(STR(?s), \"{KZO}\"))) }}")
        return [t for row in terms for t in self._closure(row["s"])]

    @cached_property
    def statement_classes(self) -> frozenset[str]:
        return frozenset(_subclasses(self, str(KZO.Statement)))

    def is_statement(self, node: Term) -> bool:
        return any(t.value in self.statement_classes for t in self.values(node, str(RDF.type))
                   if isinstance(t, NamedNode))

    def description(self, iri: str) -> list[Triple]:
        """The triples about ``iri``: what it says (blank nodes followed) and what points at it."""
        node = NamedNode(iri)
        triples = self._closure(node)
        triples.extend(Triple(s, NamedNode(p), node) for s, p in self.inc.get(node))
        return triples

    def _closure(self, node: Term) -> list[Triple]:
        triples, todo, seen = [], [node], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for p, o in self.out.get(current):
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


def build_index(dataset: Dataset) -> Index:
    """The look-ups over ``dataset``'s asserted graphs (nothing is read until asked)."""
    names = set(dataset.graphs)
    if dataset.union_default:
        graphs = [NamedNode(g) for g in sorted(names - {str(GRAPH_INFERRED), str(GRAPH_CHAINS)})]
    else:
        graphs = [DefaultGraph(), *(NamedNode(g) for g in sorted(names))]
    ontology_graph = NamedNode(str(GRAPH_ONTOLOGY))
    return Index(dataset.store, graphs, ontology_graph if ontology_graph in graphs else None)


def _subclasses(index: Index, root: str) -> set[str]:
    found, todo = {root}, [root]
    while todo:
        current = NamedNode(todo.pop())
        for s, p in index.inc.get(current):
            if p == str(RDFS.subClassOf) and isinstance(s, NamedNode) and s.value not in found:
                found.add(s.value)
                todo.append(s.value)
    return found
