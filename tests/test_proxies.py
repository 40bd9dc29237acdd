"""Behind a proxy: clients told apart by X-Forwarded-For from trusted addresses only.

Behind haproxy every request comes from one address, so without ``--trusted-proxy`` every client
shares one address's half of the query processes and one address's connection bound.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from conftest import DATA_DIR
from kzct.web.caller import client_key

RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
TRUSTED = frozenset({"127.0.0.1"})


@pytest.mark.parametrize("address, forwarded, key", [
    ("127.0.0.1", "10.0.0.2", "10.0.0.2"),
    ("127.0.0.1", "6.6.6.6, 10.0.0.2", "10.0.0.2"),  # what the client wrote itself is ignored
    ("127.0.0.1", "", "127.0.0.1"),
    ("192.0.2.7", "10.0.0.2", "192.0.2.7"),  # not a trusted proxy: its header means nothing
])
def test_the_client_is_the_address_the_trusted_proxy_added(address, forwarded, key):
    environ = {"REMOTE_ADDR": address}
    if forwarded:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_key(environ, TRUSTED) == key


def _share_test(server) -> tuple[float, int, float]:
    """A runaway from client A; then how long a light query takes from client B and from A."""
    runaway = threading.Thread(target=lambda: requests.get(
        server.endpoint, params={"query": RUNAWAY}, headers={"X-Forwarded-For": "10.0.0.1"}, timeout=30))
    runaway.start()
    time.sleep(0.7)
    timings = []
    for client in ("10.0.0.2", "10.0.0.1"):
        started = time.monotonic()
        response = requests.get(server.endpoint, params={"query": "ASK {}"}, headers={"X-Forwarded-For": client},
                                timeout=30)
        timings.append((time.monotonic() - started, response.status_code))
    runaway.join()
    return timings[0][0], timings[1][1], timings[1][0]


def test_clients_behind_a_trusted_proxy_get_their_own_share(serve, front):
    args = ("--workers", "1", "--query-processes", "2", "--timeout", "3", "--cache-mb", "0")
    env = {"KZCT_ROOT": str(DATA_DIR), "KZCT_QUEUE_WAIT": "1"}
    trusting = serve(*args, "--trusted-proxy", "127.0.0.1", env=env, server=front)
    other, same_status, same = _share_test(trusting)
    assert other < 0.5  # another client behind the proxy: a process of its own at once
    assert same_status == 503 and same >= 0.9  # the runaway's client: its share is taken
    # Without the trust the header is ignored: everyone is 127.0.0.1 and waits behind the runaway.
    plain = serve(*args, env=env, server=front)
    other, _, _ = _share_test(plain)
    assert other >= 0.9


def test_a_trusted_proxy_may_hold_more_connections_than_one_address(serve, front):
    server = serve("--workers", "1", "--trusted-proxy", "127.0.0.1", env={"KZCT_ROOT": str(DATA_DIR)},
                   server=front)
    port = int(server.url.rsplit(":", 1)[1])
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    try:
        time.sleep(0.3)
        assert requests.get(server.endpoint, params={"query": "ASK {}"}, timeout=10).status_code == 200
    finally:
        for sock in held:
            sock.close()
