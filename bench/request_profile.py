"""Where one request's time goes, stage by stage, for the benchmark's queries (a script).

Loads the synthetic graph of ``bench/endpoint.py`` at one scale into this process and times, per
query (median of ``--repeat`` runs, in ms):

- ``eval``: pyoxigraph parses and evaluates the query and writes TSV into a sink that drops it
  (the least work that still evaluates every row);
- ``direct``: evaluation plus writing the requested format (JSON or Turtle) in one pass;
- ``backend``: ``OxigraphBackend.execute``, the engine's own serialization with the row cap;
- ``engine``: ``Engine.run`` with the killable query process (adds the precheck and the pipe);
- ``flask``: a GET through the Flask app (test client; adds routing, negotiation, headers);
- ``http``: a GET through ``kzct serve`` over one keep-alive connection (adds gunicorn and the
  socket), when ``--http`` is given (it starts its own server).

    .venv/bin/python bench/request_profile.py --scale 100 --repeat 15 --http
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from endpoint import ACCEPT, PROLOGUE, QUERIES, ROOT, Server, synthetic  # noqa: E402

from kzct.config import Limits  # noqa: E402
from kzct.engine import QueryRequest, make_engine  # noqa: E402
from kzct.engine.oxigraph import OxigraphBackend  # noqa: E402


class Sink:
    def write(self, data) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def timed(fn, repeat: int) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--http", action="store_true", help="also time GETs through kzct serve")
    parser.add_argument("--data-dir", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args()
    folder = Path(args.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    data = synthetic(args.scale, folder)

    from kzct.web.app import create_app

    limits = Limits(timeout=120, max_rows=100_000)
    start = time.perf_counter()
    app = create_app({"DATA": [str(data)], "TIMEOUT": limits.timeout, "MAX_ROWS": limits.max_rows})
    print(f"{args.scale}x loaded in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    dataset = app.extensions["kzct"]
    store = dataset.store
    backend = OxigraphBackend(store)
    engine = make_engine(dataset, limits)
    client = app.test_client()
    server = Server(data, "oxigraph", ["--workers", "1"]) if args.http else None
    conn = None
    if server:
        url = urlsplit(server.endpoint)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=300)

    header = "| query | rows | eval | direct | backend | engine | flask |" + (" http |" if server else "")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    try:
        for name in args.queries.split(","):
            text = PROLOGUE + QUERIES[name]
            accept = ACCEPT.get(name, "application/sparql-results+json")
            job = QueryRequest(text, results_format="json", graph_format="turtle")

            def evaluate():
                result = store.query(text)
                if isinstance(result, ox.QuerySolutions):
                    result.serialize(Sink(), format=ox.QueryResultsFormat.TSV)
                elif isinstance(result, ox.QueryTriples):
                    result.serialize(Sink(), format=ox.RdfFormat.N_TRIPLES)

            def direct():
                result = store.query(text)
                if isinstance(result, ox.QuerySolutions):
                    return result.serialize(format=ox.QueryResultsFormat.JSON)
                if isinstance(result, ox.QueryTriples):
                    return result.serialize(format=ox.RdfFormat.TURTLE)
                return result.serialize(format=ox.QueryResultsFormat.JSON)

            rows = backend.execute(job, limits).rows
            cells = [
                timed(evaluate, args.repeat),
                timed(direct, args.repeat),
                timed(lambda: backend.execute(job, limits), args.repeat),
                timed(lambda: engine.run(job), args.repeat),
                timed(lambda: client.get("/sparql", query_string={"query": text}, headers={"Accept": accept}),
                      args.repeat),
            ]
            if conn:
                path = url.path + "?" + urlencode({"query": text})

                def over_http():
                    conn.request("GET", path, headers={"Accept": accept})
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200, response.status

                cells.append(timed(over_http, args.repeat))
            print(f"| {name} | {rows} | " + " | ".join(f"{c:.2f}" for c in cells) + " |", flush=True)
    finally:
        engine.close()
        if conn:
            conn.close()
        if server:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
