"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol, read-only, where the Oxigraph server has it.

``GET`` (and ``HEAD``) ``/store?graph=IRI`` answers that named graph, ``/store?default`` the default
graph (for the project: the union of the named graphs), ``/store`` alone the whole dataset (named
graphs in a dataset format). The format comes from ``format`` or ``Accept`` as on ``/sparql`` for a
CONSTRUCT (Turtle by default); the body is streamed as pyoxigraph writes it, never held whole.
A graph the store does not have is 404; every write method is 405 (problem+json).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Iterator

from flask import Blueprint, Response, current_app, request
from pyoxigraph import DefaultGraph, NamedNode, serialize

from kzct import formats
from kzct.namespaces import PREFIXES
from kzct.web.conditional import conditional
from kzct.web.errors import Problem

log = logging.getLogger(__name__)
bp = Blueprint("store", __name__)

CHUNK = 1 << 16
DATASET_FORMATS = tuple(f for f in formats.GRAPHS if f.oxigraph.supports_datasets)


class _Closed(Exception):
    """The client went away: the writer thread stops."""


class _Sink:
    """A file-like object pyoxigraph writes into; full chunks go to a bounded queue."""

    def __init__(self, out: queue.Queue, stop: threading.Event) -> None:
        self.out, self.stop, self.buffer = out, stop, bytearray()

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._put(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def close_out(self) -> None:
        if self.buffer:
            self._put(bytes(self.buffer))
            self.buffer.clear()

    def _put(self, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Closed
            try:
                self.out.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


def stream(make_terms, fmt: formats.Format, prefixes: dict | None) -> Iterator[bytes]:
    """Serialize ``make_terms()`` (triples or quads) on a thread, yielding the bytes as they come.
    The iterator is made on that thread: pyoxigraph's iterators stay on the thread that made them."""
    out: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    sink = _Sink(out, stop)
    done = object()

    def write() -> None:
        try:
            serialize(make_terms(), sink, fmt.oxigraph, prefixes=prefixes)
            sink.close_out()
        except _Closed:
            return
        except Exception:  # noqa: BLE001 - the response is already under way: log it and end it
            log.exception("could not serialize the graph")
        try:
            sink._put(done)
        except _Closed:
            pass

    thread = threading.Thread(target=write, name="kzct-store", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not done:
            yield item
    finally:
        stop.set()


def _graph_param() -> NamedNode | DefaultGraph | None:
    """The graph asked for: a NamedNode, the DefaultGraph, or None for the whole dataset."""
    graphs = request.args.getlist("graph")
    if "default" in request.args and graphs:
        raise Problem(400, "Bad request", "send either graph=IRI or default, not both", "graph-and-default")
    if len(graphs) > 1:
        raise Problem(400, "Bad request", "send one graph parameter", "multiple-graphs")
    if "default" in request.args:
        return DefaultGraph()
    if not graphs:
        return None
    try:
        return NamedNode(graphs[0])
    except ValueError as exc:
        raise Problem(400, "Bad request", f"graph {graphs[0][:200]!r} is not an absolute IRI: {exc}",
                      "bad-graph-iri") from None


@bp.route("/store", methods=["GET"])
def store_get():
    graph = _graph_param()
    dataset = current_app.extensions["kzct"]
    store = dataset.store
    table = formats.GRAPHS if graph is not None else DATASET_FORMATS
    fmt = formats.negotiate(table, request.headers.get("Accept"), request.args.getlist("format"))
    if fmt is None:
        names = ", ".join(f.media_type for f in table)
        raise Problem(406, "Not acceptable", f"available as {names}", "not-acceptable")
    if isinstance(graph, NamedNode) and graph.value not in dataset.graphs:
        raise Problem(404, "Not Found", f"there is no graph <{graph.value}> in this dataset; the Service "
                      "Description (GET /sparql) lists the graphs", "not-found")
    if graph is None:
        def terms():
            names = sorted(store.named_graphs(), key=lambda g: g.value)
            return (q for g in names for q in store.quads_for_pattern(None, None, None, g))
    else:  # a graph's content: its triples (in the default graph of a dataset format)
        def terms():
            return (q.triple for q in store.quads_for_pattern(None, None, None, graph))
    prefixes = PREFIXES if fmt.name in ("turtle", "trig") else None
    response = Response(stream(terms, fmt, prefixes), content_type=fmt.content_type)
    return conditional(response)
