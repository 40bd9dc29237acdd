"""Runs a query on a pyoxigraph Store and serializes the answer with pyoxigraph's own writers.

An answer is sent whole or not at all: the row and byte limits (``limits.max_rows``,
``limits.max_answer_bytes``) are checked while serializing, into a writer that counts rows and
bytes and stops the evaluation as soon as one is passed, and the query then fails with
``AnswerTooLarge`` (507) instead of sending a well-formed answer that looks complete. Where a row has a mark that cannot occur inside a value, the requested
format is written once: TSV and N-Triples (one line per row: newlines in values are escaped) and
SPARQL XML (``<result>``: ``<`` in values is escaped). SELECT results in JSON or CSV are written as
TSV first, counted, then converted (pyoxigraph, in Rust). Other graph formats take the triples
through Python (at most the cap plus one) and write them once.
"""

from __future__ import annotations

from itertools import islice

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse_query_results,
    serialize,
)

from kzct import formats
from kzct.config import Limits
from kzct.engine.errors import AnswerTooLarge, NotAcceptable, QueryFailed, QuerySyntaxError
from kzct.engine.request import QueryRequest, QueryResult
from kzct.namespaces import PREFIXES


class _Full(Exception):
    """Raised inside the writer to stop serializing at the cap."""


class CappedWriter:
    """A file-like sink keeping at most ``max_lines`` lines and ``max_bytes`` bytes."""

    def __init__(self, max_lines: int, max_bytes: int = 0) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.size = 0
        self.lines = 0
        self.chunks: list[bytes] = []
        self.full = False
        self.too_big = False

    def write(self, data) -> int:
        if self.full:
            raise _Full
        data = bytes(data)
        self.size += len(data)
        if self.max_bytes and self.size > self.max_bytes:
            self.full = self.too_big = True
            raise _Full
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


class CappedXmlWriter:
    """A sink for SPARQL XML results keeping at most ``max_lines`` ``<result>`` elements."""

    MARK = b"<result>"
    END = b"</results></sparql>"

    def __init__(self, max_lines: int, max_bytes: int = 0) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.lines = 0
        self.body = bytearray()
        self.full = False
        self.too_big = False

    def write(self, data) -> int:
        if self.full:
            raise _Full
        if self.max_bytes and len(self.body) + len(data) > self.max_bytes:
            self.full = self.too_big = True
            raise _Full
        start = max(len(self.body) - len(self.MARK) + 1, 0)  # a mark may span two writes
        self.body += data
        at = self.body.find(self.MARK, start)
        while at >= 0:
            if self.lines == self.max_lines:
                del self.body[at:]
                self.body += self.END
                self.full = True
                raise _Full
            self.lines += 1
            at = self.body.find(self.MARK, at + len(self.MARK))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return bytes(self.body)


def _capped(serialize_into, max_lines: int, max_bytes: int, writer_class=None) -> CappedWriter:
    writer = (writer_class or CappedWriter)(max_lines, max_bytes)
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


def _refuse(writer, limits: Limits, what: str):
    """Raise AnswerTooLarge if ``writer`` stopped at a limit."""
    if writer.too_big:
        raise AnswerTooLarge(f"the answer is larger than the {limits.max_answer_bytes:,} bytes this endpoint "
                             "sends; add LIMIT, or page with ORDER BY, LIMIT and OFFSET")
    if writer.full:
        raise AnswerTooLarge(f"the answer has more than {limits.max_rows:,} {what}, the most this endpoint "
                             "sends; add LIMIT, or page with ORDER BY, LIMIT and OFFSET")


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

    def execute(self, request: QueryRequest, limits: Limits) -> QueryResult:
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
            return self._bindings(result, fmt, limits)
        fmt = _format(formats.GRAPHS, request.graph_format, "CONSTRUCT or DESCRIBE")
        return self._graph(result, fmt, limits)

    def _bindings(self, result: QuerySolutions, fmt: formats.Format, limits: Limits) -> QueryResult:
        tsv, xml = QueryResultsFormat.TSV, QueryResultsFormat.XML
        max_rows, max_bytes = limits.max_rows, limits.max_answer_bytes
        if fmt.oxigraph == xml:
            writer = _capped(lambda out: result.serialize(out, format=xml), max_rows, max_bytes, CappedXmlWriter)
            _refuse(writer, limits, "rows")
            return QueryResult("bindings", fmt.name, writer.getvalue(), writer.lines)
        writer = _capped(lambda out: result.serialize(out, format=tsv), max_rows + 1, max_bytes)
        _refuse(writer, limits, "rows")
        body = writer.getvalue()
        rows = max(writer.lines - 1, 0)
        if fmt.oxigraph != tsv:
            body = parse_query_results(body, format=tsv).serialize(format=fmt.oxigraph)
            if max_bytes and len(body) > max_bytes:
                writer.too_big = True
                _refuse(writer, limits, "rows")
        return QueryResult("bindings", fmt.name, body, rows)

    def _graph(self, result, fmt: formats.Format, limits: Limits) -> QueryResult:
        max_rows, max_bytes = limits.max_rows, limits.max_answer_bytes
        if fmt.oxigraph in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
            writer = _capped(lambda out: result.serialize(out, format=fmt.oxigraph), max_rows, max_bytes)
            _refuse(writer, limits, "triples")
            return QueryResult("graph", fmt.name, writer.getvalue(), writer.lines)
        try:
            triples = list(islice(result, max_rows + 1))
        except (SyntaxError, ValueError, OSError) as exc:  # an evaluation error surfaces while iterating
            raise QueryFailed(str(exc)) from exc
        if len(triples) > max_rows:
            raise AnswerTooLarge(f"the answer has more than {max_rows:,} triples, the most this endpoint "
                                 "sends; add LIMIT, or page with ORDER BY, LIMIT and OFFSET")
        prefixes = PREFIXES if fmt.oxigraph in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
        body = serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
        if max_bytes and len(body) > max_bytes:
            raise AnswerTooLarge(f"the answer is larger than the {max_bytes:,} bytes this endpoint sends; "
                                 "add LIMIT, or page with ORDER BY, LIMIT and OFFSET")
        return QueryResult("graph", fmt.name, body, len(triples))
