"""kzct coverage --entities (issue 16, part 7) and the structured values it measures (part 2).

Behaviour tests of ``kzct.entity_coverage`` on small texts and graphs, then data-quality tests over
the real graph/ folder: every name, number and date of the article is held by a structured value or
explained in docs/coverage-exclusions.md, and the values the issue names are there as values.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from kzct.coverage import load_turtle_dir
from kzct.entity_coverage import Mention, mentions, read_exceptions, unheld
from kzct.namespaces import KZ, KZO
from kzct.paths import GRAPH_DIR, ROOT, SOURCE_FILE

EXCLUSIONS = ROOT / "docs" / "coverage-exclusions.md"
TEXT = "== Events ==\nPolice seized Computers and 200 leaflets in Kentai on 5 February 2005. The Boeing 737 landed.\n"


def graph_with(*triples) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def keys(found: list[Mention]) -> set[str]:
    return {m.key for m in found}


def test_mentions_finds_names_numbers_and_dates():
    found = keys(mentions(TEXT))
    assert {"name: Computers", "name: Kentai", "number: 200", "date: 5 February 2005", "name: Boeing"} <= found
    assert "number: 5" not in found  # inside the date
    assert "name: Police" not in found  # an ordinary word opening a sentence


def test_a_quote_or_label_does_not_hold_a_mention():
    event = KZ.e
    graph = graph_with((event, KZO.quote, Literal(TEXT, lang="en")), (event, RDFS.label, Literal(TEXT, lang="en")))
    assert {"name: Computers", "number: 200", "date: 5 February 2005"} <= keys(unheld(graph, TEXT))


def test_structured_values_hold_mentions():
    event, quantity = KZ.e, KZ.q
    graph = graph_with(
        (event, KZO.seizedItem, Literal("Computers", lang="en")),
        (event, KZO.vehicle, Literal("Boeing 737", lang="en")),
        (URIRef(KZ.kentai), URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("Kentai", lang="en")),
        (quantity, KZO.value, Literal(200)),
        (quantity, KZO.quote, Literal("200 leaflets", lang="en")),
        (event, KZO.date, Literal("2005-02-05", datatype=XSD.date)),
    )
    assert keys(unheld(graph, TEXT)) == set()


def test_a_value_holds_a_number_only_where_its_statement_quotes_it():
    graph = graph_with((KZ.q, KZO.value, Literal(200)), (KZ.q, KZO.quote, Literal("Boeing 737", lang="en")))
    assert "number: 200" in keys(unheld(graph, TEXT))


def test_a_date_is_held_only_with_its_day_month_and_year():
    graph = graph_with((KZ.e, KZO.date, Literal("2005-02", datatype=XSD.gYearMonth)))
    assert "date: 5 February 2005" in keys(unheld(graph, TEXT))
    graph = graph_with((KZ.e, KZO.date, Literal("--02-05", datatype=XSD.gMonthDay)))
    assert "date: 5 February 2005" in keys(unheld(graph, TEXT))


def test_numbers_in_millions_match_their_value():
    text = "Washington gave $47 million in 2003.\n"
    graph = graph_with((KZ.q, KZO.value, Literal(47000000)), (KZ.q, KZO.date, Literal("2003", datatype=XSD.gYear)),
                       (KZ.q, KZO.quote, Literal("$47 million in 2003", lang="en")),
                       (KZ.q, KZO.unit, Literal("Washington", lang="en")))
    assert keys(unheld(graph, text)) == set()


def test_exceptions_are_read_from_the_entities_section(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("## Sentences\n\n- `name: Foo` — not here\n\n## Entities\n\n- `name: Bar` — because\n")
    assert read_exceptions(doc) == {"name: Bar": "because"}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_turtle_dir(GRAPH_DIR)


def test_every_unheld_mention_is_explained_and_no_exception_is_stale(graph):
    text = SOURCE_FILE.read_text(encoding="utf-8")
    exceptions = read_exceptions(EXCLUSIONS)
    gaps = keys(unheld(graph, text))
    assert gaps - set(exceptions) == set(), "held by no structured value and not explained"
    assert set(exceptions) - gaps == set(), "explained but now held (or gone): remove from the list"
    assert all(len(reason) > 15 for reason in exceptions.values())


def test_issue_16_values_stated_in_passing_are_values(graph):
    def values(node, prop):
        return {str(v) for v in graph.objects(KZ[node], prop)}

    assert "Boeing 737" in values("flight-boeing-737-moscow-almaty-2005", KZO.vehicle)
    assert values("statement-kentai-books-languages", KZO.language) == {"Uzbek", "Russian", "Kazakh"}
    assert {"Computers", "advanced printing equipment"} <= values("seizure-2006-12-hizb-ut-tahrir-cell-network",
                                                                   KZO.seizedItem)
    assert values("conviction-08-04-kuanysh-bekzhanov", KZO.legalArticle) == {"part 2 of Article 164", "Article 337"}
    assert (KZ["conviction-08-04-kuanysh-bekzhanov"], KZO.sentenceDuration,
            Literal("P2Y", datatype=XSD.duration)) in graph
    assert (KZ["conviction-2006-01-jamaat-of-central-asian-mujahedins"], KZO.sentenceDurationMax,
            Literal("P25Y", datatype=XSD.duration)) in graph
    assert (KZ["text-an-open-letter-to-french-president-jacques-chirac"], KZO.addressee, KZ["jacques-chirac"]) in graph
    assert (KZ["conference-2005-01-26-counter-terrorism-committee-almaty"], KZO.chairedBy, KZ["andrei-denisov"]) in graph
    roles = {(str(graph.value(c, KZO.classifiedEntity)).removeprefix(str(KZ)), str(graph.value(c, KZO.classifiedAs)))
             for c in graph.subjects(KZO.classifiedAs, None)}
    assert {("obidkhon-qori-nazarov", "Imam"), ("zamanbek-nurkadilov", "Political opposition leader")} <= roles
    assert "French President" in {str(t) for m in graph.subjects(KZO.title, None)
                                   if (m, URIRef("http://www.w3.org/ns/org#member"), KZ["jacques-chirac"]) in graph
                                   for t in graph.objects(m, KZO.title)}


WORDED = [KZO.legalArticle, KZO.seizedItem, KZO.language, KZO.vehicle]


@pytest.mark.parametrize("prop", WORDED, ids=lambda p: str(p).rsplit("#", 1)[-1])
def test_worded_values_are_in_their_statements_quotes(graph, prop):
    """A value stated in passing comes from the statement's own quote, like every other fact."""
    wrong = []
    for node, value in graph.subject_objects(prop):
        quotes = " ".join(str(q) for q in graph.objects(node, KZO.quote)).casefold()
        if str(value).casefold() not in quotes:
            wrong.append(f"{node}: {value}")
    assert not wrong, f"values not in their statement's quote: {sorted(wrong)}"


DURATION_WORDS = {"P2Y": "two years", "P18Y": "18-years", "P8Y": "eight", "P25Y": "twenty-five years"}


def test_sentence_durations_match_the_worded_sentence(graph):
    for prop in (KZO.sentenceDuration, KZO.sentenceDurationMax):
        for node, value in graph.subject_objects(prop):
            worded = " ".join(str(s) for s in graph.objects(node, KZO.sentence))
            assert DURATION_WORDS[str(value)] in worded, f"{node}: {value} vs {worded!r}"
