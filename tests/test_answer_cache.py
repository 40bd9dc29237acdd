"""The exact answer cache (issue 13): hits, 304, formats and datasets never mixed, gzip, off switch."""

from __future__ import annotations

import gzip

import pytest

from kzct.cache.answers import accepts_gzip

QUERY = "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s ?o LIMIT 5"


@pytest.fixture(scope="module")
def cached(make_app):
    return make_app(TIMEOUT=3, CACHE_MB=16)


def test_issue_13_a_repeated_query_is_answered_from_the_cache(cached):
    client = cached.test_client()
    cache = cached.extensions["kzct.cache"]
    before = cache.counts()
    first = client.get("/sparql", query_string={"query": QUERY + " # a"})
    second = client.get("/sparql", query_string={"query": QUERY + " # a"})
    after = cache.counts()
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert (after["misses"] - before["misses"], after["hits"] - before["hits"]) == (1, 1)
    assert "public" in second.headers["Cache-Control"] and "X-KZCT-Cacheable" not in second.headers
    health = client.get("/health").get_json()
    assert health["cache"]["hits"] >= 1 and health["cache"]["enabled"]


def test_issue_13_formats_and_datasets_are_never_mixed(cached):
    client = cached.test_client()
    answers = {}
    for name, params, headers in (
        ("json", {"query": QUERY}, {"Accept": "application/sparql-results+json"}),
        ("xml", {"query": QUERY}, {"Accept": "application/sparql-results+xml"}),
        ("csv", {"query": QUERY, "format": "csv"}, {}),
        ("data", {"query": QUERY, "default-graph-uri": "https://w3id.org/kzct/id/graph/data"}, {}),
        ("ontology", {"query": QUERY, "default-graph-uri": "https://w3id.org/kzct/id/graph/ontology"}, {}),
    ):
        for _ in range(2):
            response = client.get("/sparql", query_string=params, headers=headers)
            assert response.status_code == 200
            answers.setdefault(name, set()).add((response.headers["ETag"], response.data))
    assert all(len(seen) == 1 for seen in answers.values())  # the same answer each time
    assert len({next(iter(seen)) for seen in answers.values()}) == len(answers)  # and all different
    assert next(iter(answers["data"]))[1] != next(iter(answers["ontology"]))[1]


def test_issue_13_if_none_match_gets_304_on_sparql_and_named_queries(cached):
    client = cached.test_client()
    for path, params in (("/sparql", {"query": QUERY}), ("/queries/entity-lookup", {"name": "Alpha"})):
        first = client.get(path, query_string=params)
        assert first.status_code == 200, first.data
        again = client.get(path, query_string=params, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        other = client.get(path, query_string=params, headers={"If-None-Match": 'W/"something-else"'})
        assert other.status_code == 200


def test_issue_13_post_answers_are_cached_by_their_body(cached):
    client = cached.test_client()
    one = client.post("/sparql", data=QUERY, content_type="application/sparql-query")
    two = client.post("/sparql", data=QUERY + " ", content_type="application/sparql-query")
    again = client.post("/sparql", data=QUERY, content_type="application/sparql-query")
    assert one.status_code == two.status_code == again.status_code == 200
    assert one.headers["ETag"] == again.headers["ETag"] != two.headers["ETag"]


def test_issue_13_errors_are_not_cached(cached):
    client = cached.test_client()
    cache = cached.extensions["kzct.cache"]
    for _ in range(2):
        before = cache.counts()["hits"]
        response = client.get("/sparql", query_string={"query": "SELEC * {}"})
        assert response.status_code == 400
        assert "Cache-Control" not in response.headers
        assert cache.counts()["hits"] == before


def test_issue_13_gzip_when_the_client_accepts_it(cached):
    client = cached.test_client()
    query = "SELECT * { ?s ?p ?o }"
    plain = client.get("/sparql", query_string={"query": query})
    for _ in range(2):
        zipped = client.get("/sparql", query_string={"query": query}, headers={"Accept-Encoding": "gzip, br"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == plain.data
        assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in plain.headers


def test_issue_13_cache_mb_0_turns_the_store_off(make_app):
    app = make_app(TIMEOUT=3, CACHE_MB=0)
    client = app.test_client()
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": QUERY}).status_code == 200
    counts = app.extensions["kzct.cache"].counts()
    assert counts == {"enabled": False, "megabytes": 0, "hits": 0, "misses": 0}


@pytest.mark.parametrize("value, expected", [
    ("gzip", True), ("gzip;q=0", False), ("br, gzip;q=0.5", True), ("*", True), ("identity", False),
    ("*;q=0, gzip", True), ("", False), ("x-gzip", True), ("gzip;q=0.0", False),
])
def test_accept_encoding(value, expected):
    assert accepts_gzip(value) is expected
