"""Affiliation chains as data: the named graph ``https://w3id.org/kzct/id/graph/chains``.

The chains the ``affiliation-chains`` named query computes (``kzct.chains``: every simple path of
tie statements between two organizations, shortest first) are also written as triples when the
project is loaded, so that a peer asks for them in plain SPARQL, through SERVICE too:

    ?chain a kzch:Chain ; kzch:start ?a ; kzch:end ?b ; kzch:length ?n ; kzch:hop ?hop .
    ?hop kzch:position ?i ; kzch:from ?x ; kzch:to ?y ; kzch:tie ?tie ; kzch:status ?status ;
         kzch:claimant ?claimant ; kzch:quote ?quote .

Every ordered pair of organizations joined by ties gets its chains of up to ``MAX_HOPS`` ties (the
named query's largest ``max-hops``), over ties of any status; each hop keeps the tie's status, so
``FILTER NOT EXISTS { ?chain kzch:hop/kzch:status ?s FILTER(?s != kzo:asserted) }`` keeps the
chains of asserted ties only. A chain's IRI is ``<graph>#<from>--<to>-<rank>``, a hop's
``...-<rank>-<position>``: hash IRIs of the graph, so they dereference to it (``/store``). The
terms are ``kzct.vocabulary.CHAINS`` (``/chains``). Nothing is computed at request time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, Store

from kzct import chains
from kzct.namespaces import GRAPH_CHAINS, KZCH, RDF, XSD
from kzct.paths import QUERIES_DIR

log = logging.getLogger(__name__)

MAX_HOPS = 6  # the affiliation-chains query's largest max-hops
EDGES_QUERY = QUERIES_DIR / "affiliation-chains.rq"


@dataclass
class TieTerms:
    """A tie's own terms, as the store has them (the chains module keeps their text only)."""

    status: NamedNode | None = None
    kind: NamedNode | None = None
    claimants: set = field(default_factory=set)
    quotes: set = field(default_factory=set)


def _edges(store: Store) -> tuple[dict[str, chains.Tie], dict[str, TieTerms]]:
    from kzct.catalogue import parse_named_query

    text = parse_named_query(EDGES_QUERY).text
    result = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    rows, terms = [], {}
    for solution in result:
        row = {n: solution[n] for n in names}
        rows.append({n: (t.value if t is not None else None) for n, t in row.items()})
        own = terms.setdefault(row["tie"].value, TieTerms())
        own.status = row["status"]
        own.kind = row.get("kind") or own.kind
        if row.get("claimant") is not None:
            own.claimants.add(row["claimant"])
        if row.get("quote") is not None:
            own.quotes.add(row["quote"])
    return chains.ties_from_rows(rows), terms


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(str(XSD.integer)))


def materialize(store: Store) -> list[Quad]:
    """The quads of the chains graph for the ties in ``store`` (empty when there are none)."""
    if not EDGES_QUERY.is_file():
        return []
    ties, terms = _edges(store)
    graph = NamedNode(str(GRAPH_CHAINS))
    organizations = sorted({n.iri for t in ties.values() for n in (t.subject, t.object)})
    quads: list[Quad] = []

    def add(s, p, o) -> None:
        quads.append(Quad(s, NamedNode(str(p)), o, graph))

    status_of = {iri: t.status for iri, t in terms.items()}
    for start in organizations:
        for end in organizations:
            if start == end:
                continue
            for rank, path in enumerate(chains.chains(ties, start, end, MAX_HOPS), start=1):
                chain = NamedNode(f"{graph.value}#{chains.local_name(start)}--{chains.local_name(end)}-{rank}")
                add(chain, RDF.type, NamedNode(str(KZCH.Chain)))
                add(chain, KZCH.start, NamedNode(start))
                add(chain, KZCH.end, NamedNode(end))
                add(chain, KZCH.length, _integer(len(path)))
                add(chain, KZCH.rank, _integer(rank))
                weakest = chains.weakest_status(path)
                weakest_hop = next(h for h in path if h.tie.status == weakest)
                if status_of.get(weakest_hop.tie.iri) is not None:
                    add(chain, KZCH.weakestStatus, status_of[weakest_hop.tie.iri])
                for position, hop in enumerate(path, start=1):
                    node = NamedNode(f"{chain.value}-{position}")
                    own = terms[hop.tie.iri]
                    add(chain, KZCH.hop, node)
                    add(node, RDF.type, NamedNode(str(KZCH.Hop)))
                    add(node, KZCH.position, _integer(position))
                    add(node, KZCH["from"], NamedNode(hop.source.iri))
                    add(node, KZCH.to, NamedNode(hop.target.iri))
                    add(node, KZCH.tie, NamedNode(hop.tie.iri))
                    if own.kind is not None:
                        add(node, KZCH.kind, own.kind)
                    if own.status is not None:
                        add(node, KZCH.status, own.status)
                    for claimant in sorted(own.claimants, key=str):
                        add(node, KZCH.claimant, claimant)
                    for quote in sorted(own.quotes, key=str):
                        add(node, KZCH.quote, quote)
    if quads:
        log.info("chains graph: %d chains between %d organizations, %d triples",
                 sum(1 for q in quads if q.predicate.value == str(KZCH.rank)), len(organizations), len(quads))
    return quads


def version() -> str:
    """A hash of what the chains graph is computed from (this code and the edges query)."""
    import hashlib

    digest = hashlib.sha256(Path(__file__).read_bytes())
    if EDGES_QUERY.is_file():
        digest.update(EDGES_QUERY.read_bytes())
    return digest.hexdigest()[:16]
