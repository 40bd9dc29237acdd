"""Every IRI the project mints dereferences (issue 15): a walk over every IRI under
``https://w3id.org/kzct/`` in the Service Description, the VoID description, the dumps and a
validation report, each asked for as RDF and as HTML: 200, or 303 to a document that answers 200."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from support import DATA_DIR, assert_problem
from kzct.namespaces import BASE, KZSD, KZSH
from kzct.web.download import dumps_of
from kzct.vocabulary import TERMS
from kzct.web.app import create_app

ACCEPTS = ("text/turtle", "application/ld+json", "text/html,application/xhtml+xml,*/*;q=0.8")


def minted(data: bytes, fmt: ox.RdfFormat, only=None) -> set[str]:
    found = set()
    for quad in ox.parse(data, format=fmt):
        terms = [quad.subject, quad.predicate, quad.object, getattr(quad, "graph_name", None)]
        if only is not None:
            terms = [quad.object] if quad.predicate.value in only else []
        found |= {t.value for t in terms if isinstance(t, ox.NamedNode) and t.value.startswith(BASE)}
    return found


def walk_iris(app, client) -> set[str]:
    iris = minted(client.get("/sparql", headers={"Accept": "text/turtle"}).data, ox.RdfFormat.TURTLE)
    iris |= minted(client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).data,
                   ox.RdfFormat.N_TRIPLES)
    for f in dumps_of(app, 60).files:
        if f.name.endswith((".nq", ".nt")):
            fmt = ox.RdfFormat.N_QUADS if f.name.endswith(".nq") else ox.RdfFormat.N_TRIPLES
            iris |= minted(f.path.read_bytes(), fmt)
    # A report on our own data (every IRI in it), and one on bad data (its shapes: the focus nodes are
    # the uploader's IRIs, not ours).
    own = b"".join(p.read_bytes() for p in sorted((DATA_DIR / "graph").glob("*.ttl")))
    for body, only in ((own, None), ((DATA_DIR / "validate" / "bad.ttl").read_bytes(),
                                     {"http://www.w3.org/ns/shacl#sourceShape"})):
        report = client.post("/validate?format=turtle", data=body, content_type="text/turtle")
        assert report.status_code == 200
        iris |= minted(report.data, ox.RdfFormat.TURTLE, only)
    return iris


def dereference(client, iri: str, accept: str):
    path = "/" + iri[len(BASE):].split("#", 1)[0]
    response = client.get(path, headers={"Accept": accept})
    if response.status_code == 303:
        response = client.get(response.headers["Location"], headers={"Accept": accept})
    return response


@pytest.fixture(scope="module")
def walked(app):
    client = app.test_client()
    return walk_iris(app, client)


def test_issue_15_every_minted_iri_dereferences(app, walked):
    client = app.test_client()
    kinds = {re.sub(r"[/#].*", "", iri[len(BASE):]) for iri in walked}
    assert {"id", "dataset", "ontology", "service", "shapes"} <= kinds  # the walk saw every kind
    assert any(iri.startswith(str(KZSH)) for iri in walked)  # sourceShape of the report
    failures = []
    for iri in sorted(walked):
        for accept in ACCEPTS:
            response = dereference(client, iri, accept)
            if response.status_code != 200:
                failures.append((iri, accept, response.status_code))
    assert failures == []


def test_issue_15_each_shape_has_its_page_and_anchor(app, walked):
    client = app.test_client()
    shapes = sorted(iri for iri in walked if iri.startswith(str(KZSH)))
    page = client.get("/shapes", headers={"Accept": "text/html"}).get_data(as_text=True)
    for iri in shapes:
        name = iri[len(str(KZSH)):]
        assert f'id="{name}"' in page
        one = client.get(f"/shapes/{name}", headers={"Accept": "application/n-triples"})
        assert one.status_code == 200
        assert {q.subject.value for q in ox.parse(one.data, format=ox.RdfFormat.N_TRIPLES)
                if isinstance(q.subject, ox.NamedNode)} == {iri}
    assert_problem(client.get("/shapes/No-such-shape"), 404)


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json"])
def test_issue_15_shapes_whole_set_in_rdf(client, accept):
    response = client.get("/shapes", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    names = {q.subject.value for q in ox.parse(response.data, format=ox.RdfFormat.from_media_type(accept))
             if isinstance(q.subject, ox.NamedNode)}
    assert str(KZSH["Organization-prefLabel"]) in names


def test_issue_15_service_vocabulary_defines_every_term_used(client):
    used = set()
    for path in (DATA_DIR.parent.parent / "server" / "kzct").rglob("*.py"):
        used |= set(re.findall(r"KZSD\.(\w+)", path.read_text()))
    assert used and used <= set(TERMS)
    graph = list(ox.parse(client.get("/service", headers={"Accept": "text/turtle"}).data,
                          format=ox.RdfFormat.TURTLE))
    defined = {t.subject.value for t in graph if t.predicate.value.endswith("#label")}
    assert {str(KZSD[name]) for name in used} <= defined


def test_issue_15_graph_names_lead_to_their_content_or_the_void_page(client):
    rdf = client.get("/id/graph/data", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303 and rdf.headers["Location"].startswith("/store?graph=")
    html = client.get("/id/graph/data", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["Location"] == "/.well-known/void"
    assert_problem(client.get("/id/graph/nothing"), 404)
    assert_problem(client.get("/dataset/nothing"), 404)


def test_issue_15_link_headers_on_pages(client):
    for path in ("/id/alpha-group", "/ontology", "/shapes", "/service"):
        for accept in ("text/html", "text/turtle"):
            link = client.get(path, headers={"Accept": accept}).headers["Link"]
            assert 'rel="describedby"' in link and "/.well-known/void" in link
            for media in ("text/turtle", "application/ld+json", "application/rdf+xml", "text/html"):
                target = re.search(rf'<([^>]+)>; rel="alternate"; type="{re.escape(media)}"', link).group(1)
                response = client.get(target)
                assert response.status_code == 200 and response.mimetype == media, (path, media)
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert '</.well-known/void>; rel="describedby"' in sd.headers["Link"].replace("http://localhost", "")
    assert client.get("/.well-known/sparql").headers["Location"] == "/sparql"


@pytest.fixture(scope="module")
def project():
    app = create_app({"TIMEOUT": 20})
    yield app
    app.extensions["kzct.engine"].close()


def test_issue_15_project_ontology_version_iri_and_source_dereference(project):
    client = project.test_client()
    ontology = list(ox.parse(client.get("/ontology", headers={"Accept": "text/turtle"}).data,
                             format=ox.RdfFormat.TURTLE))
    versions = [t.object.value for t in ontology if t.predicate.value == "http://www.w3.org/2002/07/owl#versionIRI"]
    assert versions and all(v.startswith(BASE + "ontology/") for v in versions)
    for version in versions:
        response = dereference(client, version, "text/turtle")
        assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert_problem(client.get("/ontology/9.9.9"), 404)
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).data
    source = [q.object.value for q in ox.parse(void, format=ox.RdfFormat.N_TRIPLES)
              if q.predicate.value == "http://purl.org/dc/terms/source"]
    assert source == [BASE + "id/source-article"]
    assert dereference(client, source[0], "text/turtle").status_code == 200


def test_issue_15_project_iris_dereference(project):
    """The walk over the project's own SD, VoID and dumps (about 1,200 IRIs), as Turtle."""
    client = project.test_client()
    iris = minted(client.get("/sparql", headers={"Accept": "text/turtle"}).data, ox.RdfFormat.TURTLE)
    iris |= minted(client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).data,
                   ox.RdfFormat.N_TRIPLES)
    for f in dumps_of(project, 120).files:
        if f.name.endswith(".nq"):
            iris |= minted(f.path.read_bytes(), ox.RdfFormat.N_QUADS)
    assert len(iris) > 1000
    failures = [(iri, status) for iri in sorted(iris)
                if (status := dereference(client, iri, "text/turtle").status_code) != 200]
    assert failures == []


def test_issue_15_problem_type_iris_dereference(client):
    for response in (client.get("/nowhere"), client.get("/sparql", query_string={"query": "ASK {"}),
                     client.get("/store", query_string={"graph": "nope"})):
        kind = assert_problem(response, response.status_code)["type"]
        assert kind.startswith(BASE + "problems#")
        for accept in ACCEPTS:
            assert dereference(client, kind, accept).status_code == 200
