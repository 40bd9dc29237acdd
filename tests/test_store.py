"""``/store``: the Graph Store Protocol, read-only, on the small graph (Flask client) and from rdflib."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from support import assert_problem
from kzct import formats
from kzct.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, KZ, KZO


def select_triples(client, graph: str | None) -> set[tuple[str, str, str]]:
    """The graph's triples as the SPARQL endpoint sees them (N-Triples of a CONSTRUCT)."""
    params = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"}
    if graph:
        params["default-graph-uri"] = graph
    body = client.get("/sparql", query_string=params, headers={"Accept": "application/n-triples"}).data
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}


def parsed(response, media: str) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(response.data, format=ox.RdfFormat.from_media_type(media))}


@pytest.mark.parametrize("fmt", formats.GRAPHS, ids=lambda f: f.name)
@pytest.mark.parametrize("graph", [str(GRAPH_DATA), str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED), None],
                         ids=["data", "ontology", "inferred", "default"])
def test_issue_15_store_returns_each_graph_in_every_format(client, graph, fmt):
    query = {"graph": graph} if graph else {"default": ""}
    response = client.get("/store", query_string=query, headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert response.is_streamed
    assert parsed(response, fmt.media_type) == select_triples(client, graph)


def test_issue_15_store_whole_dataset_keeps_graph_names(client):
    response = client.get("/store")
    assert response.status_code == 200 and response.mimetype == "application/n-quads"
    names = {q.graph_name.value for q in ox.parse(response.data, format=ox.RdfFormat.N_QUADS)}
    assert names == {str(GRAPH_DATA), str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED)}


def test_issue_15_store_head_and_conditional(client):
    head = client.head("/store", query_string={"graph": str(GRAPH_DATA)})
    assert head.status_code == 200 and head.data == b"" and head.mimetype == "text/turtle"
    again = client.get("/store", query_string={"graph": str(GRAPH_DATA)},
                       headers={"If-None-Match": head.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("method", ["put", "post", "delete", "patch"])
def test_issue_15_store_writes_are_refused(client, method):
    response = getattr(client, method)("/store", query_string={"graph": str(GRAPH_DATA)},
                                       data="<urn:a> <urn:b> <urn:c> .", content_type="application/n-triples")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert ("<urn:a>", "<urn:b>", "<urn:c>") not in select_triples(client, str(GRAPH_DATA))


@pytest.mark.parametrize(("query", "status"), [
    ({"graph": "https://w3id.org/kzct/id/graph/nothing"}, 404),
    ({"graph": "not an iri"}, 400),
    ({"graph": str(GRAPH_DATA), "default": ""}, 400),
])
def test_issue_15_store_errors(client, query, status):
    assert_problem(client.get("/store", query_string=query), status)


def test_issue_15_sparql_graph_parameter_leads_to_the_store(client):
    response = client.get("/sparql", query_string={"graph": str(GRAPH_DATA)})
    assert response.status_code == 303
    followed = client.get(response.headers["Location"])
    assert followed.status_code == 200 and parsed(followed, "text/turtle") == select_triples(client, str(GRAPH_DATA))


def test_issue_15_store_read_from_rdflib(live):
    graph = Graph().parse(f"{live.url}/store?graph={GRAPH_DATA}")
    assert (URIRef(KZ["alpha-group"]), URIRef(KZO.affiliatedWith), URIRef(KZ["beta-front"])) in graph
    default = Graph().parse(f"{live.url}/store?default", format="turtle")
    assert len(default) > len(graph)
