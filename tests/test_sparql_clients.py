"""Clients researchers use, against a real ``kzct serve``: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, TURTLE, XML, SPARQLWrapper

from kzct.namespaces import KZ, KZO

LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label WHERE { ?org a <https://w3id.org/kzct/ontology#TerroristOrganization> ; skos:prefLabel ?label }
ORDER BY ?label"""


def test_sparqlwrapper_select_json_get_and_post(live):
    for method in ("GET", POST):
        client = SPARQLWrapper(live.endpoint)
        client.setQuery(LABELS)
        client.setReturnFormat(JSON)
        client.setMethod(method)
        result = client.query().convert()
        assert [b["label"]["value"] for b in result["results"]["bindings"]] == ["Alpha Group", "Beta Front"]


def test_sparqlwrapper_select_xml_and_csv(live):
    client = SPARQLWrapper(live.endpoint)
    client.setQuery(LABELS)
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("result")) == 2
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines() == ["label", "Alpha Group", "Beta Front"]


def test_sparqlwrapper_ask_and_construct(live):
    client = SPARQLWrapper(live.endpoint)
    client.setQuery("ASK { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{KZ['alpha-group']}>) }}")
    for fmt in (TURTLE, N3, XML, JSONLD):
        client.setReturnFormat(fmt)
        converted = client.query().convert()
        graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
        assert (URIRef(KZ["alpha-group"]), URIRef(KZO.affiliatedWith), URIRef(KZ["gamma-network"])) in graph


def test_rdflib_sparqlstore(live):
    store = SPARQLStore(live.endpoint, returnFormat="json")
    graph = Graph(store=store)
    labels = sorted(str(row.label) for row in graph.query(LABELS))
    assert labels == ["Alpha Group", "Beta Front"]
    assert (URIRef(KZ["alpha-group"]), None, None) in graph
    assert len(list(graph.triples((URIRef(KZ["beta-front"]), None, None)))) >= 4
    xml_store = Graph(store=SPARQLStore(live.endpoint, method="POST"))
    assert len(list(xml_store.query(LABELS))) == 2


def test_cross_origin_browser_request(live):
    import requests

    response = requests.post(live.endpoint, data={"query": LABELS},
                             headers={"Origin": "https://yasgui.org", "Accept": "application/sparql-results+json,*/*;q=0.9"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(live.endpoint, headers={
        "Origin": "https://yasgui.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
