"""Dereferenceable IRIs: /id/<slug> and /ontology, HTML for browsers and RDF for machines."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef

from support import assert_problem
from kzct.namespaces import GRAPH_DATA, GRAPH_ONTOLOGY, KZ, KZO, SKOS
from kzct.web.pages import index_of

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
SUFFIXES = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}

STATEMENT_DATA = """
PREFIX kz: <https://w3id.org/kzct/id/>
PREFIX kzo: <https://w3id.org/kzct/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
kzo:Tie a <http://www.w3.org/2002/07/owl#Class> ; rdfs:label "tie"@en ; rdfs:subClassOf kzo:Statement .
kzo:Claimed rdfs:label "claimed"@en .
kz:delta-cell a kzo:Organization ; skos:prefLabel "Delta <script>alert(1)</script> Cell"@en ;
    skos:altLabel "Delta"@en .
kz:epsilon a kzo:Organization ; skos:prefLabel "Epsilon"@en .
kz:someone a kzo:Person ; skos:prefLabel "Some One"@en .
kz:tie-delta-epsilon a kzo:Tie ; rdfs:label "Tie: Delta – Epsilon"@en ;
    kzo:tieSubject kz:delta-cell ; kzo:tieObject kz:epsilon ;
    kzo:status kzo:Claimed ; kzo:claimedBy kz:someone ;
    kzo:quote "Some One said Delta & Epsilon are <b>linked</b>."@en .
"""


class _Assets(HTMLParser):
    """Collects what a page would load (scripts, stylesheets, images, frames) and its ids."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def parse_html(response) -> _Assets:
    parser = _Assets()
    parser.feed(response.get_data(as_text=True))
    return parser


def parse_rdf(response, fmt: str) -> Graph:
    return Graph().parse(data=response.get_data(), format=fmt)


@pytest.mark.parametrize("accept", sorted(RDF_TYPES))
def test_entity_rdf_by_accept(client, accept):
    response = client.get("/id/alpha-group", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = parse_rdf(response, RDF_TYPES[accept])
    alpha = URIRef(KZ["alpha-group"])
    assert (alpha, URIRef(SKOS.prefLabel), Literal("Alpha Group", lang="en")) in graph
    assert (alpha, URIRef(KZO.affiliatedWith), URIRef(KZ["beta-front"])) in graph


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_entity_rdf_by_suffix(client, suffix):
    response = client.get(f"/id/beta-front.{suffix}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    graph = parse_rdf(response, SUFFIXES[suffix])
    beta = URIRef(KZ["beta-front"])
    assert (beta, URIRef(SKOS.prefLabel), Literal("Beta Front", lang="en")) in graph
    # what points at it comes too
    assert (URIRef(KZ["alpha-group"]), URIRef(KZO.affiliatedWith), beta) in graph


def test_entity_turtle_for_any_type_and_html_for_browsers(client):
    assert client.get("/id/alpha-group", headers={"Accept": "*/*"}).mimetype == "text/turtle"
    assert client.get("/id/alpha-group").mimetype == "text/turtle"
    page = client.get("/id/alpha-group", headers={"Accept": BROWSER})
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "<h1>Alpha Group</h1>" in text
    assert 'href="/id/beta-front"' in text  # links to the other entities, on this server
    assert 'href="/ontology#TerroristOrganization"' in text


def test_format_parameter_picks_html_or_rdf(client):
    assert client.get("/id/alpha-group?format=html").mimetype == "text/html"
    assert client.get("/id/alpha-group?format=jsonld", headers={"Accept": BROWSER}).mimetype == "application/ld+json"
    assert_problem(client.get("/id/alpha-group?format=nonsense"), 406)


def test_unacceptable_type_is_406(client):
    assert_problem(client.get("/id/alpha-group", headers={"Accept": "image/png"}), 406)


@pytest.mark.parametrize("path", [
    "/id/no-such-thing", "/id/no-such-thing.ttl", "/id/alpha-group.exe", "/id/", "/id/../pyproject.toml",
    "/id/..%2F..%2Fpyproject.toml", "/id/%2e%2e/%2e%2e/etc/passwd", "/id/alpha group", "/id/<x>",
    "/id/graph/../../../etc/passwd", "/ontology.exe", "/ontology/../pyproject.toml",
])
def test_unknown_or_hostile_paths_are_404(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404
    if response.mimetype == "application/problem+json":
        assert_problem(response, 404)


def test_named_graph_iri_resolves(client):
    """Graph names live under /id/ too (``kz:graph/data``) and may appear in the data."""
    response = client.get("/id/ban-2006-11-17.ttl")
    assert response.status_code == 200
    assert (URIRef(KZ["alpha-group"]), URIRef(KZO.designatedIn), URIRef(KZ["ban-2006-11-17"])) in parse_rdf(
        response, "turtle")


def test_pages_load_nothing_from_other_hosts(client):
    for path in ("/id/alpha-group", "/ontology", "/.well-known/void"):
        assets = parse_html(client.get(path, headers={"Accept": BROWSER}))
        assert all(not re.match(r"^(https?:)?//", src) for src in assets.loads), assets.loads


def test_etag_is_the_release_and_304_when_matched(client, app):
    release = app.extensions["kzct"].release
    response = client.get("/id/alpha-group", headers={"Accept": BROWSER})
    assert response.headers["ETag"] == f'W/"{release}"'
    again = client.get("/id/alpha-group", headers={"Accept": BROWSER, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == response.headers["ETag"]
    other = client.get("/id/alpha-group", headers={"If-None-Match": 'W/"another-release"'})
    assert other.status_code == 200


def test_ontology_rdf_and_page(client):
    graph = parse_rdf(client.get("/ontology.ttl"), "turtle")
    assert (URIRef(KZO.TerroristOrganization), None, None) in graph
    assert (URIRef(KZ["alpha-group"]), None, None) not in graph  # the ontology, not the data
    assert client.get("/ontology", headers={"Accept": "application/rdf+xml"}).mimetype == "application/rdf+xml"
    page = client.get("/ontology", headers={"Accept": BROWSER})
    assets = parse_html(page)
    assert {"TerroristOrganization", "affiliatedWith", "designatedIn", "Designation"} <= assets.ids
    text = page.get_data(as_text=True)
    assert "2 instances in the data" in text  # examples of use: Alpha Group and Beta Front


@pytest.fixture(scope="module")
def statement_client(make_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("statement-data")
    (folder / "data.ttl").write_text(STATEMENT_DATA, encoding="utf-8")
    app = make_app(DATA=[str(folder / "data.ttl")], DUMP_DIR=str(folder / "dumps"))
    return app.test_client()


def test_entity_page_shows_statements_with_status_claimant_and_quote(statement_client):
    page = statement_client.get("/id/delta-cell", headers={"Accept": BROWSER})
    text = page.get_data(as_text=True)
    assert "Statements about" in text
    assert '<a href="/id/tie-delta-epsilon"' in text
    assert "claimed" in text and '<a href="/id/someone"' in text
    assert "Some One said Delta &amp; Epsilon are &lt;b&gt;linked&lt;/b&gt;." in text  # quoted, escaped
    assert "tie subject" in text or "tieSubject" in text  # the role the entity plays
    assert "Delta" in text and "also called" in text


def test_html_is_escaped(statement_client):
    text = statement_client.get("/id/delta-cell", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_statement_page_shows_what_the_article_says(statement_client):
    text = statement_client.get("/id/tie-delta-epsilon", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "What the article says" in text
    assert '<a href="/id/epsilon"' in text and '<a href="/id/someone"' in text


# The real graph: every entity and every ontology term.

@pytest.fixture(scope="module")
def real(make_app, tmp_path_factory):
    from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR

    app = make_app(DATA=[f"{GRAPH_ONTOLOGY}={ONTOLOGY_DIR}", f"{GRAPH_DATA}={GRAPH_DIR}"],
                   DUMP_DIR=str(tmp_path_factory.mktemp("real-dumps")))
    return app


def test_every_entity_resolves_as_turtle_and_html(real):
    client = real.test_client()
    entities = index_of(real).entities()
    assert len(entities) > 500
    failures = []
    for iri in entities:
        path = "/id/" + iri[len(str(KZ)):]
        turtle = client.get(path, headers={"Accept": "text/turtle"})
        html = client.get(path, headers={"Accept": BROWSER})
        if turtle.status_code != 200 or html.status_code != 200:
            failures.append((path, turtle.status_code, html.status_code))
            continue
        graph = parse_rdf(turtle, "turtle")
        if (URIRef(iri), None, None) not in graph and (None, None, URIRef(iri)) not in graph:
            failures.append((path, "not described"))
    assert failures == []


def test_ontology_page_documents_every_term(real):
    from kzct import views

    client = real.test_client()
    index = index_of(real)
    terms = views.ontology_terms(index)
    assert len(terms) > 100
    page = client.get("/ontology", headers={"Accept": BROWSER})
    assets = parse_html(page)
    text = page.get_data(as_text=True)
    missing = [t for t in terms if t[len(str(KZO)):] not in assets.ids]
    assert missing == []
    for term in (KZO.Tie, KZO.claimedBy, KZO.Asserted):
        anchor = str(term)[len(str(KZO)):]
        block = text[text.index(f'id="{anchor}"'):]
        block = block[:block.index('<div class="term"', 1) if '<div class="term"' in block[1:] else None]
        assert index.label(str(term)) in block
        assert "Definition" in block
    # every link from the ontology page to a term lands on an anchor of the page
    targets = {h.split("#", 1)[1] for h in assets.links if h.startswith("/ontology#")}
    assert targets - assets.ids == set()


def test_look_ups_give_each_asserted_triple_once_sorted_and_never_the_inferred_graph():
    import pyoxigraph as ox

    from kzct.resources import Index

    a, b, c = (ox.NamedNode(f"http://example.org/{n}") for n in "abc")
    p, q = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/q")
    one, two, inferred = (ox.NamedNode(f"http://example.org/g{n}") for n in (1, 2, 3))
    store = ox.Store()
    for s, pred, o, g in [(a, q, c, one), (a, p, b, one), (a, p, b, two), (a, p, ox.Literal("x", language="en"), two),
                          (c, p, a, two), (a, q, b, inferred), (b, q, a, inferred)]:
        store.add(ox.Quad(s, pred, o, g))
    index = Index(store, [one, two], None)
    # sorted by (predicate, object) in N-Triples form: a literal's '"' comes before an IRI's '<'
    assert index.out.get(a) == [(p.value, ox.Literal("x", language="en")), (p.value, b), (q.value, c)]
    assert index.inc.get(a) == [(c, p.value)]
    assert index.by_predicate.get(p.value) == [(a, ox.Literal("x", language="en")), (a, b), (c, a)]
    assert index.label(a.value) == "a" and not index.has_label(a.value)
    assert index.known(c.value) and not index.known("http://example.org/nowhere")
    assert len(index.description(a.value)) == 4  # three said of a, one pointing at it


@pytest.mark.parametrize(("accept", "media"), [
    ("text/turtle; charset=utf-8", "text/turtle"),
    ("application/ld+json; profile=\"http://www.w3.org/ns/json-ld#compacted\"", "application/ld+json"),
    ("application/xml", "application/rdf+xml"),
])
def test_issue_15_pages_ignore_media_type_parameters(client, accept, media):
    response = client.get("/id/alpha-group", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
