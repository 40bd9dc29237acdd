"""A remote SPARQL 1.1 Protocol endpoint that stands in for the embedded store (``kzct serve --backend``).

``RemoteStore`` offers the part of pyoxigraph's ``Store`` that kzct uses (``query``,
``quads_for_pattern``, ``named_graphs``), so the engine, the pages, VoID and the named queries run
unchanged over any SPARQL 1.1 endpoint (tested on Virtuoso 7). Each call is one HTTP request:

- **the dataset is always explicit.** A query without a dataset of its own is sent with
  ``default-graph-uri`` = the backend graph that holds kzct's default graph (``default_graph``) and
  ``named-graph-uri`` = the served named graphs, so it means the same as on the embedded store and
  never sees the backend's other graphs; ``default-graph-uri``/``named-graph-uri`` of the request
  pass through unchanged (the named graphs keep their IRIs on both);
- **answers are parsed and written again by pyoxigraph**: the backend is asked for SPARQL JSON or
  N-Triples and kzct writes every format it promises from that (an ASK answered as a one-cell
  table, as Virtuoso 7 does, is read as the boolean it means);
- **bounded**: one keep-alive connection pool (urllib3, ``pool`` connections), at most
  ``pool`` calls at once (a call waits at most ``queue_wait`` for a slot, then ``Busy``), each
  abandoned at its deadline: the client gets 504 and the backend's own limit
  (``MaxQueryExecutionTime`` on Virtuoso) ends its work. A backend that refuses the connection
  gives 502, one that answers 5xx gives 502 without its body, 4xx gives 400 with the first line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

import pyoxigraph as ox
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from kzct.engine.errors import Busy, QueryError, QuerySyntaxError

log = logging.getLogger(__name__)

RESULTS_JSON = "application/sparql-results+json"
MAX_GET = 4000  # longest encoded query string sent by GET; longer ones are POSTed
N_TRIPLES = "application/n-triples"
# Asked by query form (some stores answer the first type of Accept whatever the form).
ACCEPT = {"SELECT": f"{RESULTS_JSON}, application/sparql-results+xml;q=0.5",
          "ASK": f"{RESULTS_JSON}, application/sparql-results+xml;q=0.5",
          "CONSTRUCT": f"{N_TRIPLES}, text/turtle;q=0.8", "DESCRIBE": f"{N_TRIPLES}, text/turtle;q=0.8"}
READERS = {
    RESULTS_JSON: ("results", ox.QueryResultsFormat.JSON),
    "application/sparql-results+xml": ("results", ox.QueryResultsFormat.XML),
    N_TRIPLES: ("graph", ox.RdfFormat.N_TRIPLES),
    "text/plain": ("graph", ox.RdfFormat.N_TRIPLES),
    "text/turtle": ("graph", ox.RdfFormat.TURTLE),
    "application/rdf+xml": ("graph", ox.RdfFormat.RDF_XML),
}


class BackendUnavailable(QueryError):
    """The backend could not be reached, or failed (502)."""

    kind = "backend-unavailable"


class BackendTimeout(QueryError):
    """The backend did not answer before the query's deadline (504)."""

    kind = "backend-timeout"


class Triples:
    """A CONSTRUCT or DESCRIBE answer from the backend, as pyoxigraph's ``QueryTriples`` behaves."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self.triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def serialize(self, output=None, format=ox.RdfFormat.N_TRIPLES):
        return ox.serialize(self.triples, output, format=format)


class RemoteStore:
    """The backend at ``url``, queried as if it were the served store."""

    def __init__(self, url: str, default_graph: str | None, named_graphs: Iterable[str], pool: int = 8,
                 timeout: float = 10.0, queue_wait: float = 5.0) -> None:
        self.url = url
        self.default_graph = default_graph
        self.named = list(named_graphs)
        self.timeout = timeout
        self.queue_wait = queue_wait
        self.pool = pool
        self._slots = threading.BoundedSemaphore(pool)
        # urllib3 directly: no proxy from the environment, no retries, keep-alive connections; a
        # light query cost 0.43 ms of CPU here, 0.75 ms through requests (docs/scaling.md).
        self._http = urllib3.PoolManager(num_pools=2, maxsize=pool, block=False, retries=False)
        self.deadline = threading.local()  # per thread: when the current request must end

    # --- what kzct uses of pyoxigraph's Store ------------------------------------------------

    def query(self, query: str, *, base_iri: str | None = None, default_graph=None, named_graphs=None, **_):
        if base_iri:
            query = f"BASE <{base_iri}>\n{query}"
        from kzct.engine.precheck import form_of

        form = form_of(query) or "SELECT"
        accept = ACCEPT.get(form, ACCEPT["SELECT"])
        params: list[tuple[str, str]] = [("query", query)]
        if default_graph is None and named_graphs is None:
            defaults = [self.default_graph] if self.default_graph else self.named
            params += [("default-graph-uri", g) for g in defaults]
            params += [("named-graph-uri", g) for g in self.named]
        else:
            params += [("default-graph-uri", _iri(g)) for g in _listed(default_graph) if _iri(g)]
            params += [("named-graph-uri", _iri(g)) for g in _listed(named_graphs) if _iri(g)]
        result = self._call(params, accept)
        if form == "ASK" and isinstance(result, ox.QuerySolutions):
            result = _boolean(result)
        return result

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> Iterator[ox.Quad]:
        terms = {"s": subject, "p": predicate, "o": object}
        values = " ".join(f"VALUES ?{k} {{ {v} }}" for k, v in terms.items() if v is not None)
        if graph_name is None:
            text = f"SELECT ?s ?p ?o ?g {{ {{ {values} ?s ?p ?o }} UNION {{ GRAPH ?g {{ {values} ?s ?p ?o }} }} }}"
            rows = self.query(text)
        elif isinstance(graph_name, ox.DefaultGraph):
            rows = self.query(f"SELECT ?s ?p ?o {{ {values} ?s ?p ?o }}")
        else:
            rows = self.query(f"SELECT ?s ?p ?o {{ {values} ?s ?p ?o }}", default_graph=[graph_name],
                              named_graphs=[])
        for row in rows:
            s, p, o = (row["s"] if subject is None else subject, row["p"] if predicate is None else predicate,
                       row["o"] if object is None else object)
            g = graph_name if graph_name is not None else (row["g"] or ox.DefaultGraph())
            yield ox.Quad(s, p, o, g)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(g) for g in self.named])

    # --- HTTP ----------------------------------------------------------------------------------

    def _call(self, params: list[tuple[str, str]], accept: str):
        deadline = getattr(self.deadline, "at", None) or time.monotonic() + self.timeout
        wait = min(self.queue_wait, deadline - time.monotonic())
        if wait <= 0 or not self._slots.acquire(timeout=wait):
            raise Busy(f"{self.pool} backend calls are running; waited {max(wait, 0):g} s", retry_after=5)
        body = bytearray()
        try:
            response = self._send(urlencode(params), accept, deadline)
            try:
                for chunk in response.stream(65536):
                    body += chunk
                    if time.monotonic() > deadline:
                        raise BackendTimeout(f"the backend did not finish its answer within {self.timeout:g} s")
            except HTTPError:
                raise BackendTimeout(f"the backend did not finish its answer within {self.timeout:g} s") from None
            finally:
                response.release_conn()
        finally:
            self._slots.release()
        if response.status >= 500:
            log.error("backend %s answered %d: %.300r", self.url, response.status, bytes(body[:300]))
            raise BackendUnavailable(f"the backend failed (HTTP {response.status})")
        if response.status >= 400:
            first = bytes(body[:400]).decode("utf-8", "replace").strip().splitlines()
            raise QuerySyntaxError(f"the backend refused the query: {first[0] if first else response.status}")
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        kind, fmt = READERS.get(media, (None, None))
        if kind is None:
            raise BackendUnavailable(f"the backend answered in {media or 'no format'}, which kzct cannot read")
        if b"nodeID://" in body:  # Virtuoso names blank nodes nodeID://b123, which is no blank node label
            body = bytearray(body.replace(b'"nodeID://', b'"').replace(b"_:nodeID://", b"_:"))
        try:
            if kind == "results":
                return ox.parse_query_results(bytes(body), format=fmt)
            return Triples([q.triple for q in ox.parse(bytes(body), format=fmt)])
        except (SyntaxError, ValueError) as exc:
            raise BackendUnavailable(f"the backend's answer could not be read: {str(exc)[:200]}") from None

    def _send(self, form: str, accept: str, deadline: float) -> urllib3.BaseHTTPResponse:
        """The backend's response to the encoded query ``form``, its body not read yet."""
        # GET while the URL stays short: Virtuoso 7.2 now and then answers a kept-alive POST
        # "The request does not contain text of SPARQL query" (4 of 2,518 in one benchmark cell).
        if len(form) <= MAX_GET:
            joiner = "&" if "?" in self.url else "?"
            method, url, payload, headers = "GET", f"{self.url}{joiner}{form}", None, {"Accept": accept}
        else:
            method, url, payload = "POST", self.url, form
            headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}

        def send() -> urllib3.BaseHTTPResponse:
            left = max(deadline - time.monotonic(), 0.01)
            return self._http.request(method, url, body=payload, headers=headers, preload_content=False,
                                      timeout=urllib3.Timeout(connect=min(3.0, left), read=left))

        try:
            try:
                return send()
            except ProtocolError:
                # A kept-alive connection the backend closed as the query went out: a query
                # changes nothing, so it is sent once more on a fresh connection.
                return send()
        except NewConnectionError as exc:  # a subclass of urllib3's TimeoutError, but a refusal
            log.error("backend %s unreachable: %s", self.url, exc)
            raise BackendUnavailable("the backend SPARQL endpoint could not be reached") from None
        except Urllib3Timeout:
            raise BackendTimeout(f"the backend did not answer within {self.timeout:g} s") from None
        except HTTPError as exc:
            log.error("backend %s unreachable: %s", self.url, exc)
            raise BackendUnavailable("the backend SPARQL endpoint could not be reached") from None


def _boolean(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """An ASK answer that came as a table: Virtuoso 7 answers ASK with one binding of
    ``__ASK_RETVAL`` (1 when true) and no row when false, in JSON and XML alike."""
    rows = list(solutions)
    true = bool(rows) and rows[0][0] is not None and rows[0][0].value in ("1", "true")
    return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if true else b"false"),
                                  format=ox.QueryResultsFormat.JSON)


def _listed(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _iri(term) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None
