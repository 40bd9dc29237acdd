"""Runs SPARQL queries under the limits; knows nothing of HTTP.

``make_engine(dataset, limits, backend="oxigraph", children=1)`` -> ``Engine``; ``Engine.run(QueryRequest)``
-> ``QueryResult`` or raises a ``kzct.engine.errors.QueryError``.
"""

from __future__ import annotations

from kzct.config import Limits
from kzct.dataset import Dataset
from kzct.engine.errors import QueryError
from kzct.engine.oxigraph import OxigraphBackend
from kzct.engine.pool import Engine
from kzct.engine.request import QueryRequest, QueryResult

__all__ = ["Engine", "QueryError", "QueryRequest", "QueryResult", "make_engine"]


def make_engine(dataset: Dataset, limits: Limits, backend: str = "oxigraph", isolate: bool = True,
                children: int = 1) -> Engine:
    """An engine on ``dataset``; ``children``: query processes per serving process (see pool)."""
    if backend == "rdflib":
        from kzct.engine.rdflib_backend import RdflibBackend

        return Engine(RdflibBackend(dataset), limits, isolate, children)
    if backend != "oxigraph":
        raise ValueError(f"unknown engine {backend!r}: oxigraph or rdflib")
    from kzct.remote.store import RemoteStore

    if isinstance(dataset.store, RemoteStore):
        # A remote backend: the queries run there, so no query process here; the calls are bounded
        # by the store's connection pool and abandoned at the deadline.
        engine = Engine(OxigraphBackend(dataset.store), limits, isolate=False, children=children)
        engine.remote = dataset.store
        return engine
    return Engine(OxigraphBackend(dataset.store), limits, isolate, children)
