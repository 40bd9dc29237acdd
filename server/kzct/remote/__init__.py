"""kzct in front of an existing SPARQL 1.1 store: ``store.RemoteStore`` and ``load_remote``."""

from __future__ import annotations

import hashlib

from kzct.dataset import Dataset, DatasetError
from kzct.namespaces import GRAPH_CHAINS, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY
from kzct.remote.store import RemoteStore

PROJECT_GRAPHS = (str(GRAPH_DATA), str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED), str(GRAPH_CHAINS))
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"


def load_remote(url: str, default_graph: str | None, named_graphs: list[str] | None, *, pool: int,
                timeout: float, queue_wait: float) -> Dataset:
    """The dataset served by the backend at ``url``: its graphs counted once, at start.

    The release (for ETags and the answer cache) hashes the URL and those counts: kzct assumes the
    backend's data does not change while it serves; restart kzct after reloading the backend.
    """
    from pyoxigraph import NamedNode

    named = list(PROJECT_GRAPHS if named_graphs is None else named_graphs)
    store = RemoteStore(url, default_graph, named, pool=pool, timeout=max(timeout, 30.0), queue_wait=queue_wait)
    try:
        graphs = {g: _count(store.query(COUNT, default_graph=[NamedNode(g)], named_graphs=[])) for g in named}
        default_triples = _count(store.query(COUNT))
    except Exception as exc:
        raise DatasetError(f"backend {url}: {exc}") from exc
    store.timeout = timeout
    release = hashlib.sha256(f"{url}\0{sorted(graphs.items())}\0{default_triples}".encode()).hexdigest()[:16]
    # Without a default graph of its own, the default graph is the union of the served graphs, as in
    # the project's store: pages then show the asserted graphs only, not the inferred closure.
    return Dataset(store, [], union_default=default_graph is None, graphs=graphs,
                   default_triples=default_triples, release=release)


def _count(solutions) -> int:
    return int(next(iter(solutions))["n"].value)
