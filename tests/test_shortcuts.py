"""Shortcut triples only where the article says them (issue 16, part 4).

Data-quality tests over the real graph/ folder. A direct link between two entities (ties,
cooperation, parent bodies, places, birthplaces, citizenship, posts) must be backed by an asserted
statement whose quote names both ends, by a name the graph gives them or, for a country, by the
adjective the article uses for it ("Kazakh citizens", "the Uzbek city of Andijan").
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph
from rdflib.namespace import ORG, RDF, SKOS

from kzct.coverage import load_turtle_dir
from kzct.namespaces import KZ, KZO
from kzct.paths import GRAPH_DIR

# How the article refers to a country by adjective; matching aid only, adds nothing to the data.
ADJECTIVES = {
    "kazakhstan": ("Kazakh",), "uzbekistan": ("Uzbek",), "kyrgyzstan": ("Kyrgyz",), "china": ("Chinese",),
    "india": ("Indian",), "russia": ("Russian",), "tajikistan": ("Tajik",), "united-states": ("U.S.", "American"),
    "singapore": ("Singaporean",),
}
AGENT_LINKS = [KZO.affiliatedWith, KZO.tiedTo, KZO.cooperatesWith, KZO.locatedIn, ORG.subOrganizationOf,
               KZO.bornIn, KZO.citizenOf]


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_turtle_dir(GRAPH_DIR)


@pytest.fixture(scope="module")
def asserted_quotes(graph) -> list[str]:
    """Per asserted statement, its quotes joined: a statement quoting two sentences names what either names."""
    return [" | ".join(str(q) for q in graph.objects(s, KZO.quote)) for s in graph.subjects(KZO.status, KZO.Asserted)]


def names(graph: Graph, node) -> set[str]:
    found = {str(n) for p in (SKOS.prefLabel, SKOS.altLabel, KZO.variantLabel) for n in graph.objects(node, p)}
    return found | set(ADJECTIVES.get(str(node).removeprefix(str(KZ)), ()))


def named(graph: Graph, node, quote: str) -> bool:
    """Some name of ``node`` occurs in ``quote`` (case aside; a label's "(...)" note is not part of the name)."""
    quote = quote.casefold()
    return any(re.sub(r"\s*\(.*\)$", "", name).casefold() in quote for name in names(graph, node))


def short(node) -> str:
    return "kz:" + str(node).removeprefix(str(KZ))


@pytest.mark.parametrize("prop", AGENT_LINKS, ids=lambda p: str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
def test_direct_link_has_an_asserted_quote_naming_both_ends(graph, asserted_quotes, prop):
    unbacked = sorted(
        f"{short(a)} -> {short(b)}" for a, b in graph.subject_objects(prop)
        if not any(named(graph, a, q) and named(graph, b, q) for q in asserted_quotes)
    )
    assert not unbacked, f"direct links no asserted quote names both ends of: {unbacked}"


def test_member_of_has_a_quote_naming_the_member_and_the_body_or_post(graph):
    """A post names its body through its title as worded ("Kazakh Defense Minister" for the ministry)."""
    unbacked = []
    for member, body in graph.subject_objects(ORG.memberOf):
        memberships = [
            m for m in graph.subjects(ORG.member, member)
            if (m, ORG.organization, body) in graph and (m, KZO.status, KZO.Asserted) in graph
        ]
        ok = any(
            named(graph, member, str(q)) and (
                named(graph, body, str(q)) or any(str(t).casefold() in str(q).casefold()
                                                   for t in graph.objects(m, KZO.title))
            )
            for m in memberships for q in graph.objects(m, KZO.quote)
        )
        if not ok:
            unbacked.append(f"{short(member)} -> {short(body)}")
    assert not unbacked, f"org:memberOf with no quote naming member and body or post: {sorted(unbacked)}"


def test_issue_16_cooperates_with_only_between_two_named_partners(graph):
    """No pairs are drawn among the partners of a cooperation of three or more."""
    for a, b in graph.subject_objects(KZO.cooperatesWith):
        assert any(
            set(graph.objects(c, KZO.partner)) == {a, b} and (c, KZO.status, KZO.Asserted) in graph
            for c in graph.subjects(KZO.partner, a)
        ), f"{short(a)} -> {short(b)}"
    assert (KZ.austria, KZO.cooperatesWith, KZ.croatia) not in graph
    assert (KZ.kazakhstan, KZO.cooperatesWith, KZ.china) in graph


def test_issue_16_ban_list_only_groups_are_not_armed_groups(graph):
    """The ban list says which organizations are banned, not what they are (kzo:ArmedGroup's scope note)."""
    for slug in ("muslim-brotherhood", "social-reforms-society", "hamas", "boz-kurt", "lashkar-e-toiba"):
        assert (KZ[slug], RDF.type, KZO.ArmedGroup) not in graph, slug
        assert (KZ[slug], RDF.type, KZO.Organization) in graph, slug
    assert (KZ["eurasia-group"], RDF.type, KZO.Company) not in graph
    assert (KZ.akromiya, RDF.type, KZO.ArmedGroup) in graph  # "the radical Islamic group Akromiya"


def test_issue_16_no_parent_body_read_off_a_name(graph):
    """A proper name that contains another body's name ("United Nations Security Council") is not a parent link."""
    for child in ("un-security-council", "united-nations-office-for-drug-control-and-crime-prevention"):
        assert (KZ[child], ORG.subOrganizationOf, None) not in graph, child


# The words that give each armed group and company its type (outside the ban list sentence,
# which says what is banned, not what a group is). Each tuple's parts are verbatim in the article.
TYPE_QUOTES = {
    "islamic-movement-of-uzbekistan": ("The Islamic Movement of Uzbekistan, an organization affiliated with Al-Qaeda, "
                                       "and Islamic Jihad claimed responsibility.",),
    "islamic-jihad": ("The Islamic Movement of Uzbekistan, an organization affiliated with Al-Qaeda, and Islamic Jihad "
                      "claimed responsibility.",),
    "hizb-ut-tahrir": ("The Uzbek government attributed the bombings to HuT terrorists.",),
    "jamaat-of-central-asian-mujahedins": ("In January 2006 convicted JMCA terrorists were sentenced",),
    "al-qaeda": ("the Taliban, Al-Qaeda, and other extremist groups",),
    "taliban": ("U.S. military operations against the Taliban insurgency in Afghanistan",),
    "akromiya": ("the radical Islamic group Akromiya",),
    "stepnogorsk-zhamaat-terrorist-group": ("the KNB broke up the \"Stepnogorsk zhamaat terrorist group,\"",),
    "saudi-binladin-group": ("specifically Saudi Binladin Group, which operated in Astana",
                             "the Supreme Court ruled against the company's claim"),
}


@pytest.mark.parametrize("cls", [KZO.ArmedGroup, KZO.Company], ids=["ArmedGroup", "Company"])
def test_every_armed_group_and_company_type_has_its_words(graph, cls):
    from kzct.paths import SOURCE_FILE

    text = SOURCE_FILE.read_text(encoding="utf-8")
    typed = {str(e).removeprefix(str(KZ)) for e in graph.subjects(RDF.type, cls)}
    assert typed - set(TYPE_QUOTES) == set(), "typed without the words that give the type"
    for slug in typed:
        parts = TYPE_QUOTES[slug]
        assert all(part in text for part in parts), slug
        assert named(graph, KZ[slug], " ".join(parts)), slug
