"""Time owlrl and reasonable on the project graph and on a 10x synthetic copy; compare closures.

Run: python bench/reasoning.py [--copies 10] [--skip-owlrl-large]
The synthetic copy renames every kz: IRI into 10 disjoint namespaces (the ontology is shared), so
the closure should grow about tenfold. Closures are compared as sets of valid RDF triples (no
literal subjects, no reflexive owl:sameAs), as kzct.reasoning filters them; triples with blank
nodes, which kzct.reasoning leaves out of build/inferred.nt, are compared too.
"""

from __future__ import annotations

import argparse
import logging
import time

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL

from kzct.namespaces import KZ
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR
from kzct.rdfparse import parse_files, turtle_files
from kzct.reasoning import owlrl_closure


def renamed(graph: Graph, copy: int) -> Graph:
    def term(t):
        if isinstance(t, URIRef) and t.startswith(str(KZ)):
            return URIRef(f"{KZ}copy{copy}/{t[len(KZ):]}")
        return t
    out = Graph()
    for s, p, o in graph:
        out.add((term(s), p, term(o)))
    return out


def valid(triples) -> set:
    return {(s, p, o) for s, p, o in triples
            if not isinstance(s, Literal) and not (p == OWL.sameAs and s == o)}


def run_owlrl(inputs: Graph) -> tuple[float, set]:
    result = owlrl_closure(inputs)
    return result.seconds, valid(result.closure)


def run_reasonable(inputs: Graph) -> tuple[float, set]:
    import reasonable

    start = time.perf_counter()
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(inputs)
    triples = reasoner.reason()
    seconds = time.perf_counter() - start
    return seconds, valid(triples) | valid(inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--skip-owlrl-large", action="store_true")
    args = parser.parse_args()
    # owlrl replaces rdflib's xsd:gMonthDay/gMonth converters with ones that reject "--11-16", and
    # rdflib logs a traceback for every such literal it reads afterwards: noise, not results
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    ontology = parse_files(turtle_files(ONTOLOGY_DIR))
    data = parse_files(turtle_files(GRAPH_DIR))
    real = ontology + data
    large = Graph()
    for triple in ontology:
        large.add(triple)
    for i in range(args.copies):
        large += renamed(data, i)
    print(f"real graph: {len(real)} input triples; synthetic: {len(large)} ({args.copies} copies)")
    t_owl, c_owl = run_owlrl(real)
    t_rsn, c_rsn = run_reasonable(real)
    print(f"real  owlrl      {t_owl:8.2f} s  closure {len(c_owl)}")
    print(f"real  reasonable {t_rsn:8.2f} s  closure {len(c_rsn)}")
    only_owl, only_rsn = c_owl - c_rsn, c_rsn - c_owl
    print(f"agree: {not only_owl and not only_rsn} (only owlrl: {len(only_owl)}, only reasonable: {len(only_rsn)})")
    on_iris = [{t for t in diff if isinstance(t[0], URIRef) and OWL.Thing not in t} for diff in (only_owl, only_rsn)]
    print(f"  about IRIs, owl:Thing aside: only owlrl {len(on_iris[0])}, only reasonable {len(on_iris[1])}")
    on_kz = [{t for t in diff if t[0].startswith(str(KZ)) and OWL.Thing not in t} for diff in (only_owl, only_rsn)]
    print(f"  about kz: instances, owl:Thing aside: only owlrl {len(on_kz[0])}, only reasonable {len(on_kz[1])}")
    for label, diff in (("only owlrl", on_iris[0]), ("only reasonable", on_iris[1])):
        for s, p, o in sorted(diff)[:5]:
            print(f"  {label}: {s.n3()} {p.n3()} {o.n3()}")
    for label, diff in (("only owlrl", only_owl), ("only reasonable", only_rsn)):
        for s, p, o in sorted(diff)[:5]:
            print(f"  {label}: {s.n3()} {p.n3()} {o.n3()}")
    t_rsn_l, c_rsn_l = run_reasonable(large)
    print(f"x{args.copies} reasonable {t_rsn_l:8.2f} s  closure {len(c_rsn_l)}")
    if not args.skip_owlrl_large:
        t_owl_l, c_owl_l = run_owlrl(large)
        print(f"x{args.copies} owlrl      {t_owl_l:8.2f} s  closure {len(c_owl_l)}")


if __name__ == "__main__":
    main()
