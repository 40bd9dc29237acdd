"""A pyoxigraph-backed ``select`` over Turtle files, for running named queries in tests."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox


def store_of(*paths: Path) -> ox.Store:
    store = ox.Store()
    for path in paths:
        files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
        for file in files:
            store.load(path=str(file), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(file.as_uri()))
    return store


def selector(store: ox.Store):
    def select(query: str):
        result = store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return names, [{n: solution[n] for n in names} for solution in result]

    return select
