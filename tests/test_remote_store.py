"""RemoteStore against a scripted backend: what kzct does when the backend's connection misbehaves."""

from __future__ import annotations

import socket
import threading

import pyoxigraph as ox

from kzct.remote.store import RemoteStore

ANSWER = b'{"head":{},"boolean":true}'
REPLY = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
         b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    length = int(lengths[0]) if lengths else 0  # a GET has no body
    while len(body) < length:
        body += conn.recv(65536)
    return data


def test_a_kept_alive_connection_the_backend_drops_is_retried_once_on_a_fresh_one():
    """The backend answers once, then closes that connection on the next query without a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    connections = []

    def backend() -> None:
        first, _ = listener.accept()
        connections.append(first)
        _read_request(first)
        first.sendall(REPLY)
        _read_request(first)  # the second query on the kept-alive connection: dropped unanswered
        first.shutdown(socket.SHUT_RDWR)
        first.close()
        second, _ = listener.accept()
        connections.append(second)
        _read_request(second)
        second.sendall(REPLY)
        second.close()

    thread = threading.Thread(target=backend, daemon=True)
    thread.start()
    store = RemoteStore(f"http://127.0.0.1:{port}/sparql", None, ["urn:g"], timeout=5)
    assert isinstance(store.query("ASK {}"), ox.QueryBoolean)
    assert bool(store.query("ASK {}"))  # answered on the second connection, not a 502
    thread.join(5)
    listener.close()
    assert len(connections) == 2


def test_short_queries_go_by_get_long_ones_by_post():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen = []

    def backend() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            seen.append(_read_request(conn).split(b" ", 1)[0])
            conn.sendall(REPLY)
            conn.close()

    thread = threading.Thread(target=backend, daemon=True)
    thread.start()
    store = RemoteStore(f"http://127.0.0.1:{port}/sparql", None, ["urn:g"], timeout=5)
    store.query("ASK {}")
    store.query("ASK { " + "?s ?p ?o . " * 500 + "}")
    thread.join(5)
    listener.close()
    assert seen == [b"GET", b"POST"]
