"""What the engine is asked, and what it answers."""

from __future__ import annotations

from collections.abc import Iterable
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
    # The caller can send a large answer on in chunks as it is written (``QueryResult.chunks``).
    stream: bool = False


@dataclass(frozen=True)
class QueryResult:
    """A serialized answer. ``form``: "boolean", "bindings" or "graph".

    A whole answer has its ``body``; a streamed one (asked with ``QueryRequest.stream``, larger than
    ``limits.stream_after``) has ``chunks`` instead, an iterable of bytes that raises
    ``StreamBroken`` if the answer cannot be finished, and ``rows`` -1 (not known yet).
    """

    form: str
    format: str
    body: bytes | None
    rows: int
    chunks: Iterable[bytes] | None = None
