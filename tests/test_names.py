"""Short names for event-like nodes, in the article's words (issue 16, part 1).

Data-quality tests over the real ontology/ and graph/ folders.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from kzct.coverage import load_turtle_dir
from kzct.namespaces import KZ, KZO
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, SOURCE_FILE

EVENT_LIKE = (KZO.Event, KZO.Programme, KZO.Publication)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_turtle_dir(ONTOLOGY_DIR, GRAPH_DIR)


@pytest.fixture(scope="module")
def event_like(graph) -> set:
    classes = {c for top in EVENT_LIKE for c in graph.transitive_subjects(RDFS.subClassOf, top)}
    return {node for c in classes for node in graph.subjects(RDF.type, c)}


def test_every_event_like_node_has_one_english_name(graph, event_like):
    assert len(event_like) > 150
    missing = sorted(str(n) for n in event_like if not list(graph.objects(n, KZO.name)))
    assert not missing, f"no kzo:name: {missing}"
    several = sorted(str(n) for n in event_like if len(list(graph.objects(n, KZO.name))) > 1)
    assert not several, f"several kzo:name: {several}"
    untagged = sorted(str(n) for n in event_like for v in graph.objects(n, KZO.name) if v.language != "en")
    assert not untagged


def test_names_are_the_articles_words(graph):
    text = SOURCE_FILE.read_text(encoding="utf-8")
    invented = sorted(f"{s}: {o}" for s, o in graph.subject_objects(KZO.name) if str(o) not in text)
    assert not invented, f"kzo:name not found verbatim in the article: {invented}"


def test_names_are_short(graph):
    long = sorted(str(o) for o in graph.objects(None, KZO.name) if len(str(o)) > 110)
    assert not long, f"names longer than a short phrase: {long}"


def test_issue_16_drill_and_declaration_answer_by_name(graph):
    drill = KZ["drill-2006-08-24-tian-shan-1-2006"]
    assert (drill, KZO.name, Literal("Tian-Shan-1-2006", lang="en")) in graph
    title = "Declaration on Eliminating Terrorism and Promoting Dialogue among Civilizations"
    rows = list(graph.query(
        "SELECT ?agreement WHERE { ?agreement a kzo:Agreement ; dcterms:title ?t ; kzo:name ?n }",
        initNs={"kzo": KZO, "dcterms": DCTERMS},
    ))
    titles = {str(graph.value(r[0], DCTERMS.title)) for r in rows}
    assert title in titles
