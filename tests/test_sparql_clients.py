"""Clients researchers use, against a real ``kzct serve``: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, TURTLE, XML, SPARQLWrapper

from kzct.namespaces import KZ, KZO
from support import require_command

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


# --- issue 15: every client, every return format -------------------------------------------------

ALPHA = URIRef(KZ["alpha-group"])
CLIENT_QUERIES = {
    "SELECT": LABELS,
    "ASK": "ASK { ?s ?p ?o }",
    "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{ALPHA}>) }}",
    "DESCRIBE": f"DESCRIBE <{ALPHA}>",
}
SW_CASES = [(form, fmt) for form in ("SELECT", "ASK") for fmt in ("json", "xml", "csv", "tsv")] + [
    (form, fmt) for form in ("CONSTRUCT", "DESCRIBE")
    for fmt in ("xml", "rdf+xml", "rdf", "turtle", "n3", "json-ld", "json")]


def _check_converted(form: str, fmt: str, converted) -> None:
    from xml.dom.minidom import Document

    if form == "SELECT":
        if fmt == "json":
            assert [b["label"]["value"] for b in converted["results"]["bindings"]] == ["Alpha Group", "Beta Front"]
        elif fmt == "xml":
            assert isinstance(converted, Document) and len(converted.getElementsByTagName("result")) == 2
        else:
            lines = converted.decode().splitlines()
            if fmt == "csv":
                assert lines == ["label", "Alpha Group", "Beta Front"]
            else:
                assert lines == ["?label", '"Alpha Group"@en', '"Beta Front"@en']
    elif form == "ASK":
        if fmt == "json":
            assert converted["boolean"] is True
        elif fmt == "xml":
            assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
        else:
            assert converted.decode().splitlines()[-1].strip() == "true"
    else:
        if isinstance(converted, Graph):
            graph = converted
        elif isinstance(converted, dict):  # JSON on a graph query: JSON-LD, read as such
            import json

            graph = Graph().parse(data=json.dumps(converted), format="json-ld")
        else:
            graph = Graph().parse(data=converted, format="turtle")
        assert (ALPHA, URIRef(KZO.affiliatedWith), URIRef(KZ["beta-front"])) in graph


@pytest.mark.parametrize("conneg", [False, True], ids=["params", "onlyConneg"])
@pytest.mark.parametrize("method", ["GET", POST])
@pytest.mark.parametrize(("form", "fmt"), SW_CASES, ids=[f"{f}-{r}" for f, r in SW_CASES])
def test_issue_15_sparqlwrapper_every_return_format(live, form, fmt, method, conneg):
    import warnings

    client = SPARQLWrapper(live.endpoint)
    client.setQuery(CLIENT_QUERIES[form])
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setOnlyConneg(conneg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SPARQLWrapper's own "sending Accept */*" notes
        result = client.query()
        _check_converted(form, fmt, result.convert())


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("return_format", ["json", "xml"])
def test_issue_15_rdflib_sparqlstore_construct_and_describe(live, method, return_format):
    graph = Graph(store=SPARQLStore(live.endpoint, returnFormat=return_format, method=method))
    described = graph.query(CLIENT_QUERIES["DESCRIBE"]).graph
    constructed = graph.query(CLIENT_QUERIES["CONSTRUCT"]).graph
    for result in (described, constructed):
        assert (ALPHA, URIRef(KZO.affiliatedWith), URIRef(KZ["beta-front"])) in result
    assert graph.query(CLIENT_QUERIES["ASK"]).askAnswer is True


CURL = [
    ("SELECT", "text/csv; charset=utf-8", "text/csv"),
    ("SELECT", "application/sparql-results+json;charset=utf-8", "application/sparql-results+json"),
    ("SELECT", "application/xml", "application/sparql-results+xml"),
    ("ASK", "application/xml", "application/sparql-results+xml"),
    ("CONSTRUCT", "text/turtle; charset=utf-8", "text/turtle"),
    ("CONSTRUCT", "application/xml", "application/rdf+xml"),
    ("CONSTRUCT", "application/sparql-results+xml", "text/turtle"),
    ("DESCRIBE", "application/sparql-results+xml", "text/turtle"),
]


@pytest.mark.parametrize(("form", "accept", "media"), CURL, ids=[f"{f}-{a}" for f, a, _ in CURL])
def test_issue_15_curl_with_the_headers_users_send(live, form, accept, media):
    import subprocess

    out = subprocess.run(
        ["curl", "-sS", "-G", live.endpoint, "--data-urlencode", f"query={CLIENT_QUERIES[form]}",
         "-H", f"Accept: {accept}", "-o", "/dev/null", "-w", "%{http_code} %{content_type}"],
        capture_output=True, text=True, timeout=30, check=True).stdout
    code, content_type = out.split(" ", 1)
    assert code == "200" and content_type.split(";")[0] == media


ROQET_ROWS = re.compile(r'^row: \[label=[^"]*"([^"]*)"', re.M)


@pytest.mark.parametrize("form", ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"])
def test_issue_15_roqet_remote_queries(live, form):
    """roqet -p (rasqal 0.9.33) sends only Accept: application/sparql-results+xml and reads every answer
    as SPARQL XML bindings: it lists SELECT rows, and cannot show an ASK boolean or a graph from any
    server. kzct answers each with 200 in the form's format (a graph: Turtle, the default)."""
    import subprocess

    roqet = require_command("roqet", ".ci/rasqal.sh", "install")
    done = subprocess.run([roqet, "-p", live.endpoint, "-e", CLIENT_QUERIES[form]],
                          capture_output=True, text=True, timeout=30)
    assert "HTTP status" not in done.stderr  # no 4xx/5xx from kzct (roqet prints "failed with HTTP status")
    if form == "SELECT":
        assert done.returncode == 0 and "Error" not in done.stderr
        assert ROQET_ROWS.findall(done.stdout) == ["Alpha Group", "Beta Front"]
    elif form == "ASK":
        assert done.returncode == 0 and "Error" not in done.stderr
    else:  # rasqal parses the Turtle as SPARQL XML: its own limit, the same with any server's graph answer
        assert done.returncode == 1 and "XML parser error" in done.stderr
    expected = {"SELECT": "bindings xml", "ASK": "boolean xml", "CONSTRUCT": "graph turtle",
                "DESCRIBE": "graph turtle"}[form]
    logged = [line for line in live.output().splitlines()
              if "query ok 200" in line and expected in line and (": " + " ".join(CLIENT_QUERIES[form].split())[:60]) in line]
    assert logged
