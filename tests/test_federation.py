"""kzct as the target of other engines' SERVICE clauses, against a real ``kzct serve`` on 127.0.0.1.

Each test joins the peer's own data with ours in one query and asserts the joined rows. The
examples in docs/federation.md are these queries.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from kzct.namespaces import KZ

ROOT = Path(__file__).resolve().parents[1]
PEER = "http://peer.example/"
# The peer's own data: reports that mention our organizations (and one that is not ours).
PEER_TURTLE = f"""
<{PEER}report/1> <{PEER}mentions> <{KZ['alpha-group']}> .
<{PEER}report/2> <{PEER}mentions> <{KZ['beta-front']}> .
<{PEER}report/3> <{PEER}mentions> <{PEER}somebody-else> .
"""
EXPECTED = [(PEER + "report/1", "Alpha Group"), (PEER + "report/2", "Beta Front")]


def join_query(endpoint: str, graph: str | None = None) -> str:
    """The federated query a peer runs: its reports, joined with our labels and types."""
    own = f"?report <{PEER}mentions> ?org"
    if graph:
        own = f"GRAPH <{graph}> {{ {own} }}"
    return f"""PREFIX kzo: <https://w3id.org/kzct/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?report ?label WHERE {{
  {own}
  SERVICE <{endpoint}> {{ ?org a kzo:Organization ; skos:prefLabel ?label }}
}}
ORDER BY ?report"""


def test_rdflib_graph_joins_with_service(live):
    graph = rdflib.Graph().parse(data=PEER_TURTLE, format="turtle")
    rows = [(str(r.report), str(r.label)) for r in graph.query(join_query(live.endpoint))]
    assert rows == EXPECTED


def test_pyoxigraph_store_joins_with_service(live):
    store = ox.Store()
    store.load(PEER_TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    rows = [(s["report"].value, s["label"].value) for s in store.query(join_query(live.endpoint))]
    assert rows == EXPECTED


def test_sparqlwrapper_fetches_our_side_of_the_join(live):
    client = SPARQLWrapper(live.endpoint)
    client.setQuery(f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?label WHERE {{ VALUES ?org {{ <{KZ['alpha-group']}> <{KZ['beta-front']}> <{PEER}somebody-else> }}
  ?org skos:prefLabel ?label }} ORDER BY ?label""")
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    assert [(b["org"]["value"], b["label"]["value"]) for b in bindings] == [
        (str(KZ["alpha-group"]), "Alpha Group"), (str(KZ["beta-front"]), "Beta Front")]


def test_sparqlstore_as_a_graph_joined_locally(live):
    ours = rdflib.Graph(store=SPARQLStore(live.endpoint, returnFormat="json"))
    peer = rdflib.Graph().parse(data=PEER_TURTLE, format="turtle")
    skos_label = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    rows = sorted((str(report), str(label))
                  for report, _, org in peer.triples((None, rdflib.URIRef(PEER + "mentions"), None))
                  for label in ours.objects(org, skos_label))
    assert rows == EXPECTED


def test_responses_carry_the_release_etag(live):
    health = requests.get(live.url + "/health", timeout=10).json()
    response = requests.get(live.endpoint, params={"query": "ASK {}"}, timeout=10)
    # An answer's ETag is the release and the request: a new release changes every one.
    assert response.headers["ETag"].startswith(f'W/"{health["release"]}-')
    page = requests.get(live.url + "/id/alpha-group", headers={"Accept": "text/turtle"}, timeout=10)
    assert page.headers["ETag"] == f'W/"{health["release"]}"'


# Virtuoso: Debian's virtuoso-opensource-7-bin, started by .ci/virtuoso.sh.

class Virtuoso:
    def __init__(self, workdir: Path) -> None:
        done = subprocess.run([str(ROOT / ".ci" / "virtuoso.sh"), "start", str(workdir)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail(f".ci/virtuoso.sh start failed:\n{done.stdout}\n{done.stderr}")
        values = dict(re.findall(r"^(VIRTUOSO_\w+)=(.*)$", done.stdout, re.M))
        self.pid = int(values["VIRTUOSO_PID"])
        self.sql_port = values["VIRTUOSO_SQL_PORT"]
        self.endpoint = f"http://127.0.0.1:{values['VIRTUOSO_HTTP_PORT']}/sparql"

    def isql(self, sql: str) -> str:
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 0 and "Error" not in done.stdout, done.stdout + done.stderr
        return done.stdout

    def stop(self) -> None:
        subprocess.run([str(ROOT / ".ci" / "virtuoso.sh"), "stop", str(self.pid)], timeout=60, check=False)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.mark.peer
@pytest.mark.slow
def test_virtuoso_joins_its_data_with_ours_through_service(virtuoso, live):
    graph = "urn:kzct:peer"
    virtuoso.isql(f"SPARQL INSERT DATA {{ GRAPH <{graph}> {{ {PEER_TURTLE} }} }};")
    # Through Virtuoso's own /sparql endpoint (the SQL user "SPARQL", with the grants of the script).
    response = requests.get(virtuoso.endpoint, params={"query": join_query(live.endpoint, graph)},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    assert [(b["report"]["value"], b["label"]["value"]) for b in bindings] == EXPECTED
    assert all(b["label"].get("xml:lang") == "en" for b in bindings)


# Apache Jena ARQ: Debian's libapache-jena-java, run by .ci/jena.sh (connections to 127.0.0.1 only).

JENA = ROOT / ".ci" / "jena.sh"


@pytest.fixture(scope="module")
def jena():
    """Install Jena when missing (fail if impossible); ``query(data, query_file)`` runs ARQ."""
    done = subprocess.run([str(JENA), "install"], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.fail(f".ci/jena.sh install failed:\n{done.stdout}\n{done.stderr}")

    def query(data: Path, query_file: Path) -> subprocess.CompletedProcess:
        return subprocess.run([str(JENA), "query", str(data), str(query_file)],
                              capture_output=True, text=True, timeout=120)

    return query


@pytest.mark.peer
@pytest.mark.slow
def test_jena_arq_joins_its_data_with_ours_through_service(jena, live, tmp_path):
    data, query = tmp_path / "peer.ttl", tmp_path / "join.rq"
    data.write_text(PEER_TURTLE)
    query.write_text(join_query(live.endpoint))
    seen = len(live.output())
    done = jena(data, query)
    assert done.returncode == 0, done.stderr
    bindings = json.loads(done.stdout)["results"]["bindings"]
    assert [(b["report"]["value"], b["label"]["value"]) for b in bindings] == EXPECTED
    assert all(b["label"].get("xml:lang") == "en" for b in bindings)
    # ARQ joins row by row: one request per peer row, with ?org replaced by that row's IRI.
    logged = re.findall(r"query ok 200 .*?: SELECT \* WHERE \{ <([^>]+)> a ", live.output()[seen:])
    assert sorted(logged) == sorted([str(KZ["alpha-group"]), str(KZ["beta-front"]),
                                     PEER + "somebody-else"])


@pytest.mark.peer
@pytest.mark.slow
def test_jena_may_reach_only_127_0_0_1(jena, tmp_path):
    data, query = tmp_path / "peer.ttl", tmp_path / "elsewhere.rq"
    data.write_text(PEER_TURTLE)
    query.write_text(join_query("http://example.org/sparql"))
    done = jena(data, query)
    assert done.returncode != 0
    assert 'access denied ("java.net.URLPermission" "http://example.org/sparql"' in done.stderr


@pytest.fixture(scope="module")
def project_live(serve):
    """The project graph itself behind a real server."""
    return serve("--workers", "1")


@pytest.mark.parametrize("peer", ["rdflib", "pyoxigraph"])
def test_issue_13_the_whole_graph_through_service_is_never_cut(project_live, peer):
    """More rows than the old 10,000 cap: the peer counts every triple of the default graph."""
    from kzct.dataset import load_project

    expected = load_project().default_triples
    assert expected > 10_000
    query = f"SELECT (COUNT(*) AS ?n) {{ SERVICE <{project_live.endpoint}> {{ ?s ?p ?o }} }}"
    if peer == "rdflib":
        (row,) = rdflib.Graph().query(query)
        count = int(row.n)
    else:
        (row,) = ox.Store().query(query)
        count = int(row["n"].value)
    assert count == expected
