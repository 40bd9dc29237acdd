"""HTTP handling of ``kzct serve --server uvloop`` (``kzct.web.front``) that gunicorn did for kzct.

Each test talks raw HTTP/1.1 to one server on 127.0.0.1 and checks the answer bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import time

import pytest
import requests

from support import DATA_DIR

ASK = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n\r\n"


@pytest.fixture(scope="module")
def uvloop_server(serve):
    return serve("--workers", "1", "--timeout", "4", env={"KZCT_ROOT": str(DATA_DIR)}, server="uvloop")


def _exchange(server, data: bytes, until: bytes | None = None) -> bytes:
    """Send ``data`` on a new connection; read until ``until`` has been seen or the server closes."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        reply = b""
        while until is None or until not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply


def _problem(reply: bytes, status: int) -> dict:
    assert reply.startswith(b"HTTP/1.1 %d" % status), reply[:200]
    body = json.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert body["status"] == status and body["type"] and body["title"]
    return body


def test_pipelined_requests_are_answered_in_order(uvloop_server):
    second = ASK.replace(b"ASK%7B%7D", b"ASK%7BFILTER(false)%7D")
    reply = _exchange(uvloop_server, ASK + second, until=b'"boolean":false}')
    assert reply.count(b"HTTP/1.1 200 OK") == 2
    assert reply.index(b'"boolean":true') < reply.index(b'"boolean":false')


def test_two_thousand_pipelined_hits_are_all_answered(uvloop_server):
    _exchange(uvloop_server, ASK, until=b"}")  # the answer is cached
    host, port = uvloop_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(ASK * 2000)
        reply = b""
        while reply.count(b"HTTP/1.1 200 OK") < 2000 and (chunk := sock.recv(1 << 20)):
            reply += chunk
    assert reply.count(b"HTTP/1.1 200 OK") == 2000 and reply.endswith(b"}")


def test_the_same_request_twice_gets_the_same_answer_once_cached(uvloop_server):
    url = uvloop_server.endpoint + "?query=SELECT%20(1%20AS%20%3Fx)%20%7B%7D"
    with requests.Session() as session:
        answers = [session.get(url, headers={"Accept": "application/sparql-results+json"}, timeout=5)
                   for _ in range(4)]
    assert len({(a.status_code, a.content, a.headers["ETag"]) for a in answers}) == 1
    cache = requests.get(uvloop_server.url + "/health", timeout=5).json()["cache"]
    assert cache["hits"] >= 3


def test_a_long_request_line_is_a_414(uvloop_server):
    reply = _exchange(uvloop_server, b"GET /sparql?query=" + b"A" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    _problem(reply, 414)


def test_too_many_header_fields_are_a_431(uvloop_server):
    fields = b"".join(b"X-F%d: 1\r\n" % i for i in range(150))
    _problem(_exchange(uvloop_server, b"GET /health HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n"), 431)


def test_a_declared_body_over_the_limit_is_a_413_without_reading_it(uvloop_server):
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 900000000\r\n\r\n")
    _problem(_exchange(uvloop_server, head), 413)


def test_malformed_http_is_a_400(uvloop_server):
    _problem(_exchange(uvloop_server, b"GET /health HTTP/1.1\r\nHost x\r\n\r\n"), 400)


def test_expect_100_continue_and_a_chunked_body(uvloop_server):
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Accept: application/sparql-results+json\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
    reply = _exchange(uvloop_server, head + b"3\r\nASK\r\n3\r\n {}\r\n0\r\n\r\n", until=b'"boolean":true}')
    assert reply.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"), reply[:200]


def test_a_dump_arrives_whole_with_and_without_gzip(uvloop_server):
    deadline = time.monotonic() + 30
    while (index := requests.get(uvloop_server.url + "/download/", timeout=5)).status_code == 503:
        assert time.monotonic() < deadline, "the dumps were not ready in 30 s"
        time.sleep(0.2)
    name = re.search(r'href="[^"]*?([\w.-]+\.nq(?:\.gz)?)"', index.text).group(1)
    expected = requests.get(f"{uvloop_server.url}/download/{name}.sha256", timeout=5).text.split()[0]
    plain = requests.get(f"{uvloop_server.url}/download/{name}", headers={"Accept-Encoding": "identity"}, timeout=10)
    assert hashlib.sha256(plain.content).hexdigest() == expected
    zipped = requests.get(f"{uvloop_server.url}/download/{name}", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert hashlib.sha256(zipped.content).hexdigest() == expected  # requests un-gzips it


def test_request_bodies_held_at_once_are_bounded(serve):
    """Bodies are read before a thread takes them: a worker holds at most threads x the largest body."""
    server = serve("--workers", "1", "--threads", "2", server="uvloop",
                   env={"KZCT_ROOT": str(DATA_DIR), "KZCT_MAX_CONTENT_LENGTH": "1000", "KZCT_VALIDATE_MAX_BYTES": "1000"})
    host, port = server.url.removeprefix("http://").split(":")
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\n")
    held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(3)]
    try:
        for sock in held[:2]:
            sock.sendall(head + b"#" * 900)  # 1,800 of the 2,000 bytes the worker may hold
        time.sleep(0.3)
        held[2].sendall(head + b"#" * 300)
        _problem(held[2].recv(4096), 503)
        held[0].close()  # its 900 bytes are given back
        time.sleep(0.3)
        reply = _exchange(server, head.replace(b"1000", b"6") + b"ASK {}", until=b"}")
        assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    finally:
        for sock in held:
            sock.close()


def test_an_h2c_upgrade_is_ignored_and_the_request_answered_in_http_1_1(uvloop_server):
    """Java's HttpClient (Jena's SERVICE) asks for HTTP/2 on new connections; a server may ignore it."""
    upgrade = ASK.replace(b"Host: x\r\n", b"Host: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                                          b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n")
    second = ASK.replace(b"ASK%7B%7D", b"ASK%7BFILTER(false)%7D")
    reply = _exchange(uvloop_server, upgrade + second, until=b'"boolean":false}')
    assert reply.count(b"HTTP/1.1 200 OK") == 2 and b"101" not in reply.split(b"\r\n", 1)[0]
    assert reply.index(b'"boolean":true') < reply.index(b'"boolean":false')
