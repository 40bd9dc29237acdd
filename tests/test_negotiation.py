"""Content negotiation on /sparql: query form x Accept x format parameters, as real clients send them.

Each row is a request a client in use sends (SPARQLWrapper, rdflib, pyoxigraph, Jena ARQ, Virtuoso,
roqet, curl with kzct's own Content-Type echoed back) and the media type that must answer it, or 406.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from support import assert_problem
from kzct import formats
from kzct.namespaces import KZ

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
DESCRIBE = f"DESCRIBE <{KZ['alpha-group']}>"

SRJ, SRX = "application/sparql-results+json", "application/sparql-results+xml"
CSV, TSV = "text/csv", "text/tab-separated-values"
TTL, NT, RDFXML, JSONLD = "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"

# What the clients send (SPARQLWrapper 2.0: Accept by return format and query form; format, output and
# results all carry the return format, with the media type as a second value for tsv, rdf+xml, json-ld).
SW_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SW_TURTLE = "application/turtle,text/turtle"
SW_N3 = "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
SW_JSONLD = "application/ld+json,application/x-json+ld"
JENA = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.7, "
        "text/csv;q=0.5, application/json;q=0.2, application/xml;q=0.2, */*;q=0.1")
VIRTUOSO = ("application/sparql-results+xml, text/rdf+n3, text/rdf+ttl, text/rdf+turtle, text/turtle, "
            "application/turtle, application/x-turtle, application/rdf+xml, application/xml")
PYOXIGRAPH = "application/sparql-results+json, application/sparql-results+xml"
BROWSER_FETCH = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def sw(value: str, media: str | None = None) -> list[str]:
    """SPARQLWrapper's format/output/results values for a return format."""
    return [value] + ([media] if media else [])


MATRIX = [
    # (id, form, Accept, format values, expected media type or 406)
    ("sw-json", SELECT, SW_JSON, sw("json"), SRJ),
    ("sw-json-conneg", SELECT, SW_JSON, [], SRJ),
    ("sw-xml", SELECT, SRX, sw("xml"), SRX),
    ("sw-csv", SELECT, CSV, sw("csv"), CSV),
    ("sw-tsv", SELECT, TSV, sw("tsv", TSV), TSV),
    ("sw-ask-json", ASK, SW_JSON, sw("json"), SRJ),
    ("sw-ask-xml-conneg", ASK, SRX, [], SRX),
    ("sw-jsonld-on-select", SELECT, "*/*", sw("json-ld", ""), SRJ),
    ("sw-rdfxml", CONSTRUCT, RDFXML, sw("rdf+xml", RDFXML), RDFXML),
    ("sw-rdfxml-conneg", CONSTRUCT, RDFXML, [], RDFXML),
    ("sw-xml-construct", CONSTRUCT, RDFXML, sw("xml"), RDFXML),
    ("sw-rdf", DESCRIBE, "*/*", sw("rdf"), RDFXML),
    ("sw-turtle", CONSTRUCT, SW_TURTLE, sw("turtle"), TTL),
    ("sw-n3", DESCRIBE, SW_N3, sw("n3"), TTL),
    ("sw-jsonld", CONSTRUCT, SW_JSONLD, sw("json-ld", JSONLD), JSONLD),
    ("sw-json-construct", CONSTRUCT, "*/*", sw("json"), JSONLD),
    ("rdflib-json-select", SELECT, SRJ, [], SRJ),
    ("rdflib-json-construct", CONSTRUCT, SRJ, [], TTL),
    ("rdflib-json-describe", DESCRIBE, SRJ, [], TTL),
    ("rdflib-xml-construct", CONSTRUCT, "application/rdf+xml, application/sparql-results+xml", [], RDFXML),
    ("pyoxigraph", SELECT, PYOXIGRAPH, [], SRJ),
    ("jena", SELECT, JENA, [], SRJ),
    ("jena-ask", ASK, JENA, [], SRJ),
    ("virtuoso", SELECT, VIRTUOSO, [], SRX),
    ("virtuoso-construct", CONSTRUCT, VIRTUOSO, [], TTL),
    ("roqet-select", SELECT, SRX, [], SRX),
    ("roqet-construct", CONSTRUCT, SRX, [], TTL),
    ("roqet-describe", DESCRIBE, SRX, [], TTL),
    ("curl-csv-charset", SELECT, "text/csv; charset=utf-8", [], CSV),
    ("curl-srj-charset", SELECT, "application/sparql-results+json;charset=utf-8", [], SRJ),
    ("curl-turtle-charset", CONSTRUCT, "text/turtle; charset=utf-8", [], TTL),
    ("curl-jsonld-profile", CONSTRUCT, 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', [],
     JSONLD),
    ("application-xml-select", SELECT, "application/xml", [], SRX),
    ("application-xml-ask", ASK, "application/xml", [], SRX),
    ("application-xml-construct", CONSTRUCT, "application/xml", [], RDFXML),
    ("application-json-construct", CONSTRUCT, "application/json", [], JSONLD),
    ("q-values", SELECT, "text/csv;q=0.5, application/sparql-results+xml", [], SRX),
    ("specific-beats-wildcard", SELECT, "text/*;q=0.9, text/tab-separated-values;q=0.3, */*;q=0.1", [], CSV),
    ("browser-fetch", SELECT, BROWSER_FETCH, [], SRX),
    ("no-accept", SELECT, None, [], SRJ),
    ("no-accept-construct", CONSTRUCT, None, [], TTL),
    ("nothing-fits", SELECT, "image/png", [], SRJ),
    ("latin1-is-not-csv", SELECT, "text/csv; charset=iso-8859-1", [], SRJ),
    ("format-wins", SELECT, SRJ, ["csv"], CSV),
    ("graph-format-on-select-falls-back", SELECT, TSV, ["turtle"], TSV),
    ("results-format-on-construct-falls-back", CONSTRUCT, NT, ["csv"], NT),
    ("output-parameter", SELECT, None, [("output", "tsv")], TSV),
    ("results-parameter", SELECT, None, [("results", "xml")], SRX),
    ("format-media-type", CONSTRUCT, None, ["text/turtle; charset=utf-8"], TTL),
    ("excluded-everything", SELECT, "*/*;q=0", [], 406),
    ("excluded-default", SELECT, "application/sparql-results+json;q=0, image/png", [], 406),
    ("excluded-latin1", SELECT, "text/csv; charset=iso-8859-1, */*;q=0", [], 406),
    ("excluded-construct", CONSTRUCT, "application/sparql-results+xml, */*;q=0", [], 406),
    ("unknown-format", SELECT, SRJ, ["bogus"], 406),
]


def _params(query: str, values: list) -> list[tuple[str, str]]:
    params = [("query", query)]
    for value in values:
        if isinstance(value, tuple):
            params.append(value)
        else:
            params += [(name, value) for name in ("format", "output", "results")]
    return params


@pytest.mark.parametrize(("form", "accept", "values", "expected"), [row[1:] for row in MATRIX],
                         ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_issue_15_negotiation_matrix(client, method, form, accept, values, expected):
    headers = {"Accept": accept} if accept is not None else {}
    params = _params(form, values)
    if method == "GET":
        response = client.get("/sparql", query_string=params, headers=headers)
    else:
        response = client.post("/sparql", data=urlencode(params), headers=headers,
                               content_type="application/x-www-form-urlencoded")
    if expected == 406:
        assert_problem(response, 406)
        return
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == expected
    if expected == CSV:
        assert response.data.decode().splitlines()[0] == ("s" if form == SELECT else "_askResult")
    elif form in (SELECT, ASK):
        parsed = ox.parse_query_results(response.data, format=ox.QueryResultsFormat.from_media_type(expected))
        if form == ASK:
            assert bool(parsed) is True
        else:
            assert len(list(parsed)) == 2
    else:
        assert list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(expected)))


@pytest.mark.parametrize("accept", [SRJ, f"{SRJ}, {SRX}", "text/csv", None, "*/*"])
def test_issue_15_service_description_for_result_accept_is_turtle(client, accept):
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))


def test_issue_15_service_description_excluded_is_406(client):
    assert_problem(client.get("/sparql", headers={"Accept": "text/turtle;q=0, application/sparql-results+json"}),
                   406)


def test_every_format_has_its_w3c_iri():
    for fmt in formats.RESULTS + formats.GRAPHS:
        assert fmt.iri.startswith("http://www.w3.org/ns/formats/")
        if fmt.name != "jsonld":  # pyoxigraph names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD
            assert fmt.iri == fmt.oxigraph.iri
    assert formats.by_name(formats.GRAPHS, "jsonld").iri == "http://www.w3.org/ns/formats/JSON-LD"


def test_issue_15_service_description_names_w3c_formats_and_no_input_format(client):
    graph = list(ox.parse(client.get("/sparql", headers={"Accept": "text/turtle"}).data, format=ox.RdfFormat.TURTLE))
    objects = lambda p: {t.object.value for t in graph if t.predicate.value == p}
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert objects(sd + "resultFormat") == {f.iri for f in formats.RESULTS + formats.GRAPHS}
    assert "http://www.w3.org/ns/formats/JSON-LD" in objects(sd + "resultFormat")
    assert not any("data/JSON-LD" in iri for iri in objects(sd + "resultFormat"))
    assert objects(sd + "inputFormat") == set()


def test_remembered_negotiation_keeps_each_table_header_and_parameter_apart():
    """Negotiation is remembered; alternating tables, Accept headers and format parameters each
    still get their own answer."""
    cases = [
        (formats.RESULTS, "application/sparql-results+json", None, "json"),
        (formats.GRAPHS, "application/sparql-results+json", None, "turtle"),
        (formats.RESULTS, "text/csv", None, "csv"),
        (formats.RESULTS, "text/csv", "xml", "xml"),
        (formats.GRAPHS, "application/n-triples", None, "ntriples"),
        (formats.RESULTS, "text/csv;q=0, */*;q=0", None, None),
        (formats.RESULTS, "text/csv", "no-such-format", None),
    ]
    for _ in range(3):
        for table, accept, param, expected in cases:
            found = formats.negotiate(table, accept, param)
            assert (found.name if found else None) == expected, (accept, param)
