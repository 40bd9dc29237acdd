"""Hostile input (issue 18): no query reaches the network, slow clients, memory bombs, runaways.

Every server here listens on 127.0.0.1; the canary that would see an outbound call is a listener on
127.0.0.1 too. Each test is bounded in time.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time

import pytest
import requests

from kzct.config import Limits
from kzct.dataset import load_project
from kzct.engine import QueryRequest, make_engine, sandbox
from kzct.engine import errors as e
from kzct.engine.precheck import check
from kzct.isolate import IsolatedFailed, run_isolated
from support import DATA_DIR, assert_problem

RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"


class Canary:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.hits = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()


@pytest.fixture(scope="module")
def canary():
    listener = Canary()
    yield listener
    listener.sock.close()


@pytest.fixture(scope="module")
def dataset():
    return load_project(DATA_DIR)


def smuggled(url: str) -> list[str]:
    """Many spellings of a SERVICE call to ``url``: case, comments, line breaks, prefixes, nesting."""
    base, local = url.rsplit("/", 1)
    keywords = ["SERVICE", "service", "SeRvIcE"]
    gaps = [" ", "\n", "\t", " #c\n ", "", "\r\n"]
    targets = [f"<{url}>", f"ex:{local}", f":{local}"]
    silent = ["", "SILENT "]
    prologue = f"PREFIX ex: <{base}/> PREFIX : <{base}/> "
    bodies = []
    for keyword, gap, target, quiet in itertools.product(keywords, gaps, targets, silent):
        if gap == "" and target.startswith("<") is False and not target.startswith(":"):
            continue  # "SERVICEex:x" is one name to every parser
        call = f"{keyword}{gap}{quiet}{target}{gap}{{ ?s ?p ?o }}"
        bodies.append(f"{prologue}SELECT * {{ {call} }}")
    nested = f"SERVICE:{local} {{ ?s ?p ?o }}"
    bodies += [
        f"{prologue}SELECT * {{ {nested} }}",
        f"{prologue}SELECT * {{ {{ {{ OPTIONAL {{ {nested} }} }} }} }}",
        f"{prologue}ASK {{ FILTER EXISTS {{ {nested} }} }}",
        f"{prologue}SELECT * {{ ?a ?b ?c MINUS {{ {nested} }} }}",
        f"{prologue}SELECT * {{ {{ SELECT * {{ {nested} }} }} UNION {{ ?s ?p ?o }} }}",
        f"{prologue}CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT:{local} {{ ?s ?p ?o }} }}",
        f"{prologue}SELECT * {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"BASE <{base}/> SELECT * {{ SERVICE <{local}> {{ ?s ?p ?o }} }}",
        f"{prologue}SELECT * {{ ?s ?p ?o FILTER(?o<?o)SERVICE:{local}{{?s ?p ?o}} }}",
        f"{prologue}DESCRIBE ?s {{ SERVICE\u00a0<{url}> {{ ?s ?p ?o }} }}",
    ]
    return bodies


def test_issue_18_service_smuggling_never_reaches_the_canary(dataset, canary):
    """Every spelling gets a refusal (or a syntax error), and the canary sees no connection at all."""
    engine = make_engine(dataset, Limits(timeout=5))
    engine.start()
    try:
        queries = smuggled(canary.url)
        assert len(queries) > 100
        outcomes = set()
        for query in queries:
            with pytest.raises((e.ServiceRefused, e.QuerySyntaxError)) as caught:
                engine.run(QueryRequest(query))
            outcomes.add(type(caught.value).__name__)
        assert "ServiceRefused" in outcomes
        assert canary.hits == 0
    finally:
        engine.close()


def test_issue_18_the_glued_prefix_bypass_is_refused_by_the_precheck(canary):
    query = f"PREFIX : <{canary.url.rsplit('/', 1)[0]}/> SELECT * {{ SERVICE:sparql {{ ?s ?p ?o }} }}"
    with pytest.raises(e.ServiceRefused, match=f"<{canary.url}>"):
        check(query, Limits())


def test_issue_18_a_sealed_query_process_cannot_connect_even_when_every_check_misses(dataset, canary, monkeypatch):
    """The checks switched off: the engine makes the call, and the operating system refuses it."""
    from kzct.engine import guard, precheck

    monkeypatch.setattr(precheck, "check", lambda text, limits: precheck.Checked("SELECT", 0, ()))
    monkeypatch.setattr(guard, "service_targets", lambda text, base=None: [])
    engine = make_engine(dataset, Limits(timeout=5))  # children fork after the patches
    try:
        with pytest.raises(e.ServiceRefused) as caught:
            engine.run(QueryRequest(f"SELECT * {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"))
        assert "127.0.0.1" not in str(caught.value)  # nothing about the target's state is told
        assert canary.hits == 0
    finally:
        engine.close()


def _connect(port: int) -> str:
    sandbox.seal_network()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1)
    except PermissionError:
        return "refused"
    return "connected"


def test_issue_18_the_sandbox_refuses_sockets_of_any_kind(canary):
    assert run_isolated(_connect, canary.port, timeout=5) == "refused"
    assert canary.hits == 0


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


def test_issue_18_isolated_work_has_a_memory_cap():
    assert run_isolated(_allocate, 10, timeout=10, memory_mb=200) == 10 << 20
    with pytest.raises(IsolatedFailed, match="MemoryError"):
        run_isolated(_allocate, 400, timeout=10, memory_mb=200)


def test_issue_18_a_memory_bomb_ends_in_a_clear_error_and_a_fresh_process(dataset):
    engine = make_engine(dataset, Limits(timeout=20, memory_mb=256))
    parts = ['BIND("' + "x" * 1000 + '" AS ?a0)'] + [f"BIND(CONCAT(?a{i - 1}, ?a{i - 1}) AS ?a{i})" for i in range(1, 22)]
    bomb = "SELECT (STRLEN(?a21) AS ?n) { " + " ".join(parts) + " }"
    assert len(bomb) < 2_000
    try:
        start = time.monotonic()
        with pytest.raises(e.QueryMemory, match="256 MB"):
            engine.run(QueryRequest(bomb))
        assert time.monotonic() - start < 15
        assert engine.run(QueryRequest("ASK {}")).rows == 1
    finally:
        engine.close()


@pytest.mark.parametrize("text", [
    "SELECT * { FILTER(" + "!" * 50_000 + "true) }",
    "SELECT * { ?s " + "^" * 50_000 + "<http://x/p> ?o }",
    "SELECT * { FILTER(" + "- " * 30_000 + "1) }",
    "SELECT * { ?s ?p '" + "(" * 300 + "' . " + "{ " * 70 + "}" * 70 + " }",
])
def test_issue_18_nesting_is_measured_as_the_parser_recurses(text):
    with pytest.raises(e.QueryTooDeep):
        check(text, Limits(max_query_length=200_000))


@pytest.mark.parametrize("text", [
    "1" * 100_000,
    "a:" * 50_000,
    "<" + "a" * 99_990,
    "'" + "\\a" * 49_000,
    "(" * 40 + "?" * 99_000,
    "prefix " * 14_000,
])
def test_issue_18_the_precheck_is_linear(text):
    start = time.process_time()
    try:
        check(text, Limits())
    except e.QueryError:
        pass
    assert time.process_time() - start < 0.5


def test_issue_18_a_parser_crash_is_a_400_and_the_process_is_replaced(dataset):
    engine = make_engine(dataset, Limits(max_depth=1_000_000, max_query_length=1_000_000))
    try:
        with pytest.raises(e.QueryTooDeep, match="too deeply for the parser"):
            engine.run(QueryRequest("ASK { FILTER(" + "!" * 100_000 + "true) }"))
        assert engine.run(QueryRequest("ASK {}")).rows == 1
    finally:
        engine.close()


def test_issue_18_a_process_killed_while_idle_does_not_fail_the_next_query(dataset):
    engine = make_engine(dataset, Limits())
    engine.start()
    try:
        (pid,) = engine.pids()
        os.kill(pid, 9)
        time.sleep(0.1)
        assert engine.run(QueryRequest("ASK {}")).rows == 1
        assert engine.pids() != [pid]
    finally:
        engine.close()


def test_issue_18_waiting_for_a_query_process_is_bounded_and_counted_in_the_timeout(dataset):
    engine = make_engine(dataset, Limits(timeout=3, queue_wait=0.5), children=1)
    try:
        runaway = threading.Thread(target=lambda: pytest.raises(e.QueryTimeout, engine.run, QueryRequest(RUNAWAY)))
        runaway.start()
        time.sleep(0.3)
        start = time.monotonic()
        with pytest.raises(e.Busy) as caught:
            engine.run(QueryRequest("ASK {}"))
        assert 0.4 < time.monotonic() - start < 1.5 and caught.value.retry_after >= 1
        runaway.join()
        # A query that waited has only what is left of its timeout.
        start = time.monotonic()
        with pytest.raises(e.QueryTimeout):
            engine.run(QueryRequest(RUNAWAY), started=start - 2.5)
        assert time.monotonic() - start < 1.2
    finally:
        engine.close()


def test_issue_18_one_client_holds_at_most_its_share(dataset):
    engine = make_engine(dataset, Limits(timeout=3, queue_wait=0.3), children=2)
    engine.start()
    try:
        hog = threading.Thread(target=lambda: pytest.raises(e.QueryTimeout, engine.run, QueryRequest(RUNAWAY),
                                                            client="10.0.0.1"))
        hog.start()
        time.sleep(0.2)
        with pytest.raises(e.Busy):  # its second runaway waits, then is turned away
            engine.run(QueryRequest(RUNAWAY), client="10.0.0.1")
        start = time.monotonic()
        assert engine.run(QueryRequest("ASK {}"), client="10.0.0.2").rows == 1
        assert time.monotonic() - start < 0.5
        hog.join()
    finally:
        engine.close()


def test_issue_18_a_query_whose_client_hangs_up_is_stopped(dataset):
    engine = make_engine(dataset, Limits(timeout=10))
    engine.start()
    ours, theirs = socket.socketpair()
    try:
        (pid,) = engine.pids()
        threading.Timer(0.3, theirs.close).start()
        start = time.monotonic()
        with pytest.raises(e.ClientGone):
            engine.run(QueryRequest(RUNAWAY), watch=ours.fileno())
        assert time.monotonic() - start < 2
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        ours.close()
        engine.close()


def test_issue_18_iri_parameters_are_values_never_query_text(client):
    for value in ("kz:a> } } #", "kz:a>{?s ?p ?o}", "https://w3id.org/kzct/id/a> } #"):
        response = client.get("/queries/about-entity", query_string={"entity": value})
        assert_problem(response, 400)


def test_issue_18_links_and_base_iri_ignore_the_host_header(make_app):
    client = make_app(PUBLIC_URL="https://kzct.example/data").test_client()
    evil = {"Host": "evil.example"}
    sd = client.get("/sparql", headers={**evil, "Accept": "text/turtle"})
    assert b"evil.example" not in sd.data and b"https://kzct.example/data/sparql" in sd.data
    answer = client.get("/sparql", headers=evil, query_string={"query": "SELECT (<x> AS ?x) {}"})
    assert answer.get_json(force=True)["results"]["bindings"][0]["x"]["value"] == "https://kzct.example/data/x"
    plain = make_app().test_client().get("/sparql", headers={**evil, "Accept": "text/turtle"})
    assert b"evil.example" not in plain.data


def test_health_does_not_wait_for_a_query_process(make_app):
    app = make_app(TIMEOUT=3)
    engine = app.extensions["kzct.engine"]
    runaway = threading.Thread(target=lambda: pytest.raises(e.QueryTimeout, engine.run, QueryRequest(RUNAWAY)))
    runaway.start()
    time.sleep(0.2)
    start = time.monotonic()
    response = app.test_client().get("/health")
    assert response.status_code == 200 and time.monotonic() - start < 0.5
    assert response.get_json()["query_processes"]["busy"] == 1
    runaway.join()


# --- against a real server ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hardened(serve, front):
    return serve("--workers", "2", "--timeout", "4", "--read-timeout", "2",
                 env={"KZCT_ROOT": str(DATA_DIR), "KZCT_QUEUE_WAIT": "2"}, server=front)


def _ask_from(url: str, address: str, path: bytes = b"/sparql?query=ASK%7B%7D") -> tuple[bytes, float]:
    """One GET from a given client address on the loopback network: (status line, seconds)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.bind((address, 0))
    sock.settimeout(10)
    sock.connect((host, int(port)))
    start = time.monotonic()
    sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    reply = sock.recv(4096)
    sock.close()
    return reply.split(b"\r\n", 1)[0], time.monotonic() - start


def _slow_client(url: str, seen: list) -> None:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=15)
    start = time.monotonic()
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        for i in range(10):
            time.sleep(1)
            sock.sendall(f"X-Slow-{i}: 1\r\n".encode())
    except OSError:
        pass
    try:
        data = sock.recv(4096)
    except OSError:
        data = b""
    seen.append((data.split(b"\r\n", 1)[0], time.monotonic() - start))
    sock.close()


def test_issue_18_slow_clients_do_not_hold_the_server(hardened):
    seen: list = []
    slow = [threading.Thread(target=_slow_client, args=(hardened.url, seen)) for _ in range(30)]
    for thread in slow:
        thread.start()
    time.sleep(0.5)
    latencies = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        status, seconds = _ask_from(hardened.url, "127.0.0.2")
        assert status == b"HTTP/1.1 200 OK", status
        latencies.append(seconds)
    for thread in slow:
        thread.join()
    assert len(latencies) > 10 and max(latencies) < 1.0, latencies
    assert len(seen) == 30
    for status_line, waited in seen:  # 408 at the read deadline, or 503 past the per-address bound
        assert status_line in (b"HTTP/1.1 408 Request Timeout", b"HTTP/1.1 503 Service Unavailable", b""), \
            status_line
        assert waited < 6
    assert sum(1 for status_line, _ in seen if b"408" in status_line) >= 10


def test_issue_18_connections_per_address_are_bounded(hardened):
    host, port = hardened.url.removeprefix("http://").split(":")
    held = [socket.create_connection((host, int(port))) for _ in range(40)]
    try:
        time.sleep(0.5)
        refused = 0
        for sock in held:
            sock.settimeout(0.2)
            try:
                if sock.recv(200).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except OSError:
                pass
        assert refused >= 40 - 2 * 16
    finally:
        for sock in held:
            sock.close()


def test_issue_18_runaways_from_one_address_leave_room_for_others(hardened):
    def runaway():
        requests.get(hardened.endpoint, params={"query": RUNAWAY}, timeout=20)

    flood = [threading.Thread(target=runaway) for _ in range(6)]
    for thread in flood:
        thread.start()
    time.sleep(0.5)
    latencies = []
    for _ in range(5):
        status, seconds = _ask_from(hardened.url, "127.0.0.2")  # another client address
        assert status == b"HTTP/1.1 200 OK", status
        latencies.append(seconds)
    health = requests.get(hardened.url + "/health", timeout=5)
    assert health.status_code == 200 and health.elapsed.total_seconds() < 0.5
    for thread in flood:
        thread.join()
    assert max(latencies) < 1.0, latencies


def test_issue_18_a_query_whose_client_hangs_up_over_http_is_stopped(hardened):
    """The runaway's process is killed when its client closes the connection, long before the timeout."""
    host, port = hardened.url.removeprefix("http://").split(":")
    before = hardened.output().count("client went away")
    sock = socket.create_connection((host, int(port)), timeout=5)
    path = "/sparql?query=" + requests.utils.quote(RUNAWAY + " # hang-up")
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    time.sleep(0.5)
    sock.close()
    deadline = time.monotonic() + 2  # the server's query timeout is 4 s
    while hardened.output().count("client went away") == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hardened.output().count("client went away") == before + 1


def test_issue_18_a_malformed_chunked_body_is_a_400(hardened):
    host, port = hardened.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nASK {}\r\n0\r\n\r\n")
    reply = b""
    while chunk := sock.recv(4096):
        reply += chunk
    sock.close()
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    body = json.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert body["status"] == 400


def test_issue_18_a_memory_bomb_over_http_is_a_507(serve, front):
    server = serve("--workers", "1", env={"KZCT_ROOT": str(DATA_DIR), "KZCT_QUERY_MEMORY_MB": "256",
                                          "KZCT_TIMEOUT": "20"}, server=front)
    parts = ['BIND("' + "x" * 1000 + '" AS ?a0)'] + [f"BIND(CONCAT(?a{i - 1}, ?a{i - 1}) AS ?a{i})" for i in range(1, 22)]
    bomb = "SELECT (STRLEN(?a21) AS ?n) { " + " ".join(parts) + " }"
    response = requests.post(server.endpoint, data=bomb, headers={"Content-Type": "application/sparql-query"},
                             timeout=30)
    assert response.status_code == 507 and response.json()["detail"].startswith("the query needed more than")
    assert requests.get(server.endpoint, params={"query": "ASK {}"}, timeout=5).status_code == 200


def test_issue_18_validate_bounds_an_upload_by_list_members_and_triples(client):
    members = " ".join("1" for _ in range(20_000))
    start = time.monotonic()
    response = client.post("/validate", data=f"<http://x/s> <http://x/p> ( {members} ) .",
                           content_type="text/turtle")
    assert "RDF lists with more than 10,000 members" in assert_problem(response, 400)["detail"]
    triples = "\n".join(f"<http://x/s{i}> <http://x/p> {i} ." for i in range(200_001))
    response = client.post("/validate", data=triples, content_type="text/turtle")
    assert "more than 200,000 triples" in assert_problem(response, 400)["detail"]
    assert time.monotonic() - start < 10


def test_issue_18_allowed_service_goes_through_the_federating_processes_only(dataset, canary, live):
    """With an allow-list, a listed endpoint answers; anything else beside it is still refused."""
    allowed = live.endpoint
    engine = make_engine(dataset, Limits(timeout=10, service_allow=frozenset({allowed})))
    engine.start()
    try:
        answer = engine.run(QueryRequest(f"SELECT (COUNT(*) AS ?n) {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}"))
        assert answer.rows == 1 and b'"n"' in answer.body
        assert engine.federating is not None and engine.federating.pids()  # it ran there
        base = canary.url.rsplit("/", 1)[0]
        for query in (
            f"SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
            f"PREFIX : <{base}/> SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} SERVICE:sparql {{ ?a ?b ?c }} }}",
            f"SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} SERVICESILENT <{canary.url}> {{ ?a ?b ?c }} }}",
        ):
            with pytest.raises(e.ServiceRefused):
                engine.run(QueryRequest(query))
        assert canary.hits == 0
    finally:
        engine.close()


def test_a_connection_the_server_closes_is_closed_even_after_a_query_process_was_forked(serve, front):
    """Query processes forked while a client is connected must not keep its connection open."""
    server = serve("--workers", "1", "--query-processes", "1", "--timeout", "1",
                   env={"KZCT_ROOT": str(DATA_DIR)}, server=front)
    host, port = server.url.removeprefix("http://").split(":")
    kept = socket.create_connection((host, int(port)), timeout=10)
    kept.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n")
    first = b""
    while not first.endswith(b"}"):  # the whole first answer: head, then its JSON body
        first += kept.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    # A runaway is killed at its deadline and a fresh query process forked while `kept` is open.
    assert requests.get(server.endpoint, params={"query": RUNAWAY}, timeout=20).status_code == 503
    kept.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    received = b""
    while True:  # read to the end: the server closed it, so the end comes at once
        chunk = kept.recv(65536)
        if not chunk:
            break
        received += chunk
    kept.close()
    assert received.startswith(b"HTTP/1.1 200")
