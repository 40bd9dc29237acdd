"""The SPARQL 1.1 Protocol on /sparql, through the Flask test client on the small graph."""

from __future__ import annotations

import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from support import JSON_RESULTS, assert_problem
from kzct.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, KZ, KZO, KZSD, SD

ASK = "ASK { ?s ?p ?o }"
SELECT = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?org ?label WHERE { ?org skos:prefLabel ?label } ORDER BY ?label"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def rows(response) -> list[dict]:
    return response.get_json(force=True)["results"]["bindings"]


def test_get_ask(client):
    response = client.get("/sparql", query_string={"query": ASK})
    assert response.status_code == 200
    assert response.mimetype == JSON_RESULTS
    assert response.get_json(force=True)["boolean"] is True


def test_post_form(client):
    response = client.post("/sparql", data={"query": SELECT})
    assert response.status_code == 200
    assert [r["label"]["value"] for r in rows(response)][:2] == ["Alpha Group", "Ban of 17 November 2006"]


def test_post_direct(client):
    response = client.post("/sparql", data=SELECT.encode(), content_type="application/sparql-query")
    assert response.status_code == 200
    assert response.get_json(force=True)["head"]["vars"] == ["org", "label"]


def test_post_direct_utf8_charset_accepted(client):
    response = client.post("/sparql", data=ASK.encode(), content_type="application/sparql-query; charset=UTF-8")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.1",
         "application/sparql-results+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
    ],
)
def test_select_formats_by_accept(client, accept, media):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    fmt = ox.QueryResultsFormat.from_media_type(media)
    if fmt != ox.QueryResultsFormat.CSV:
        assert len(list(ox.parse_query_results(response.data, format=fmt))) == 4
    else:
        assert response.data.decode().splitlines()[0] == "org,label"


@pytest.mark.parametrize(
    ("value", "media"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_format_parameter_wins_over_accept(client, value, media):
    response = client.get("/sparql", query_string={"query": SELECT, "format": value},
                          headers={"Accept": "text/csv"} if value != "csv" else {})
    assert response.status_code == 200
    assert response.mimetype == media


@pytest.mark.parametrize(
    ("accept", "value", "media"),
    [
        ("text/turtle", None, "text/turtle"),
        ("application/n-triples", None, "application/n-triples"),
        ("application/n-quads", None, "application/n-quads"),
        ("application/trig", None, "application/trig"),
        ("application/rdf+xml", None, "application/rdf+xml"),
        ("application/ld+json", None, "application/ld+json"),
        (None, "ttl", "text/turtle"),
        (None, "nt", "application/n-triples"),
        (None, "nq", "application/n-quads"),
        (None, "trig", "application/trig"),
        (None, "rdfxml", "application/rdf+xml"),
        (None, "jsonld", "application/ld+json"),
        (None, "json", "application/ld+json"),
        ("*/*", None, "text/turtle"),
    ],
)
def test_construct_formats(client, accept, value, media):
    params = {"query": CONSTRUCT}
    if value:
        params["format"] = value
    response = client.get("/sparql", query_string=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media
    triples = list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(media)))
    count = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert len(triples) == int(rows(count)[0]["n"]["value"])


def test_describe(client):
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{KZ['alpha-group']}>"},
                          headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    subjects = {q.subject.value for q in ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)}
    assert subjects == {str(KZ["alpha-group"])}


def test_406_when_the_default_is_excluded_or_the_format_unknown(client):
    assert_problem(client.get("/sparql", query_string={"query": ASK}, headers={"Accept": "image/png, */*;q=0"}), 406)
    body = assert_problem(client.get("/sparql", query_string={"query": ASK, "format": "bogus"}), 406)
    assert "format=bogus" in body["detail"]


def test_a_graph_format_on_select_falls_back_to_accept(client):
    response = client.get("/sparql", query_string={"query": SELECT, "format": "turtle"},
                          headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"


def test_400_syntax_error_with_parser_message(client):
    body = assert_problem(client.get("/sparql", query_string={"query": "ASK {"}), 400)
    assert body["detail"].startswith("the query ends before '{' is closed") and "error at 1:" in body["detail"]


def test_issue_17_syntax_error_names_the_unknown_keyword(client):
    body = assert_problem(client.get("/sparql", query_string={"query": "SELEC ?s WHERE { ?s ?p ?o }"}), 400)
    assert body["detail"].startswith("unknown keyword SELEC (did you mean SELECT?) at line 1, column 1")
    body = assert_problem(client.get("/sparql", query_string={
        "query": "SELECT ?s WHERE {\n  ?s ?p ?o .\n  OPTINAL { ?s ?q ?r }\n}"}), 400)
    assert body["detail"].startswith("unknown keyword OPTINAL (did you mean OPTIONAL?) at line 3, column 3")


def test_400_multiple_queries(client):
    assert_problem(client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D"), 400)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json", "application/sparql-query; charset=UTF-16"])
def test_415_unsupported_body(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"ASK {}", headers=headers)
    assert_problem(response, 415)


def test_400_body_not_utf8(client):
    response = client.post("/sparql", data="ASK { ?s ?p 'é' }".encode("latin-1"),
                           content_type="application/sparql-query")
    assert_problem(response, 400)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_405_other_methods(client, method):
    response = getattr(client, method)("/sparql", query_string={"query": ASK})
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_cors_on_success_error_and_preflight(client):
    ok = client.get("/sparql", query_string={"query": ASK}, headers={"Origin": "https://yasgui.example"})
    bad = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://x.example"})
    for response in (ok, bad):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
    pre = client.options("/sparql", headers={
        "Origin": "https://yasgui.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert pre.status_code in (200, 204)
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()


def test_etag_is_the_data_release_on_every_response(app, client):
    release = app.extensions["kzct"].release
    for response in (client.get("/sparql"), client.get("/sparql", query_string={"query": "ASK {"}),
                     client.get("/health")):
        assert response.headers["ETag"] == f'W/"{release}"'
    # An answer's ETag is the release and the request (kzct.cache.answers).
    answer = client.get("/sparql", query_string={"query": ASK})
    assert answer.headers["ETag"].startswith(f'W/"{release}-')


def _count(client, query, **params) -> int:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.data
    return int(rows(response)[0]["n"]["value"])


def test_default_graph_is_the_set_union_with_inference(client):
    typed = f"SELECT (COUNT(*) AS ?n) {{ <{KZ['alpha-group']}> a ?c }}"
    # asserted TerroristOrganization (also in the closure, counted once) + inferred Organization
    assert _count(client, typed) == 2
    assert _count(client, typed, **{"default-graph-uri": str(GRAPH_DATA)}) == 1
    assert _count(client, typed, **{"default-graph-uri": str(GRAPH_INFERRED)}) == 2


def test_asserted_only_versus_inferred(client):
    query = f"ASK {{ <{KZ['alpha-group']}> <{KZO.affiliatedWith}> <{KZ['gamma-network']}> }}"
    ask = lambda **p: client.get("/sparql", query_string={"query": query, **p}).get_json(force=True)["boolean"]
    assert ask() is True
    assert ask(**{"default-graph-uri": str(GRAPH_DATA)}) is False


def test_named_graphs_and_graph_keyword(client):
    query = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    response = client.get("/sparql", query_string={"query": query})
    assert [r["g"]["value"] for r in rows(response)] == sorted(map(str, (GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY)))
    only = client.get("/sparql", query_string={"query": query, "named-graph-uri": str(GRAPH_ONTOLOGY)})
    assert [r["g"]["value"] for r in rows(only)] == [str(GRAPH_ONTOLOGY)]


@pytest.mark.parametrize("iri", ["http://example.org/unknown", "file:///etc/passwd", "http://127.0.0.1:1/x.ttl"])
def test_unknown_graphs_are_empty_and_never_fetched(client, iri):
    assert _count(client, f"SELECT (COUNT(*) AS ?n) FROM <{iri}> {{ ?s ?p ?o }}") == 0
    assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", **{"default-graph-uri": iri}) == 0
    assert _count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{iri}> {{ GRAPH ?g {{ ?s ?p ?o }} }}") == 0


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("iri", ["not an iri", "relative/path", "http://example.org/<x>"])
def test_a_graph_parameter_that_is_not_an_iri_gets_400(client, param, iri):
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", param: iri})
    body = assert_problem(response, 400)
    assert body["type"].endswith("#bad-graph-iri") and param in body["detail"]


def test_from_selects_a_local_graph(client):
    assert _count(client, f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_ONTOLOGY}> {{ ?s a ?c }}") == 6


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_service_description(client, accept, media):
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media
    graph = list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(media)))
    objects = lambda p: {t.object.value for t in graph if t.predicate.value == str(p)}
    assert objects(SD.endpoint) == {"http://localhost/sparql"}
    assert str(SD.UnionDefaultGraph) in objects(SD.feature)
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in objects(SD.resultFormat)
    assert "http://www.w3.org/ns/formats/Turtle" in objects(SD.resultFormat)
    assert objects(SD.name) == {str(GRAPH_DATA), str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED)}
    assert objects(KZSD.maxRows) == set()  # no row limit: large answers are streamed
    assert objects(KZSD.streamAfterBytes) == {str(4 * 1024 * 1024)}
    assert objects(KZSD.timeoutSeconds) == {"3.0"}
    assert objects(KZSD.maxAnswerBytes) == {str(128 * 1024 * 1024)}
    assert objects(KZSD.queryMemoryMegabytes) == {"1024"}
    assert objects(KZSD.void) == {"http://localhost/.well-known/void"}
    assert objects(KZSD.shapes) == {"http://localhost/shapes"}
    assert objects(KZSD.examples) == {"http://localhost/queries"}


def test_service_description_for_browsers_is_a_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"<form" in response.data and b"sd:Service" in response.data


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["engine"] == "oxigraph"
    assert set(body["graphs"]) == {str(GRAPH_DATA), str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED)}


def test_unknown_path_is_a_problem(client):
    assert_problem(client.get("/nowhere"), 404)


def test_relative_iris_resolve_against_the_endpoint(client):
    response = client.post("/sparql", data="CONSTRUCT { <s> <p> 1 } WHERE {}", content_type="application/sparql-query",
                           headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.data.decode().startswith("<http://localhost/s> <http://localhost/p> ")


def test_issue_15_preflight_advertises_only_the_methods_of_the_resource(client):
    request = {"Origin": "https://yasgui.example", "Access-Control-Request-Method": "GET"}
    for path in ("/.well-known/void", "/id/alpha-group", "/queries", "/download/kzct.nt"):
        methods = {m.strip() for m in client.options(path, headers=request).headers["Access-Control-Allow-Methods"]
                   .split(",")}
        assert "POST" not in methods and "GET" in methods, path
    methods = client.options("/sparql", headers=request).headers["Access-Control-Allow-Methods"]
    assert {"GET", "POST"} <= {m.strip() for m in methods.split(",")}


def test_issue_15_sparql_get_varies_on_sec_fetch_mode(client):
    for query in ({"query": ASK}, {"query": "ASK {"}):
        response = client.get("/sparql", query_string=query, headers={"Accept": JSON_RESULTS})
        assert "Sec-Fetch-Mode" in response.headers["Vary"] and "Accept" in response.headers["Vary"]


def test_issue_15_query_and_update_together_are_malformed(client):
    body = assert_problem(client.post("/sparql", data={"query": ASK, "update": "CLEAR ALL"}), 400)
    assert "update" in body["detail"]
    assert_problem(client.get("/sparql", query_string={"query": ASK, "update": "CLEAR ALL"}), 400)
    assert_problem(client.post("/sparql", data={"update": "CLEAR ALL"}), 403)


def test_issue_15_start_up_log_counts_each_triple_once(make_app, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="kzct.web.app"):
        app = make_app(TIMEOUT=3)
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("loaded ")]
    count = app.test_client().get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    n = int(rows(count)[0]["n"]["value"])
    dataset = app.extensions["kzct"]
    assert dataset.union_default and n == dataset.default_triples
    assert logged == [f"loaded {n} triples (3 named graphs), release {dataset.release}, in memory"]
