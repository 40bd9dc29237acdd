"""Replicas behind a load balancer (issue 14): two ``kzct serve`` instances and Debian's haproxy.

kzct keeps no state between requests, so any instance can answer any request. The test sends
load through haproxy (127.0.0.1 only), kills one instance and all its processes mid-run, and
checks that no request is lost beyond those in flight on the killed instance and that every
answer is the same. haproxy is installed by ``.ci/haproxy.sh`` (``.ci/run``).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import threading
import time

import pytest
import requests

from kzct.processes import descendants, free_port
from support import DATA_DIR, require_command

pytestmark = pytest.mark.peer
QUERY = "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 20"


@pytest.fixture(scope="module")
def balanced(serve, tmp_path_factory):
    haproxy = require_command("haproxy", ".ci/haproxy.sh")
    env = {"KZCT_ROOT": str(DATA_DIR)}
    # haproxy adds X-Forwarded-For; the replicas trust it, so each client keeps its own share.
    replicas = [serve("--workers", "2", "--cache-mb", "0", "--trusted-proxy", "127.0.0.1", env=env)
                for _ in range(2)]
    port = free_port()
    config = tmp_path_factory.mktemp("haproxy") / "haproxy.cfg"
    servers = "\n".join(f"    server kzct{i} {r.url.removeprefix('http://')} check inter 500 fall 1 rise 2"
                        for i, r in enumerate(replicas))
    config.write_text(f"""global
    maxconn 256
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    option forwardfor
frontend sparql
    bind 127.0.0.1:{port}
    default_backend kzct
backend kzct
    balance roundrobin
    option httpchk GET /health
{servers}
""")
    proxy = subprocess.Popen([haproxy, "-f", str(config), "-db"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    yield url, replicas
    proxy.terminate()
    proxy.wait(timeout=10)


def test_issue_14_two_replicas_answer_alike_and_lose_nothing_when_one_dies(balanced):
    url, replicas = balanced
    expected = requests.get(replicas[0].endpoint, params={"query": QUERY}, headers={"Accept": "text/csv"},
                            timeout=10).text
    assert requests.get(replicas[1].endpoint, params={"query": QUERY}, headers={"Accept": "text/csv"},
                        timeout=10).text == expected
    clients, stop = 6, threading.Event()
    outcomes: list[tuple[float, float, str]] = []  # (start, end, "ok" | "different" | error)
    lock = threading.Lock()

    def client():
        with requests.Session() as session:
            while not stop.is_set():
                start = time.monotonic()
                try:
                    response = session.get(url + "/sparql", params={"query": QUERY},
                                           headers={"Accept": "text/csv"}, timeout=10)
                    result = "ok" if response.status_code == 200 and response.text == expected else (
                        f"status {response.status_code}" if response.status_code != 200 else "different")
                except requests.RequestException as exc:
                    result = type(exc).__name__
                with lock:
                    outcomes.append((start, time.monotonic(), result))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    for pid in descendants(replicas[0].process.pid):  # the whole instance, at once
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # What was in flight on the killed instance when the last of its processes got SIGKILL, and in
    # the moment the kernel takes to tear them down, may fail; nothing that starts after.
    killed_at = time.monotonic() + 0.2
    time.sleep(2.5)
    stop.set()
    for thread in threads:
        thread.join()
    after = [o for o in outcomes if o[0] > killed_at]
    lost = [o for o in outcomes if o[2] != "ok"]
    assert "different" not in {o[2] for o in outcomes}
    # Only requests already in flight when the instance died may fail: at most one per client.
    assert all(start <= killed_at for start, _, _ in lost), lost
    assert len(lost) <= clients, lost
    assert len(after) > 50 and all(o[2] == "ok" for o in after)


def test_issue_14_the_balancer_adds_little_latency(balanced):
    url, replicas = balanced
    live = next(r for r in replicas if r.process.poll() is None)

    def p50(base: str) -> float:
        times = []
        with requests.Session() as session:
            for _ in range(200):
                start = time.perf_counter()
                assert session.get(base + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200
                times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    direct, proxied = p50(live.url), p50(url)
    print(f"\np50 ASK: direct {direct:.2f} ms, through haproxy {proxied:.2f} ms")
    assert proxied < direct + 5
