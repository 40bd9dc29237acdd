"""Large answers are streamed in bounded memory; a stream that cannot be finished is broken off (issue 13).

The small behaviour graph has 28 triples in its default graph, so cross products make answers of any
size: ``?s ?p ?o`` three times over is 21,952 rows, four times 614,656.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlencode

import pytest
import requests

from conftest import DATA_DIR
from kzct.engine import QueryRequest
from kzct.processes import descendants

CUBE = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 21,952 rows
FOURTH = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # 614,656 rows
RESULTS = [("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
           ("text/csv", "csv"), ("text/tab-separated-values", "tsv")]
GRAPHS = [("application/n-triples", "ntriples"), ("text/turtle", "turtle"), ("application/rdf+xml", "rdfxml"),
          ("application/ld+json", "jsonld")]


@pytest.fixture(scope="module")
def streaming(make_app):
    return make_app(TIMEOUT=20, STREAM_AFTER=4096)


@pytest.mark.parametrize("accept, name", RESULTS)
def test_issue_13_a_streamed_answer_is_the_whole_answer_byte_for_byte(streaming, accept, name):
    response = streaming.test_client().get("/sparql", query_string={"query": CUBE}, headers={"Accept": accept})
    assert response.status_code == 200 and "Content-Length" not in response.headers
    assert "Content-Length" not in response.headers and "X-KZCT-Rows" not in response.headers
    streamed = response.get_data()
    whole = streaming.extensions["kzct.engine"].run(QueryRequest(CUBE, results_format=name))
    assert whole.chunks is None and whole.rows == 21952
    assert streamed == whole.body


@pytest.mark.parametrize("accept, name", GRAPHS)
def test_issue_13_a_streamed_graph_is_the_whole_graph(streaming, accept, name):
    query = "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"
    response = streaming.test_client().get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and "Content-Length" not in response.headers
    streamed = response.get_data()
    whole = streaming.extensions["kzct.engine"].run(QueryRequest(query, graph_format=name))
    assert streamed == whole.body


def test_issue_13_small_answers_stay_whole_with_their_length_and_row_count(streaming):
    response = streaming.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert response.headers["X-KZCT-Rows"] == "3"
    assert int(response.headers["Content-Length"]) == len(response.data) < 4096


def test_issue_13_named_queries_still_refuse_what_they_cannot_hold(make_app):
    app = make_app(MAX_ANSWER_BYTES=2048, STREAM_AFTER=1024)
    result = app.extensions["kzct.engine"]
    from kzct.engine.errors import AnswerTooLarge

    with pytest.raises(AnswerTooLarge, match="sends whole"):
        result.run(QueryRequest(CUBE))  # no stream asked: held whole, so refused past the cap


@pytest.fixture(scope="module")
def server(serve, front):
    return serve("--workers", "1", "--query-processes", "1", "--timeout", "8", "--cache-mb", "64",
                 env={"KZCT_ROOT": str(DATA_DIR), "KZCT_STREAM_AFTER": "65536"}, server=front)


def _peak_rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_issue_13_a_large_answer_streams_in_bounded_memory(server):
    (worker,) = _workers(server)
    before = _peak_rss_mb(worker)
    size = rows = 0
    with requests.post(server.endpoint, data={"query": FOURTH}, headers={"Accept": "text/tab-separated-values"},
                       stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in response.headers
        for chunk in response.iter_content(1 << 20):
            size += len(chunk)
            rows += chunk.count(b"\n")
    assert rows == 614656 + 1  # every row and the header: nothing cut
    assert size > 100 * 1024 * 1024
    # The serving process never held the answer: its peak memory grew by far less than the answer.
    assert _peak_rss_mb(worker) - before < 40, (before, _peak_rss_mb(worker), size)
    # A streamed answer is not kept, and the next request gets it again, whole.
    again = requests.post(server.endpoint, data={"query": CUBE}, headers={"Accept": "text/csv"}, timeout=60)
    assert again.status_code == 200 and again.content.count(b"\r\n") == 21952 + 1


def _workers(server) -> list[int]:
    """The gunicorn workers: the server's children that have query processes of their own."""
    return [pid for pid in descendants(server.process.pid) if len(descendants(pid)) > 1
            and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1] == str(server.process.pid)]


def test_issue_13_a_stream_past_its_deadline_is_broken_off_not_cut(server):
    """The client stops reading: the transfer passes the 8 s limit and ends without its last chunk."""
    received = 0
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        with requests.post(server.endpoint, data={"query": FOURTH}, headers={"Accept": "application/sparql-results+json"},
                           stream=True, timeout=60) as response:
            assert response.status_code == 200
            for chunk in response.iter_content(1 << 16):
                if not received:
                    time.sleep(9)  # past the limit; the answer (hundreds of MB) is far from sent
                received += len(chunk)
    assert received > 0
    # The query process that wrote it was replaced; the next query is answered at once.
    started = time.monotonic()
    assert requests.get(server.endpoint, params={"query": "ASK {}"}, timeout=10).status_code == 200
    assert time.monotonic() - started < 2


def test_issue_13_a_stream_past_the_row_limit_is_broken_off(serve, front):
    server = serve("--workers", "1", "--max-rows", "30000", "--stream-after", "65536",
                   env={"KZCT_ROOT": str(DATA_DIR)}, server=front)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(server.endpoint, params={"query": FOURTH}, headers={"Accept": "text/csv"}, timeout=60).content
    small = requests.get(server.endpoint, params={"query": CUBE}, headers={"Accept": "text/csv"}, timeout=60)
    assert small.status_code == 200 and small.content.count(b"\r\n") == 21952 + 1


def test_issue_13_an_http_1_0_client_gets_a_large_answer_whole_or_refused(server):
    """HTTP/1.0 has no last chunk to miss: its answer is sent whole with its length (never streamed)."""
    port = int(server.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection._http_vsn, connection._http_vsn_str = 10, "HTTP/1.0"
    connection.request("GET", "/sparql?" + urlencode({"query": CUBE}), headers={"Accept": "text/csv"})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200 and int(response.getheader("Content-Length")) == len(body)
    assert body.count(b"\r\n") == 21952 + 1
