"""kzct in front of Virtuoso (issue 14): ``kzct serve --backend URL`` over the project's own dump.

Virtuoso 7 from Debian, started by ``.ci/virtuoso.sh`` on 127.0.0.1 and loaded with the N-Quads dump
of ``kzct dump`` by ``.ci/virtuoso.sh load``. Every named query's example must give the same rows
over the backend as over the embedded store.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from kzct.catalogue import load_catalogue
from kzct.dataset import load_project
from kzct.dump import ensure_dumps
from kzct.web.app import create_app
from support import assert_problem

pytestmark = pytest.mark.peer
ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = load_catalogue(ROOT / "queries")
SCRIPT = str(ROOT / ".ci" / "virtuoso.sh")


class Virtuoso:
    def __init__(self, workdir: Path) -> None:
        done = subprocess.run([SCRIPT, "start", str(workdir)], capture_output=True, text=True, timeout=600,
                              env={"PATH": "/usr/bin:/bin:/usr/local/bin", "VIRTUOSO_MAX_ROWS": "2000000"})
        if done.returncode != 0:
            pytest.fail(f".ci/virtuoso.sh start failed:\n{done.stdout}\n{done.stderr}")
        values = dict(re.findall(r"^(VIRTUOSO_\w+)=(.*)$", done.stdout, re.M))
        self.pid = values["VIRTUOSO_PID"]
        self.sql_port = values["VIRTUOSO_SQL_PORT"]
        self.dir = values["VIRTUOSO_DIR"]
        self.endpoint = f"http://127.0.0.1:{values['VIRTUOSO_HTTP_PORT']}/sparql"

    def load(self, file: Path) -> None:
        done = subprocess.run([SCRIPT, "load", self.sql_port, self.dir, str(file), "urn:kzct:unused"],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self) -> None:
        subprocess.run([SCRIPT, "stop", self.pid], timeout=60, check=False)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    dumps, _ = ensure_dumps(load_project(), tmp_path_factory.mktemp("dumps"))
    (nquads,) = [f.path for f in dumps.files if f.name.endswith(".nq")]
    server.load(nquads)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedded():
    app = create_app({"TIMEOUT": 20})
    yield app.test_client()
    app.extensions["kzct.engine"].close()


@pytest.fixture(scope="module")
def fronted(virtuoso):
    app = create_app({"TIMEOUT": 20, "BACKEND": virtuoso.endpoint})
    return app.test_client()


def table(client, url: str) -> tuple[list[str], list[tuple]]:
    response = client.get(url, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.get_data(as_text=True)
    reader = csv.reader(io.StringIO(response.get_data(as_text=True)))
    head = next(reader)
    return head, [tuple(row) for row in reader]


def test_issue_14_the_backend_holds_the_same_graphs(fronted, embedded):
    ours = embedded.get("/health").get_json()
    theirs = fronted.get("/health").get_json()
    assert theirs["graphs"] == ours["graphs"] and theirs["triples"] == ours["triples"]
    assert theirs["query_processes"]["backend"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_issue_14_every_named_query_gives_the_same_rows(fronted, embedded, name):
    url = CATALOGUE[name].example_url
    head, rows = table(embedded, url)
    their_head, their_rows = table(fronted, url)
    assert their_head == head
    if "ORDER BY" in CATALOGUE[name].text.upper():
        assert their_rows == rows
    else:
        assert sorted(their_rows) == sorted(rows)


@pytest.mark.parametrize("query, accept", [
    ("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", "text/csv"),
    ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "text/tab-separated-values"),
    ("ASK { ?s ?p ?o }", "application/sparql-results+json"),
    ("ASK { <urn:x:nothing> ?p ?o }", "application/sparql-results+xml"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/kzct/ontology#Person> ; ?p ?o } ORDER BY ?s ?p ?o LIMIT 20",
     "application/n-triples"),
])
def test_issue_14_protocol_answers_match_the_embedded_store(fronted, embedded, query, accept):
    ours = embedded.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    theirs = fronted.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert ours.status_code == theirs.status_code == 200
    assert theirs.mimetype == ours.mimetype
    if accept == "application/n-triples":
        assert sorted(theirs.data.splitlines()) == sorted(ours.data.splitlines())
    else:
        assert theirs.data == ours.data


def test_issue_14_default_graph_uri_means_the_same_on_both(fronted, embedded):
    params = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
              "default-graph-uri": "https://w3id.org/kzct/id/graph/data"}
    assert fronted.get("/sparql", query_string=params).data == embedded.get("/sparql", query_string=params).data


def test_issue_14_pages_and_void_answer_over_the_backend(fronted, embedded):
    for path, accept in (("/id/kazakhstan", "text/turtle"), ("/id/kazakhstan", "text/html"),
                         ("/.well-known/void", "text/turtle")):
        response = fronted.get(path, headers={"Accept": accept})
        assert response.status_code == 200, (path, response.data[:300])
    void = fronted.get("/.well-known/void", headers={"Accept": "text/turtle"}).data
    ours = embedded.get("/.well-known/void", headers={"Accept": "text/turtle"}).data
    total = re.search(rb"void:triples (\d+)", ours).group(0)  # the dataset's own count comes first
    assert total in void


def test_issue_14_pages_say_the_same_over_the_backend(fronted, embedded):
    page = fronted.get("/id/kazakhstan", headers={"Accept": "application/n-triples"})
    ours = embedded.get("/id/kazakhstan", headers={"Accept": "application/n-triples"})
    assert sorted(page.data.splitlines()) == sorted(ours.data.splitlines())


def test_issue_14_service_is_refused_before_the_backend_sees_it(fronted, virtuoso):
    for query in ("SELECT * { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
                  "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:x { ?s ?p ?o } }",
                  "SELECT * { ?s ?p ?o FILTER(?o<?o)SERVICESILENT<http://127.0.0.1:9/x>{?s ?p ?o} }"):
        assert_problem(fronted.get("/sparql", query_string={"query": query}), 400)


def test_issue_14_a_stopped_backend_gives_502_within_the_timeout(serve, tmp_path, virtuoso):
    other = Virtuoso(tmp_path / "short-lived")
    nquads = next(Path(virtuoso.dir, "load").glob("*.nq"))
    other.load(nquads)
    server = serve("--workers", "1", "--timeout", "3", "--backend", other.endpoint)
    ok = requests.get(server.endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert ok.status_code == 200
    other.stop()
    start = time.monotonic()
    down = requests.get(server.endpoint, params={"query": "ASK { ?x ?y ?z }"}, timeout=10)
    assert down.status_code == 502 and time.monotonic() - start < 3.5
    assert down.headers["Content-Type"] == "application/problem+json"
    assert requests.get(server.url + "/health", timeout=5).status_code == 200
