"""Benchmark of the SPARQL endpoint over HTTP (a script, not a timed test).

Builds synthetic graphs of the same shape as the real one at the chosen scales (every kz: IRI copied
with a suffix per copy, the ontology once), serves each with ``kzct serve`` on pyoxigraph and, as the
baseline, with the same app on rdflib (``--engine rdflib``), and runs a fixed set of typical
queries at 1, 8 and 32 concurrent clients. Reports req/s, p50/p99 latency, rows, the time from
start to the first answer, server memory (PSS summed over the server's process tree) and the load
average at the start of each cell.

Clients are threads, at most ``--threads-per-client-process`` to a process, each on its own
kept-alive HTTP connection (re-opened if the server closes it). Each (query, clients) cell sends
requests for ``--duration`` seconds and waits for those still running, at most ``--budget``
seconds in all, and always for one completed request at least; req/s counts completed requests
over the time they took. Requests still running at the budget are cut (the cell is marked) and the
next cell starts after the server's query timeout, when the cut work has stopped.

With ``--peers oxigraph,virtuoso`` (default: none) each scale then starts those peer servers on the
same N-Triples file (``bench/peers.py``: the Rust ``oxigraph`` server of the ``bench`` extra, and
Virtuoso 7 by ``.ci/virtuoso.sh``), one after the other, and runs the same cells against each. The
tables get each peer's req/s, p50, p99 and rows, marked ‡ where the rows differ from kzct's (engines
differ on DESCRIBE, for one; that is information, not an error), and its throughput ratio to the
rdflib baseline and to kzct, with geometric means; the server lines give its load time, time to the
first answer and memory. A peer that cannot start is reported in one line and the run goes on.

    .venv/bin/python bench/endpoint.py --scales 10,100 --clients 1,8,32 --duration 3
    .venv/bin/python bench/endpoint.py --scales 10 --peers oxigraph,virtuoso  # pip install -e '.[bench]'
    .venv/bin/python bench/endpoint.py --url http://127.0.0.1:8890/sparql --scales 100  # a peer

With ``--url`` nothing is started: load the data file it prints ("scale Nx: FILE") into the peer first.
The URL's own parameters (e.g. ``default-graph-uri``) are kept on every request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import requests

from peers import GRAPH, PEERS, PeerUnavailable, tree_pss_mb, wait_until_answering
from report import report

ROOT = Path(__file__).resolve().parents[1]
KZ = "https://w3id.org/kzct/id/"
PROLOGUE = """PREFIX kz: <https://w3id.org/kzct/id/>
PREFIX kzo: <https://w3id.org/kzct/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QUERIES = {
    "label-lookup": 'SELECT ?s WHERE { ?s skos:prefLabel "Hizb ut-Tahrir al-Islami"@en }',
    "ban-timeline": """SELECT ?ban ?date ?org WHERE {
  ?ban a kzo:Designation ; kzo:date ?date ; kzo:designatedOrganization ?org .
  FILTER(?date >= "2004-01-01"^^xsd:date) } ORDER BY ?date ?org LIMIT 500""",
    "affiliation-closure": "SELECT ?x WHERE { kz:aidos-usmonov (kzo:affiliatedWith|kzo:tiedTo)+ ?x }",
    "path-check": "ASK { kz:aidos-usmonov (kzo:affiliatedWith|kzo:tiedTo)+ kz:al-qaeda }",
    "count-group-by": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)",
    "describe": "DESCRIBE kz:hizb-ut-tahrir",
    "construct-neighbourhood": """CONSTRUCT { kz:hizb-ut-tahrir ?p ?o . ?s ?q kz:hizb-ut-tahrir }
WHERE { { kz:hizb-ut-tahrir ?p ?o } UNION { ?s ?q kz:hizb-ut-tahrir } }""",
    "text-search": """SELECT ?s ?label WHERE { ?s skos:prefLabel ?label
  FILTER(CONTAINS(LCASE(STR(?label)), "islamic")) } LIMIT 500""",
    "multi-join": """SELECT ?claim ?who ?name ?section ?quote WHERE {
  ?claim a kzo:Claim ; kzo:claimedBy ?who ; kzo:section ?section ; kzo:quote ?quote .
  ?who skos:prefLabel ?name . ?section dcterms:title|rdfs:label ?title } LIMIT 200""",
    "status-count": "SELECT ?status (COUNT(?st) AS ?n) WHERE { ?st kzo:status ?status } GROUP BY ?status",
}
SERVER_TIMEOUT = 120  # seconds a query may run in the servers started here
ACCEPT = {"describe": "text/turtle", "construct-neighbourhood": "text/turtle"}


# --- data -----------------------------------------------------------------------------------

def synthetic(scale: int, folder: Path) -> Path:
    """graph/*.ttl copied ``scale`` times (kz: IRIs suffixed per copy) + ontology/*.ttl, as N-Triples."""
    path = folder / f"kzct-x{scale}.nt"
    if path.exists():
        return path
    base = ox.Store()
    for ttl in sorted((ROOT / "graph").glob("*.ttl")):
        base.load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    triples = [(q.subject, q.predicate, q.object) for q in base]

    def rename(term, i):
        if i and isinstance(term, ox.NamedNode) and term.value.startswith(KZ) and "/graph/" not in term.value:
            return ox.NamedNode(f"{term.value}-x{i}")
        if i and isinstance(term, ox.BlankNode):
            return ox.BlankNode(f"{term.value}x{i}")
        return term

    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for i in range(scale):
            out.write(ox.serialize([ox.Triple(rename(s, i), p, rename(o, i)) for s, p, o in triples],
                                   format=ox.RdfFormat.N_TRIPLES))
        for ttl in sorted((ROOT / "ontology").glob("*.ttl")):
            out.write(ox.serialize(ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES))
    tmp.rename(path)
    return path


# --- server ---------------------------------------------------------------------------------

def engine_args(engine: str) -> list[str]:
    """``kzct serve`` arguments of an engine label: ``oxigraph`` (the on-disk store, cache off),
    ``oxigraph+cache`` (the answer cache on, as ``kzct serve`` runs by default), ``oxigraph+memory``
    (the store parsed into memory in every worker, cache off), ``rdflib`` (the baseline); a label
    may end in ``@SERVER``: ``kzct serve --server SERVER`` (``oxigraph+cache@uvloop``)."""
    engine, _, server = engine.partition("@")
    base, _, variant = engine.partition("+")
    args = ["--engine", base, *(["--server", server] if server else [])]
    if variant != "cache":
        args += ["--cache-mb", "0"]
    args += ["--store", "memory" if variant == "memory" or base == "rdflib" else "disk"]
    return args


def backend_args(endpoint: str, graph: str, cache: bool) -> list[str]:
    """``kzct serve`` in front of a peer that holds the benchmark file in ``graph``."""
    return ["--backend", endpoint.split("?")[0], "--backend-default-graph", graph, "--backend-graphs", "",
            *([] if cache else ["--cache-mb", "0"])]


class Server:
    def __init__(self, data: Path | None, engine: str, extra: list[str], args: list[str] | None = None) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        source = args if args is not None else ["--data", str(data), *engine_args(engine)]
        command = [sys.executable, "-m", "kzct.cli", "serve", "--port", "0", *source,
                   "--timeout", str(SERVER_TIMEOUT), *extra]
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.endpoint = self._wait()
        self.ready_seconds = time.monotonic() - self.started
        self.settled_seconds = self._settle()

    def _wait(self) -> str:
        while True:
            text = Path(self.log.name).read_text(errors="replace")
            match = re.search(r"SPARQL endpoint at (http://[\d.:]+/sparql)", text)
            if match:
                try:
                    wait_until_answering(match.group(1), lambda: self.process.poll() is None)
                except PeerUnavailable:
                    raise RuntimeError(Path(self.log.name).read_text(errors="replace")) from None
                return match.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(text)
            time.sleep(0.2)

    def _settle(self) -> float:
        """Seconds from start until VoID answers: the dumps the server writes while it answers are
        done, so no cell measures beside that work."""
        void = self.endpoint.removesuffix("/sparql") + "/.well-known/void"
        while requests.get(void, headers={"Accept": "text/turtle"}, timeout=SERVER_TIMEOUT).status_code != 200:
            time.sleep(0.5)
        return time.monotonic() - self.started

    def memory_mb(self) -> float:
        """PSS of the server and all its descendants, in MB."""
        return tree_pss_mb(self.process.pid)

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.unlink(self.log.name)


# --- load ---------------------------------------------------------------------------------

def _client_thread(url, path: str, headers: dict, deadline: float, budget_end: float, state: dict) -> None:
    """One client: requests on one kept-alive connection until the deadline.

    After the deadline it starts no new request, except while its process has no completed
    request yet (each cell gets at least one), until ``budget_end``; a failed request ends that
    wait too (a peer that rejects a query). A request still running at ``budget_end`` is abandoned
    and counted as cut.
    """
    conn = None
    lock = state["lock"]
    while True:
        now = time.monotonic()
        with lock:
            done, failed = len(state["latencies"]), state["errors"]
        if now >= deadline and (done or failed):
            break
        # Before the first completion, wait as long as the server may take (it stops a query at
        # its own timeout); afterwards, no longer than the budget.
        timeout = max(budget_end - now, 0.5) if done else 600
        if conn is None:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        else:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = None
            with lock:
                if time.monotonic() >= budget_end - 0.1 or isinstance(exc, TimeoutError):
                    state["cut"] += 1
                else:
                    state["errors"] += 1
                    state["why"] = state.get("why") or f"{type(exc).__name__}: {exc}"[:200]
            continue
        elapsed = time.perf_counter() - start
        with lock:
            if response.status == 200:
                state["latencies"].append(elapsed)
                state["last"] = time.monotonic()
                if state["sample"] is None:
                    state["sample"] = (response.getheader("Content-Type", ""), body)
            else:
                state["errors"] += 1
                state["why"] = state.get("why") or f"{response.status}: {body[:200]!r}"
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def _client_process(endpoint: str, path: str, headers: dict, threads: int, start: float, deadline: float,
                    budget_end: float, out) -> None:
    """``threads`` clients in one process; reports its latencies, errors, cut requests, sample."""
    import threading

    url = urlsplit(endpoint)
    state = {"lock": threading.Lock(), "latencies": [], "errors": 0, "cut": 0, "sample": None, "last": start}
    workers = [threading.Thread(target=_client_thread, args=(url, path, headers, deadline, budget_end, state))
               for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((state["latencies"], state["errors"], state["cut"], state["sample"], state["last"], state.get("why")))


def measure(endpoint: str, name: str, clients: int, duration: float, budget: float, per_process: int) -> dict:
    """``clients`` concurrent clients (threads, ``per_process`` to a process, each on its own kept-alive
    connection) send the query by HTTP GET for ``duration`` seconds, at most ``budget`` seconds."""
    url = urlsplit(endpoint)  # its own parameters (e.g. default-graph-uri) are kept
    path = url.path + "?" + (url.query + "&" if url.query else "") + urlencode({"query": PROLOGUE + QUERIES[name]})
    headers = {"Accept": ACCEPT.get(name, "application/sparql-results+json")}
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    processes = max(1, math.ceil(clients / per_process))
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    deadline, budget_end = start + duration, start + max(budget, duration)
    procs = [context.Process(target=_client_process,
                             args=(endpoint, path, headers, n, start, deadline, budget_end, out)) for n in shares]
    for proc in procs:
        proc.start()
    parts = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    cut = sum(part[2] for part in parts)
    # Throughput over the time the completed requests took: to the last completion, or to the
    # end of the budget when requests were cut there.
    end = budget_end if cut else max(part[4] for part in parts)
    wall = max(end - start, 1e-9)
    latencies = sorted(x for part in parts for x in part[0])
    errors = sum(part[1] for part in parts)
    sample = next((part[3] for part in parts if part[3]), None)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else math.nan
    return {"query": name, "clients": clients, "client_processes": processes, "requests": len(latencies),
            "errors": errors, "cut": cut, "hit_budget": bool(cut), "seconds": wall,
            "rps": len(latencies) / wall, "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "load": round(load_before, 2), "rows": count_rows(*sample) if sample else None,
            "first_error": next((part[5] for part in parts if part[5]), None)}


def count_rows(kind: str, body: bytes) -> int:
    if "sparql-results+json" in kind:
        data = json.loads(body)
        return len(data["results"]["bindings"]) if "results" in data else 1
    fmt = ox.RdfFormat.from_media_type(kind.split(";")[0])
    return len(list(ox.parse(body, format=fmt))) if fmt else -1


# --- run -----------------------------------------------------------------------------------

def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # servers are stopped on the way out
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated copies of the graph")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per query and client count")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="most seconds per query and client count, once a request has completed")
    parser.add_argument("--threads-per-client-process", type=int, default=16,
                        help="clients are threads; this many share one client process")
    parser.add_argument("--engines", default="oxigraph,oxigraph+cache,rdflib",
                        help="kzct configurations: oxigraph (on-disk store, no cache), oxigraph+cache, "
                             "oxigraph+memory, rdflib; each may end in @gunicorn or @uvloop (kzct serve --server; the default is uvloop)")
    parser.add_argument("--baseline-max-scale", type=int, default=100, help="skip rdflib above this scale")
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated query names")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--query-processes", type=int, default=None)
    parser.add_argument("--url", help="measure this endpoint instead of starting kzct")
    parser.add_argument("--peers", default="", help=f"comma-separated peer servers to start too: {', '.join(PEERS)}")
    parser.add_argument("--data-dir", default=str(ROOT / "build" / "bench"))
    parser.add_argument("--front-virtuoso", action="store_true",
                        help="with --peers virtuoso: also run kzct serve --backend in front of it, cache off and on")
    parser.add_argument("--out", help="write the raw results as JSON here")
    args = parser.parse_args()
    folder = Path(args.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    clients = [int(c) for c in args.clients.split(",")]
    extra = []
    for flag in ("workers", "threads", "query_processes"):
        if getattr(args, flag):
            extra += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    peers = [p for p in args.peers.split(",") if p]
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        parser.error(f"unknown peers {', '.join(unknown)}; known: {', '.join(PEERS)}")
    results, servers = [], []

    def run(server, engine: str, meta: dict, keep: bool = False) -> None:
        """Every (query, clients) cell against one server, which is stopped afterwards unless ``keep``."""
        endpoint = args.url if server is None else server.endpoint
        meta["memory_start_mb"] = server.memory_mb() if server else math.nan
        try:
            for name in args.queries.split(","):
                for n in clients:
                    result = measure(endpoint, name, n, args.duration, args.budget, args.threads_per_client_process)
                    result.update(scale=meta["scale"], engine=engine, triples=meta["triples"],
                                  peer=meta.get("peer", False), memory_mb=server.memory_mb() if server else math.nan)
                    results.append(result)
                    print(json.dumps(result), file=sys.stderr, flush=True)
                    if result["cut"] and server:
                        time.sleep(SERVER_TIMEOUT)  # let the cut requests finish or be stopped
            meta["memory_end_mb"] = server.memory_mb() if server else math.nan
            servers.append(meta)
            print(json.dumps(meta), file=sys.stderr, flush=True)
            if args.out:
                Path(args.out).write_text(json.dumps({"results": results, "servers": servers}, indent=1))
        finally:
            if server and not keep:
                server.stop()

    for scale in (int(s) for s in args.scales.split(",")):
        data = synthetic(scale, folder)
        triples = sum(1 for _ in data.open("rb"))
        print(f"scale {scale}x: {data} ({triples} triples)", file=sys.stderr)
        engines = ["peer"] if args.url else args.engines.split(",")
        for engine in engines:
            if engine == "rdflib" and scale > args.baseline_max_scale:
                continue
            server = None if args.url else Server(data, engine, extra)
            run(server, engine, {"scale": scale, "triples": triples, "engine": engine,
                                 "ready_s": server.ready_seconds if server else math.nan,
                                 "settled_s": server.settled_seconds if server else math.nan,
                                 "command": "kzct serve " + " ".join([*engine_args(engine), *extra])
                                 if server else args.url})
        for name in peers:
            label = PEERS[name].label
            meta = {"scale": scale, "triples": triples, "engine": label, "peer": True}
            try:
                peer = PEERS[name](data, folder / f"peer-{name}-x{scale}", max(clients))
            except PeerUnavailable as exc:
                print(f"peer {name} at {scale}x could not start: {exc}", file=sys.stderr, flush=True)
                servers.append({**meta, "failed": str(exc)})
                continue
            fronted = name == "virtuoso" and args.front_virtuoso
            run(peer, label, {**meta, "command": peer.command, "load_s": peer.load_seconds,
                              "ready_s": peer.ready_seconds}, keep=fronted)
            if fronted:  # kzct in front of the same Virtuoso: the cost of kzct's layer, measured
                try:
                    for cache in (False, True):
                        engine = "kzct→virtuoso" + ("+cache" if cache else "")
                        server = Server(None, engine, extra, backend_args(peer.endpoint, GRAPH, cache))
                        run(server, engine, {"scale": scale, "triples": triples, "engine": engine,
                                             "ready_s": server.ready_seconds, "settled_s": server.settled_seconds,
                                             "command": "kzct serve " + " ".join(
                                                 [*backend_args("VIRTUOSO", GRAPH, cache), *extra])})
                finally:
                    peer.stop()
    print(report(results, servers, list(QUERIES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
