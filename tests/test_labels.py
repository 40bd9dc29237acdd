"""The labels rule (issue 16, part 5): skos:prefLabel is the name the article uses most.

For organizations, places and programmes, the preferred label is the written-out form the article
uses most often (every occurrence counts, also inside a longer form), ties broken by the fullest;
abbreviations, forms opening with a title or nationality, possessive descriptions and a bare first
word are not candidates (docs/modelling-guide.md, section 3).
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SKOS

from kzct.coverage import load_turtle_dir
from kzct.namespaces import KZ, KZO
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, SOURCE_FILE

OPENERS = ("President ", "Judge ", "General ", "Professor ", "Senator ", "Kazakh ", "Uzbek ", "Chinese ", "Russian ")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_turtle_dir(ONTOLOGY_DIR, GRAPH_DIR)


@pytest.fixture(scope="module")
def text() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")


def uses(text: str, form: str) -> int:
    return len(re.findall(r"(?<![\w-])" + re.escape(form) + r"(?![\w-])", text))


def candidate(form: str, forms: list[str]) -> bool:
    abbreviation = " " not in form and sum(c.isupper() for c in form) >= 2
    first_word = " " not in form and any(other.startswith(form + " ") for other in forms)
    return not (abbreviation or first_word or form.startswith(OPENERS) or "'s " in form)


def preferred(forms: list[str], text: str) -> str:
    eligible = [f for f in forms if candidate(f, forms)] or forms
    return max(eligible, key=lambda f: (uses(text, f), len(f)))


def named_entities(graph: Graph) -> set:
    classes = set()
    for top in (KZO.Organization, KZO.Place, KZO.Programme):
        classes |= set(graph.transitive_subjects(RDFS.subClassOf, top))
    return {e for c in classes for e in graph.subjects(RDF.type, c)}


def test_preflabel_is_the_name_the_article_uses_most(graph, text):
    wrong = []
    for entity in named_entities(graph):
        forms = [str(label) for p in (SKOS.prefLabel, SKOS.altLabel) for label in graph.objects(entity, p)]
        want = preferred(forms, text)
        have = str(graph.value(entity, SKOS.prefLabel))
        if have != want:
            wrong.append(f"{entity}: {have!r} (used {uses(text, have)}x), want {want!r} (used {uses(text, want)}x)")
    assert not wrong, "prefLabel is not the name the article uses most: " + "; ".join(sorted(wrong))


def test_issue_16_examples(graph):
    assert str(graph.value(KZ["hizb-ut-tahrir"], SKOS.prefLabel)) == "Hizb ut-Tahrir"
    assert str(graph.value(KZ["national-security-committee"], SKOS.prefLabel)) == "National Security Committee"
    alts = {str(a) for a in graph.objects(KZ["hizb-ut-tahrir"], SKOS.altLabel)}
    assert {"Hizb ut-Tahrir al-Islami", "HuT"} <= alts


def test_the_rule_prefers_use_then_fullness():
    text = "The KNB said. The National Security Committee said. Kazakhstan's National Security Committee said."
    forms = ["Committee on National Security of Kazakhstan", "National Security Committee", "KNB"]
    assert preferred(forms, text) == "National Security Committee"
    assert preferred(["Forum for Peace and Stability", "Forum"], "the Forum. the Forum for Peace and Stability") \
        == "Forum for Peace and Stability"
    assert preferred(["Arystan unit", "special Arystan unit"], "the special Arystan unit") == "special Arystan unit"
