"""Runs a query on a pyoxigraph Store and serializes the answer with pyoxigraph's own writers.

Answers are written into an ``AnswerWriter`` (``stream.py``), which counts rows and bytes while the
engine evaluates: a small answer comes back whole; a large one, when the caller passes ``send``,
goes to it in chunks as it is written. Past a limit the evaluation stops and the query fails with
``AnswerTooLarge`` (507), or, once chunks have left, the stream ends broken: never a well-formed
answer that looks complete. SELECT answers are written as TSV (a row per line) and converted to
the requested format by pyoxigraph, chunk by chunk; N-Triples and N-Quads are written as they
are (a triple per line); other graph formats count the triples as the serializer takes them.
"""

from __future__ import annotations

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    serialize,
)

from kzct import formats
from kzct.config import Limits
from kzct.engine.errors import NotAcceptable, QueryFailed, QuerySyntaxError
from kzct.engine.request import QueryRequest, QueryResult
from kzct.engine.stream import TSV, AnswerWriter, Full, TsvTo, too_big
from kzct.namespaces import PREFIXES


def _write(serialize_into, writer: AnswerWriter) -> bytes | None:
    """Serialize into ``writer``; the whole answer, or None when it was streamed."""
    try:
        serialize_into(writer)
    except Full:
        pass
    except (SyntaxError, ValueError) as exc:  # an evaluation error surfaces while iterating
        raise QueryFailed(str(exc)) from exc
    except OSError as exc:  # pyoxigraph reports an exception raised in the writer as OSError
        if not (writer.too_many or writer.too_big):
            raise QueryFailed(str(exc)) from exc
    return writer.finish()


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

    def execute(self, request: QueryRequest, limits: Limits, send=None) -> QueryResult:
        """The answer to ``request``; a large one goes to ``send`` in chunks when given (body None)."""
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
            to = TsvTo(fmt.oxigraph)
            chunks = None if send is None else (lambda data: send("bindings", fmt.name, data))
            writer = AnswerWriter(limits, chunks, by_line=True, header=True, convert=to.part)
            tsv = _write(lambda out: result.serialize(out, format=TSV), writer)
            body = None if tsv is None else to.whole(tsv)
            if body is not None and limits.max_answer_bytes and len(body) > limits.max_answer_bytes:
                raise too_big(limits)  # converted, the whole answer grew past the cap
            return QueryResult("bindings", fmt.name, body, writer.rows)
        fmt = _format(formats.GRAPHS, request.graph_format, "CONSTRUCT or DESCRIBE")
        chunks = None if send is None else (lambda data: send("graph", fmt.name, data))
        if fmt.oxigraph in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
            writer = AnswerWriter(limits, chunks, by_line=True)
            body = _write(lambda out: result.serialize(out, format=fmt.oxigraph), writer)
        else:
            writer = AnswerWriter(limits, chunks, by_line=False)
            prefixes = PREFIXES if fmt.oxigraph in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
            body = _write(lambda out: serialize(writer.count(result), out, format=fmt.oxigraph,
                                                prefixes=prefixes), writer)
        return QueryResult("graph", fmt.name, body, writer.lines)
