"""Short names for event-like nodes, in the article's words (issue 16, part 1).

Data-quality tests over the real ontology/ and graph/ folders.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

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


# The date rule (issue 16, part 5): a date's year is in the statement's own quote, or a
# kzo:yearQuote gives the heading or neighbouring sentence that carries it; else no year.
YEAR_SECTIONS = {"2004", "2006", "2011"}
NO_YEAR_GIVEN = {
    "conviction-08-04-kuanysh-bekzhanov": "'on 4 August', after an arrest in November 2003: no heading or sentence gives the year",
    "publication-nezavisimaya-gazeta-interview-vyacheslav-kasymov": "'on 7 February': the section gives no year for it",
}


def test_every_event_date_year_comes_with_the_words_that_give_it(graph, event_like):
    text = SOURCE_FILE.read_text(encoding="utf-8")
    wrong = []
    for event in event_like:
        quotes = " ".join(str(q) for q in graph.objects(event, KZO.quote))
        year_quotes = [str(q) for q in graph.objects(event, KZO.yearQuote)]
        for prop in (KZO.date, KZO.startDate, KZO.endDate):
            for date in graph.objects(event, prop):
                year = str(date)[:4]
                if not year.isdigit():
                    continue
                if year not in quotes and not any(year in q and q in text for q in year_quotes):
                    wrong.append(f"{event} {year}")
    assert not wrong, f"dates whose year no quote or kzo:yearQuote gives: {sorted(wrong)}"


def test_events_under_a_year_heading_carry_that_year(graph, event_like):
    """A year filter finds every event of the 2004, 2006 and 2011 sections (a 17 May bombing under 2011)."""
    missing = []
    for event in event_like:
        titles = {str(graph.value(s, DCTERMS.title)) for s in graph.objects(event, KZO.section)}
        for year in titles & YEAR_SECTIONS:
            dates = [str(d) for p in (KZO.date, KZO.startDate) for d in graph.objects(event, p)]
            if dates and not any(d[:4].isdigit() for d in dates):
                missing.append(str(event))
    assert not missing, f"dated events under a year heading without a year: {missing}"
    assert (KZ["bombing-05-17-aktobe"], KZO.date, Literal("2011-05-17", datatype=XSD.date)) in graph


def test_dates_without_a_year_are_the_listed_ones(graph, event_like):
    no_year = {
        str(e).removeprefix(str(KZ)) for e in event_like
        for p in (KZO.date, KZO.startDate) for d in graph.objects(e, p) if not str(d)[:4].isdigit()
    }
    assert no_year == set(NO_YEAR_GIVEN)
