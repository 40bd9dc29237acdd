"""The benchmark baseline: the same queries answered by rdflib's SPARQL engine.

Not for serving: it exists so that ``bench/endpoint.py`` can measure the same app with rdflib as
the engine. It serves the default dataset only (``default-graph-uri`` is honoured for one graph).
"""

from __future__ import annotations

from rdflib import Dataset as RdflibDataset
from rdflib import URIRef
from pyparsing import ParseException

from kzct import formats
from kzct.dataset import Dataset
from kzct.engine.errors import AnswerTooLarge, NotAcceptable, QueryFailed, QuerySyntaxError
from kzct.engine.request import QueryRequest, QueryResult

RESULT_FORMATS = {"json": "json", "xml": "xml", "csv": "csv"}
GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld",
                 "nquads": "nquads", "trig": "trig"}


def load_rdflib(dataset: Dataset) -> RdflibDataset:
    """The files of ``dataset`` parsed by rdflib into the same graphs."""
    data = RdflibDataset(default_union=dataset.union_default)
    for source in dataset.sources:
        fmt = source.path.suffix.lower().lstrip(".")
        fmt = {"ttl": "turtle", "rdf": "xml", "owl": "xml", "jsonld": "json-ld"}.get(fmt, fmt)
        if fmt in ("trig", "nq", "nquads"):
            data.parse(source.path, format="nquads" if fmt == "nq" else fmt)
        else:
            target = data.graph(URIRef(source.graph)) if source.graph else data.default_graph
            target.parse(source.path, format=fmt)
    return data


class RdflibBackend:
    name = "rdflib"

    def __init__(self, dataset: Dataset) -> None:
        self.data = load_rdflib(dataset)

    def execute(self, request: QueryRequest, limits, send=None) -> QueryResult:
        """The whole answer; ``send`` is ignored (this baseline never streams)."""
        graph = self.data
        if request.default_graphs:
            graph = self.data.graph(URIRef(request.default_graphs[0]))
        try:
            result = graph.query(request.query, base=request.base_iri)
        except ParseException as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except Exception as exc:
            raise QueryFailed(f"{type(exc).__name__}: {exc}") from exc
        if result.type == "ASK":
            name = request.results_format
            if name not in RESULT_FORMATS:
                raise NotAcceptable("no acceptable format for ASK results")
            return QueryResult("boolean", name, result.serialize(format=RESULT_FORMATS[name]), 1)
        if result.type == "SELECT":
            name = request.results_format
            if name not in RESULT_FORMATS:
                raise NotAcceptable("no acceptable format for SELECT results")
            rows = len(result)
            if limits.max_rows and rows > limits.max_rows:
                raise AnswerTooLarge(f"the answer has more than {limits.max_rows:,} rows, the most this "
                                     "endpoint sends; add LIMIT")
            body = result.serialize(format=RESULT_FORMATS[name])
            return QueryResult("bindings", name, body, rows)
        name = request.graph_format
        if name not in GRAPH_FORMATS:
            raise NotAcceptable("no acceptable format for graph results")
        body = result.serialize(format=GRAPH_FORMATS[name])
        return QueryResult("graph", name, body, len(result.graph))


assert set(RESULT_FORMATS) <= {f.name for f in formats.RESULTS}
