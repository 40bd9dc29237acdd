"""The W3C SPARQL 1.1 Protocol tests (../shared/w3c-sparql-tests/sparql11/protocol) over real HTTP.

All 20 query tests run and pass. Of the update tests, the ones that expect an error (``bad_update_*``, ``bad_multiple_updates``)
run and pass (an update gets 403 here); the ones that expect an update to succeed are not collected at all: the
endpoint is read-only by design.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Graph, Namespace, RDF

from support import W3C_DIR

PROTOCOL = W3C_DIR / "sparql11" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
DATA = {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf": PROTOCOL / f"data{i}.nt" for i in (1, 2, 3)}
RESULTS = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"}
GRAPHS = {"text/turtle", "application/n-triples", "application/n-quads", "application/trig",
          "application/rdf+xml", "application/ld+json"}


def _list(graph: Graph, head) -> list:
    return list(graph.items(head))


def load_tests() -> list[tuple[str, list[dict]]]:
    graph = Graph().parse(PROTOCOL / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in _list(graph, graph.value(manifest, MF.entries)):
        name = str(test).rsplit("#", 1)[1]
        action = graph.value(test, MF.action)
        requests_ = []
        for req in _list(graph, graph.value(action, HT.requests)):
            resp = graph.value(req, HT.resp)
            headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                       for h in _list(graph, graph.value(req, HT.headers))} if graph.value(req, HT.headers) else {}
            body = graph.value(req, HT.body)
            requests_.append({
                "method": str(graph.value(req, HT.methodName)),
                "path": str(graph.value(req, HT.absolutePath)),
                "headers": headers,
                "body": str(graph.value(body, CNT.chars)) if body is not None else None,
                "status": {str(s).rsplit("#", 1)[1] for s in graph.objects(resp, MF.expectedStatus)},
                "format": str(graph.value(resp, MF.expectedFormat) or "") or None,
                "boolean": graph.value(resp, MF.expectedBoolean),
            })
        tests.append((name, requests_))
    return tests


TESTS = load_tests()
QUERY_TESTS = [t for t in TESTS if "update" not in t[0]]
BAD_UPDATE_TESTS = [t for t in TESTS if t[0].startswith("bad_") and "update" in t[0]]


def test_the_suite_has_20_query_tests():
    assert len(QUERY_TESTS) == 20


@pytest.fixture(scope="module")
def protocol_server(serve):
    args = []
    for iri, path in DATA.items():
        args += ["--data", f"{iri}={path}"]
    return serve(*args, "--workers", "2")


def _boolean(response) -> bool:
    if response.headers["Content-Type"].startswith("application/sparql-results+json"):
        return json.loads(response.content)["boolean"]
    root = ET.fromstring(response.content)
    return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


@pytest.mark.parametrize(("name", "steps"), QUERY_TESTS + BAD_UPDATE_TESTS, ids=[t[0] for t in QUERY_TESTS + BAD_UPDATE_TESTS])
def test_protocol(protocol_server, name, steps):
    for step in steps:
        url = protocol_server.url + step["path"].replace("/sparql/", "/sparql", 1)
        body = step["body"].encode("utf-8") if step["body"] is not None else None
        response = requests.request(step["method"], url, data=body, headers=step["headers"], timeout=10)
        status_class = f"StatusCode{response.status_code // 100}xx"
        assert status_class in step["status"], (response.status_code, response.text[:300])
        media = response.headers.get("Content-Type", "").split(";")[0]
        if step["format"] == "boolean":
            assert media in RESULTS
        if step["boolean"] is not None:
            assert _boolean(response) == step["boolean"].toPython()
        elif step["format"] == "tabular":
            assert media in RESULTS
        elif step["format"] == "RDF":
            assert media in GRAPHS
        if status_class == "StatusCode4xx":
            assert media == "application/problem+json"
