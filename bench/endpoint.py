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

    .venv/bin/python bench/endpoint.py --scales 10,100 --clients 1,8,32 --duration 3
    .venv/bin/python bench/endpoint.py --url http://127.0.0.1:8890/sparql --scales 100  # a peer

With ``--url`` nothing is started: load the data file it prints ("scale Nx: FILE") into the peer first.
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

class Server:
    def __init__(self, data: Path, engine: str, extra: list[str]) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        command = [sys.executable, "-m", "kzct.cli", "serve", "--port", "0", "--data", str(data),
                   "--engine", engine, "--timeout", str(SERVER_TIMEOUT), "--max-rows", "100000", *extra]
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.endpoint = self._wait()
        self.ready_seconds = time.monotonic() - self.started

    def _wait(self) -> str:
        while True:
            text = Path(self.log.name).read_text(errors="replace")
            match = re.search(r"SPARQL endpoint at (http://[\d.:]+/sparql)", text)
            if match:
                url = match.group(1)
                for _ in range(6000):
                    try:
                        if requests.get(url, params={"query": "ASK {}"}, timeout=5).ok:
                            return url
                    except requests.RequestException:
                        pass
                    time.sleep(0.1)
            if self.process.poll() is not None:
                raise RuntimeError(text)
            time.sleep(0.2)

    def memory_mb(self) -> float:
        """PSS of the server and all its descendants, in MB."""
        pids = descendants(self.process.pid)
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.unlink(self.log.name)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


# --- load ---------------------------------------------------------------------------------

def _client_thread(url, path: str, headers: dict, deadline: float, budget_end: float, state: dict) -> None:
    """One client: requests on one kept-alive connection until the deadline.

    After the deadline it starts no new request, except while its process has no completed
    request yet (each cell gets at least one), until ``budget_end``. A request still running at
    ``budget_end`` is abandoned and counted as cut.
    """
    conn = None
    lock = state["lock"]
    while True:
        now = time.monotonic()
        with lock:
            done = len(state["latencies"])
        if (now >= budget_end or now >= deadline) and done:
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
    out.put((state["latencies"], state["errors"], state["cut"], state["sample"], state["last"]))


def measure(endpoint: str, name: str, clients: int, duration: float, budget: float, per_process: int) -> dict:
    """``clients`` concurrent clients (threads, ``per_process`` to a process, each on its own kept-alive
    connection) send the query by HTTP GET for ``duration`` seconds, at most ``budget`` seconds."""
    path = urlsplit(endpoint).path + "?" + urlencode({"query": PROLOGUE + QUERIES[name]})
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
            "load": round(load_before, 2), "rows": count_rows(*sample) if sample else None}


def count_rows(kind: str, body: bytes) -> int:
    if "sparql-results+json" in kind:
        data = json.loads(body)
        return len(data["results"]["bindings"]) if "results" in data else 1
    fmt = ox.RdfFormat.from_media_type(kind.split(";")[0])
    return len(list(ox.parse(body, format=fmt))) if fmt else -1


# --- report ---------------------------------------------------------------------------------

def geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def report(results: list[dict], servers: list[dict]) -> str:
    lines = [f"CPUs: {os.cpu_count()}. Load average (1 min) at the start of each cell in the last column. "
             "Cells marked † hit their time budget (requests still running then were cut and not counted)."]
    for scale in sorted({r["scale"] for r in results}):
        runs = [r for r in results if r["scale"] == scale]
        engines = list(dict.fromkeys(r["engine"] for r in runs))
        lines.append(f"\n### {scale}x ({runs[0]['triples']} triples)\n")
        for meta in (m for m in servers if m["scale"] == scale):
            lines.append(f"- {meta['engine']}: {meta['command']}; first answer {meta['ready_s']:.1f} s after start; "
                         f"server memory (PSS, all processes) {meta['memory_start_mb']:.0f} MB when ready, "
                         f"{meta['memory_end_mb']:.0f} MB after its last cell")
        lines.append("\n| query | clients | " + " | ".join(
            f"{e} req/s | {e} p50 ms | {e} p99 ms" for e in engines) + " | rows | ratio | load |")
        lines.append("|" + "---|" * (5 + 3 * len(engines)))
        keys = sorted({(r["query"], r["clients"]) for r in runs}, key=lambda k: (list(QUERIES).index(k[0]), k[1]))
        ratios: dict[int, list[float]] = {}
        for query, clients in keys:
            cells = {r["engine"]: r for r in runs if r["query"] == query and r["clients"] == clients}
            row = [query, str(clients)]
            for e in engines:
                c = cells.get(e)
                mark = " †" if c and c["hit_budget"] else ""
                row += [f"{c['rps']:.1f}{mark}", f"{c['p50_ms']:.1f}", f"{c['p99_ms']:.1f}"] if c else ["-"] * 3
            rows = next(iter(cells.values()))["rows"]
            ratio = ""
            if "oxigraph" in cells and "rdflib" in cells and cells["rdflib"]["rps"] > 0:
                value = cells["oxigraph"]["rps"] / cells["rdflib"]["rps"]
                ratios.setdefault(clients, []).append(value)
                ratio = f"{value:.1f}x"
            loads = "/".join(f"{c['load']:.1f}" for c in cells.values())
            lines.append("| " + " | ".join(row + [str(rows), ratio, loads]) + " |")
        for clients, values in sorted(ratios.items()):
            lines.append(f"\nThroughput ratio oxigraph/rdflib at {clients} clients, geometric mean over "
                         f"{len(values)} queries: **{geomean(values):.1f}x**")
        every = [v for values in ratios.values() for v in values]
        if every:
            lines.append(f"\nOver all {len(every)} cells: **{geomean(every):.1f}x**")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated copies of the graph")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per query and client count")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="most seconds per query and client count, once a request has completed")
    parser.add_argument("--threads-per-client-process", type=int, default=16,
                        help="clients are threads; this many share one client process")
    parser.add_argument("--engines", default="oxigraph,rdflib")
    parser.add_argument("--baseline-max-scale", type=int, default=100, help="skip rdflib above this scale")
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated query names")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--query-processes", type=int, default=None)
    parser.add_argument("--url", help="measure this endpoint instead of starting kzct")
    parser.add_argument("--data-dir", default=str(ROOT / "build" / "bench"))
    parser.add_argument("--out", help="write the raw results as JSON here")
    args = parser.parse_args()
    folder = Path(args.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    clients = [int(c) for c in args.clients.split(",")]
    extra = []
    for flag in ("workers", "threads", "query_processes"):
        if getattr(args, flag):
            extra += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    results, servers = [], []
    for scale in (int(s) for s in args.scales.split(",")):
        data = synthetic(scale, folder)
        triples = sum(1 for _ in data.open("rb"))
        print(f"scale {scale}x: {data} ({triples} triples)", file=sys.stderr)
        engines = ["peer"] if args.url else args.engines.split(",")
        for engine in engines:
            if engine == "rdflib" and scale > args.baseline_max_scale:
                continue
            server = None if args.url else Server(data, engine, extra)
            endpoint = args.url or server.endpoint
            meta = {"scale": scale, "engine": engine, "ready_s": server.ready_seconds if server else math.nan,
                    "command": "kzct serve " + " ".join(["--engine", engine, *extra]) if server else args.url,
                    "memory_start_mb": server.memory_mb() if server else math.nan}
            try:
                for name in args.queries.split(","):
                    for n in clients:
                        result = measure(endpoint, name, n, args.duration, args.budget,
                                         args.threads_per_client_process)
                        result.update(scale=scale, engine=engine, triples=triples,
                                      memory_mb=server.memory_mb() if server else math.nan)
                        results.append(result)
                        print(json.dumps(result), file=sys.stderr, flush=True)
                        if result["cut"] and server:
                            time.sleep(SERVER_TIMEOUT)  # let the cut requests finish or be stopped
                meta["memory_end_mb"] = server.memory_mb() if server else math.nan
                servers.append(meta)
                print(json.dumps(meta), file=sys.stderr, flush=True)
            finally:
                if server:
                    server.stop()
            if args.out:
                Path(args.out).write_text(json.dumps({"results": results, "servers": servers}, indent=1))
    print(report(results, servers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
