"""Runs a query on a pyoxigraph Store and serializes the answer with pyoxigraph's own writers.

The row cap is applied while serializing: SELECT results are first written as TSV (one line per
row) and N-Triples for graphs (one line per triple) into a writer that stops after the cap, then
converted to the requested format. Both steps run in pyoxigraph (Rust); Python only counts lines.
"""

from __future__ import annotations

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
    serialize,
)

from kzct import formats
from kzct.engine.errors import NotAcceptable, QueryFailed, QuerySyntaxError
from kzct.engine.request import QueryRequest, QueryResult
from kzct.namespaces import PREFIXES


class _Full(Exception):
    """Raised inside the writer to stop serializing at the cap."""


class CappedWriter:
    """A file-like sink keeping at most ``max_lines`` lines."""

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self.lines = 0
        self.chunks: list[bytes] = []
        self.full = False

    def write(self, data) -> int:
        data = bytes(data)
        count = data.count(b"\n")
        if self.lines + count > self.max_lines:
            cut = -1
            for _ in range(self.max_lines - self.lines):
                cut = data.index(b"\n", cut + 1)
            self.chunks.append(data[: cut + 1])
            self.lines = self.max_lines
            self.full = True
            raise _Full
        self.lines += count
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


def _capped(serialize_into, max_lines: int) -> CappedWriter:
    writer = CappedWriter(max_lines)
    try:
        serialize_into(writer)
    except _Full:
        pass
    except (SyntaxError, ValueError) as exc:  # an evaluation error surfaces while iterating
        raise QueryFailed(str(exc)) from exc
    except OSError as exc:
        if writer.full:
            pass
        else:
            raise QueryFailed(str(exc)) from exc
    return writer


def _format(table, name: str | None, form: str) -> formats.Format:
    fmt = formats.by_name(table, name) if name else None
    if fmt is None:
        raise NotAcceptable(f"no acceptable format for {form} results")
    return fmt


class OxigraphBackend:
    """Evaluates queries on ``store``."""

    name = "oxigraph"

    def __init__(self, store: Store) -> None:
        self.store = store

    def execute(self, request: QueryRequest, max_rows: int) -> QueryResult:
        kwargs = {}
        if request.default_graphs is not None or request.named_graphs is not None:
            kwargs["default_graph"] = [NamedNode(g) for g in request.default_graphs or ()]
            kwargs["named_graphs"] = [NamedNode(g) for g in request.named_graphs or ()]
        try:
            result = self.store.query(request.query, base_iri=request.base_iri, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise QueryFailed(str(exc)) from exc
        if isinstance(result, QueryBoolean):
            fmt = _format(formats.RESULTS, request.results_format, "ASK")
            return QueryResult("boolean", fmt.name, result.serialize(format=fmt.oxigraph), 1)
        if isinstance(result, QuerySolutions):
            fmt = _format(formats.RESULTS, request.results_format, "SELECT")
            return self._bindings(result, fmt, max_rows)
        fmt = _format(formats.GRAPHS, request.graph_format, "CONSTRUCT or DESCRIBE")
        return self._graph(result, fmt, max_rows)

    def _bindings(self, result: QuerySolutions, fmt: formats.Format, max_rows: int) -> QueryResult:
        tsv = QueryResultsFormat.TSV
        writer = _capped(lambda out: result.serialize(out, format=tsv), max_rows + 1)
        body = writer.getvalue()
        rows = max(writer.lines - 1, 0)
        if fmt.oxigraph != tsv or writer.full:
            body = parse_query_results(body, format=tsv).serialize(format=fmt.oxigraph)
        return QueryResult("bindings", fmt.name, body, rows, writer.full)

    def _graph(self, result, fmt: formats.Format, max_rows: int) -> QueryResult:
        nt = RdfFormat.N_TRIPLES
        writer = _capped(lambda out: result.serialize(out, format=nt), max_rows)
        body = writer.getvalue()
        if fmt.oxigraph != nt:
            triples = parse(body, format=nt)
            prefixes = PREFIXES if fmt.oxigraph in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
            body = serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
        return QueryResult("graph", fmt.name, body, writer.lines, writer.full)
