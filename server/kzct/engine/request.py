"""What the engine is asked, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueryRequest:
    """One query and its dataset. Format names are those of ``kzct.formats``; None: not acceptable.

    ``default_graphs``/``named_graphs`` both None: the served dataset as is. Otherwise the dataset
    is exactly the graphs named (an unknown graph is empty), as ``default-graph-uri`` and
    ``named-graph-uri`` say in the SPARQL 1.1 Protocol.
    """

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryResult:
    """A serialized answer. ``form``: "boolean", "bindings" or "graph"."""

    form: str
    format: str
    body: bytes
    rows: int
