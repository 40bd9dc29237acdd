"""Every SPARQL block of docs/model.md runs over ontology + graph and gives the answer it states.

Inside a block, ``# expect:`` lines state part of the answer:

- ``?var includes A, B`` / ``?var excludes A, B``: values of ``?var`` over all rows;
- ``?var order A, B, C``: those values first appear in this order;
- ``row ?a=A ?b=B``: some row binds each variable to that value;
- ``rows >= N``: at least N rows.

Values are prefixed IRIs (``kz:``, ``kzo:``, ...), ``"text"@en`` literals or integers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kzct.namespaces import PREFIXES
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, ROOT
from kzct.rdfparse import parse_files, turtle_files

DOC = ROOT / "docs" / "model.md"
BLOCK = re.compile(r"```sparql\n(.*?)```", re.S)
EXPECT = re.compile(r"^# expect: (.*)$", re.M)
VALUE = r'"(?:[^"\\]|\\.)*"(?:@[A-Za-z-]+)?|\S+'
BINDING = re.compile(r"\?(\w+)=(" + VALUE + ")")


def blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graph() -> Graph:
    return parse_files(turtle_files(ONTOLOGY_DIR) + turtle_files(GRAPH_DIR))


def term(text: str):
    text = text.strip()
    literal = re.fullmatch(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z-]+))?', text)
    if literal:
        return Literal(literal.group(1).replace('\\"', '"'), lang=literal.group(2))
    if re.fullmatch(r"-?\d+", text):
        return Literal(int(text))
    prefix, _, local = text.partition(":")
    assert prefix in PREFIXES, f"unknown prefix in expectation: {text}"
    return URIRef(PREFIXES[prefix] + local)


def values(rows, var: str) -> list:
    return [row[var] for row in rows if row.get(var) is not None]


def check(expectation: str, rows: list[dict]) -> None:
    if expectation.startswith("rows >= "):
        assert len(rows) >= int(expectation.split()[-1]), f"fewer rows than {expectation}"
    elif expectation.startswith("row "):
        wanted = {var: term(value) for var, value in BINDING.findall(expectation)}
        assert any(all(row.get(v) == t for v, t in wanted.items()) for row in rows), f"no row with {expectation}"
    else:
        match = re.fullmatch(r"\?(\w+) (includes|excludes|order) (.*)", expectation)
        assert match, f"cannot read expectation: {expectation}"
        var, verb, listed = match.groups()
        wanted = [term(v) for v in listed.split(",")]
        found = values(rows, var)
        if verb == "includes":
            assert set(wanted) <= set(found), f"missing from ?{var}: {set(wanted) - set(found)}"
        elif verb == "excludes":
            assert not set(wanted) & set(found), f"unexpected in ?{var}: {set(wanted) & set(found)}"
        else:
            firsts = [found.index(w) for w in wanted if w in found]
            assert len(firsts) == len(wanted), f"missing from ?{var}: {[w for w in wanted if w not in found]}"
            assert firsts == sorted(firsts), f"?{var} not in the order {listed}"


def test_doc_has_the_worked_queries():
    assert len(blocks()) >= 11
    assert all(EXPECT.search(block) for block in blocks()), "every query states part of its answer"


@pytest.mark.parametrize("query", blocks(), ids=lambda q: re.search(r"SELECT[^\n]*", q).group(0)[:60])
def test_doc_query_gives_stated_answer(graph, query):
    rows = [row.asdict() for row in graph.query(query)]
    assert rows, "the query returned nothing"
    for expectation in EXPECT.findall(query):
        check(expectation, rows)
