"""Consistency of an OWL-RL closure: each clash with the statements involved.

Checks: members of owl:Nothing; individuals in two disjoint classes (owl:disjointWith,
owl:AllDisjointClasses); a functional property with two different values, an
inverse-functional property shared by two different subjects (different as written in the
inputs: owlrl itself would merge them with owl:sameAs); asymmetric and irreflexive properties
used both ways or on the node itself; and the error messages owlrl records in the closure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

Triple = tuple[Node, Node, Node]


@dataclass
class Clash:
    kind: str
    message: str
    statements: list[Triple] = field(default_factory=list)


def owlrl_error_triples(closure: Graph) -> Graph:
    """The ``[] a err:ErrorMessage ; err:error "..."`` triples owlrl adds for inconsistencies."""
    errors = Graph()
    for node in closure.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage):
        for triple in closure.triples((node, None, None)):
            errors.add(triple)
    return errors


def _disjoint_pairs(graph: Graph) -> set[tuple[Node, Node]]:
    pairs = {(a, b) for a, b in graph.subject_objects(OWL.disjointWith)}
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in graph.objects(node, OWL.members):
            pairs.update(combinations(list(Collection(graph, members)), 2))
    return {(a, b) for a, b in pairs if a != b}


def _distinct(inputs: Graph, a: Node, b: Node) -> bool:
    return a != b and (a, OWL.sameAs, b) not in inputs and (b, OWL.sameAs, a) not in inputs


def find_clashes(inputs: Graph, closure: Graph) -> list[Clash]:
    clashes: list[Clash] = []
    for node in sorted(closure.subjects(RDF.type, OWL.Nothing)):
        if node != OWL.Nothing:
            clashes.append(Clash("nothing", f"{node} is a member of owl:Nothing",
                                 [(node, RDF.type, OWL.Nothing)]))
    for a, b in sorted(_disjoint_pairs(closure)):
        for x in sorted(set(closure.subjects(RDF.type, a)) & set(closure.subjects(RDF.type, b))):
            clashes.append(Clash("disjoint", f"{x} is in the disjoint classes {a} and {b}",
                                 [(x, RDF.type, a), (x, RDF.type, b)]))
    for p in sorted(closure.subjects(RDF.type, OWL.FunctionalProperty)):
        for s in sorted(set(inputs.subjects(p, None))):
            values = sorted(set(inputs.objects(s, p)))
            for a, b in combinations(values, 2):
                if _distinct(inputs, a, b):
                    clashes.append(Clash("functional", f"{s} has two values for the functional {p}",
                                         [(s, p, a), (s, p, b)]))
    for p in sorted(closure.subjects(RDF.type, OWL.InverseFunctionalProperty)):
        for o in sorted(set(inputs.objects(None, p))):
            subjects = sorted(set(inputs.subjects(p, o)))
            for a, b in combinations(subjects, 2):
                if _distinct(inputs, a, b):
                    clashes.append(Clash("inverse-functional",
                                         f"{a} and {b} share {o} through the inverse-functional {p}",
                                         [(a, p, o), (b, p, o)]))
    for p in sorted(closure.subjects(RDF.type, OWL.AsymmetricProperty)):
        for s, o in sorted(closure.subject_objects(p)):
            if (o, p, s) in closure and (s <= o):
                clashes.append(Clash("asymmetric", f"{s} and {o} are linked both ways by the asymmetric {p}",
                                     [(s, p, o), (o, p, s)]))
    for p in sorted(closure.subjects(RDF.type, OWL.IrreflexiveProperty)):
        for s, o in sorted(closure.subject_objects(p)):
            if s == o:
                clashes.append(Clash("irreflexive", f"{s} is linked to itself by the irreflexive {p}",
                                     [(s, p, s)]))
    for node in closure.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage):
        for message in closure.objects(node, OWLRL_ERRORS.error):
            clashes.append(Clash("owlrl", f"owlrl: {message}"))
    return clashes
