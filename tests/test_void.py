"""The VoID description at /.well-known/void: counts computed from the data, endpoint, dumps, version."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from kzct.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, KZ, KZO, KZSD, SKOS, VOID

# rdflib's DCAT and XSD are DefinedNamespaces, which warn when pytest probes module attributes
# such as _mock_name: a plain Namespace does not.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET = URIRef("https://w3id.org/kzct/dataset")
ROOT = "http://localhost/"


@pytest.fixture(scope="module")
def void_graph(app) -> Graph:
    response = app.test_client().get("/.well-known/void")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    return Graph().parse(data=response.get_data(), format="turtle")


def count(store: ox.Store, graph: str | None, query: str) -> int:
    where = f"GRAPH <{graph}> {{ {query} }}" if graph else query
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(next(iter(result))["n"].value)


def one(graph: Graph, s, p):
    values = list(graph.objects(s, p))
    assert len(values) == 1, (s, p, values)
    return values[0]


def test_dataset_metadata(void_graph, app):
    assert (DATASET, RDF.type, VOID.Dataset) in void_graph
    assert "Kazakhstan" in str(one(void_graph, DATASET, DCTERMS.title))
    assert one(void_graph, DATASET, DCTERMS.description)
    # the small graph does not describe kz:source-article, so VoID does not name it (it would not dereference)
    assert list(void_graph.objects(DATASET, DCTERMS.source)) == []
    assert one(void_graph, DATASET, VOID.sparqlEndpoint) == URIRef(ROOT + "sparql")
    assert one(void_graph, DATASET, VOID.uriSpace) == Literal("https://w3id.org/kzct/")
    release = app.extensions["kzct"].release
    assert one(void_graph, DATASET, URIRef(KZSD.release)) == Literal(release)
    # the small graph has no owl:versionInfo: the version is the release hash
    assert one(void_graph, DATASET, OWL.versionInfo) == Literal(release)
    vocabularies = set(void_graph.objects(DATASET, VOID.vocabulary))
    assert {URIRef(str(KZO)), URIRef(str(SKOS))} <= vocabularies


def test_counts_per_named_graph_match_the_store(void_graph, app):
    store = app.extensions["kzct"].store
    subsets = {one(void_graph, s, SD.name): s for s in void_graph.objects(DATASET, VOID.subset)}
    assert set(subsets) == {URIRef(GRAPH_DATA), URIRef(GRAPH_ONTOLOGY), URIRef(GRAPH_INFERRED)}
    for name, subset in subsets.items():
        g = str(name)
        assert one(void_graph, subset, VOID.triples).toPython() == count(store, g, "?s ?p ?o")
        assert one(void_graph, subset, VOID.classes).toPython() == count(
            store, g, "SELECT DISTINCT ?c WHERE { ?s a ?c }")
        assert one(void_graph, subset, VOID.properties).toPython() == count(
            store, g, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
        assert one(void_graph, subset, VOID.entities).toPython() == count(
            store, g, "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'https://w3id.org/kzct/')) }")
    data = subsets[URIRef(GRAPH_DATA)]
    assert one(void_graph, data, VOID.entities).toPython() == 4  # alpha, beta, gamma, the ban
    # class partition: two terrorist organizations in the data graph
    partitions = {one(void_graph, p, VOID["class"]): one(void_graph, p, VOID.entities).toPython()
                  for p in void_graph.objects(data, VOID.classPartition)}
    assert partitions[URIRef(KZO.TerroristOrganization)] == 2
    properties = {one(void_graph, p, VOID.property): one(void_graph, p, VOID.triples).toPython()
                  for p in void_graph.objects(data, VOID.propertyPartition)}
    assert properties[URIRef(KZO.affiliatedWith)] == 2
    # the whole dataset is the default graph (the union)
    assert one(void_graph, DATASET, VOID.triples).toPython() == count(store, None, "?s ?p ?o")


def test_dumps_listed_with_checksums_that_match(void_graph, client):
    dumps = sorted(str(u) for u in void_graph.objects(DATASET, VOID.dataDump))
    assert [u.rsplit(".", 1)[1] for u in dumps] == ["jsonld", "nq", "nt", "trig", "ttl"]
    for dist in void_graph.objects(DATASET, DCAT.distribution):
        url = str(one(void_graph, dist, DCAT.downloadURL))
        checksum = one(void_graph, dist, SPDX.checksum)
        assert one(void_graph, checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        body = client.get(url[len(ROOT) - 1:]).get_data()
        assert hashlib.sha256(body).hexdigest() == str(one(void_graph, checksum, SPDX.checksumValue))
        assert one(void_graph, dist, DCAT.byteSize).toPython() == len(body)


@pytest.mark.parametrize(("accept", "fmt"), [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
                                            ("application/n-triples", "nt")])
def test_other_formats(client, accept, fmt):
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.mimetype == accept
    graph = Graph().parse(data=response.get_data(), format=fmt)
    assert (DATASET, RDF.type, VOID.Dataset) in graph


def test_html_page_and_dataset_redirect(client):
    page = client.get("/.well-known/void", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.mimetype == "text/html"
    assert "/download/kzct-" in page.get_data(as_text=True)
    redirect = client.get("/dataset")
    assert redirect.status_code == 303
    assert redirect.headers["Location"].endswith("/.well-known/void")


def test_service_description_links_void(client):
    sd = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(), format="turtle")
    assert (None, URIRef(KZSD.void), URIRef(ROOT + ".well-known/void")) in sd


def test_void_of_the_real_graph(make_app, tmp_path_factory):
    from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR

    app = make_app(DATA=[f"{GRAPH_ONTOLOGY}={ONTOLOGY_DIR}", f"{GRAPH_DATA}={GRAPH_DIR}"],
                   DUMP_DIR=str(tmp_path_factory.mktemp("void-dumps")))
    graph = Graph().parse(data=app.test_client().get("/.well-known/void").get_data(), format="turtle")
    assert one(graph, DATASET, DCTERMS.license) == URIRef("https://opensource.org/licenses/MIT")
    version = one(graph, DATASET, OWL.versionInfo)
    ontology_version = next(app.extensions["kzct"].store.quads_for_pattern(
        ox.NamedNode("https://w3id.org/kzct/ontology"), ox.NamedNode(str(OWL.versionInfo)), None)).object.value
    assert str(version) == ontology_version
    assert all(str(u).endswith(f"/download/kzct-{version}." + str(u).rsplit(".", 1)[1])
               for u in graph.objects(DATASET, VOID.dataDump))
    vocabularies = {str(v) for v in graph.objects(DATASET, VOID.vocabulary)}
    assert {str(KZO), "http://www.w3.org/ns/org#", str(SKOS), str(DCTERMS)} <= vocabularies
