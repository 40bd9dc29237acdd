"""Data quality of the real ontology/, graph/ and shapes/ folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from kzct.cli import main
from kzct.consistency import find_clashes
from kzct.coverage import coverage
from kzct.namespaces import KZO
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, ROOT, SHAPES_DIR, SOURCE_FILE
from kzct.rdfparse import parse_file, parse_files, turtle_files
from kzct.reasoning import input_files, owlrl_closure
from kzct.source import read_source
from kzct.validation import validate_project

EXCLUSIONS_FILE = ROOT / "docs" / "coverage-exclusions.md"
EXCLUSION_ITEM = re.compile(r'^- "(.*)" — (.+)$')
FOLDERS = [ONTOLOGY_DIR, GRAPH_DIR, SHAPES_DIR]


@pytest.fixture(scope="module")
def graph():
    return parse_files(turtle_files(GRAPH_DIR))


@pytest.fixture(scope="module")
def shapes():
    return parse_files(turtle_files(SHAPES_DIR))


@pytest.fixture(scope="module")
def ontology():
    return parse_file(ONTOLOGY_DIR / "kzct.ttl")


@pytest.mark.parametrize("path", [p for folder in FOLDERS for p in turtle_files(folder)],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_file_parses(path):
    assert len(parse_file(path)) > 0


def test_every_quote_is_verbatim_in_the_source(graph):
    text = read_source(SOURCE_FILE)
    missing = sorted({str(q) for q in graph.objects(None, KZO.quote) if str(q) not in text})
    assert not missing, "quotes not found verbatim in the source:\n" + "\n".join(missing)


@pytest.mark.parametrize("folder", [GRAPH_DIR, SHAPES_DIR], ids=lambda p: p.name)
def test_every_kzo_term_is_declared_in_the_ontology(folder, ontology):
    declared = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    used = set()
    for triple in parse_files(turtle_files(folder)):
        used.update(t for t in triple if isinstance(t, URIRef) and t.startswith(str(KZO)))
    undeclared = sorted(used - declared)
    assert not undeclared, "kzo: terms not declared in ontology/kzct.ttl:\n" + "\n".join(undeclared)


def test_turtle_files_are_formatted(capsys):
    status = main(["fmt", "--check", *(str(folder) for folder in FOLDERS)])
    assert status == 0, "run `kzct fmt` on these files:\n" + capsys.readouterr().out


def test_graph_conforms_to_the_shapes(shapes):
    assert len(shapes) > 0, "no shapes in shapes/"
    result = validate_project()
    assert result.conforms, result.text()


def test_closure_is_consistent():
    inputs = parse_files(input_files())
    clashes = find_clashes(inputs, owlrl_closure(inputs).closure)
    assert not clashes, "\n".join(f"{c.kind}: {c.message}" for c in clashes)


def read_exclusions(path: Path = EXCLUSIONS_FILE) -> dict[str, str]:
    """The excluded sentences and why, from the Markdown list in docs/coverage-exclusions.md."""
    items = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXCLUSION_ITEM.match(line)
        if match:
            items[match.group(1)] = match.group(2)
    return items


def test_coverage_is_complete(graph, capsys):
    text = read_source(SOURCE_FILE)
    excluded = read_exclusions()
    stale = sorted(s for s in excluded if s not in text)
    assert not stale, "excluded sentences not in the source:\n" + "\n".join(stale)
    report = coverage(graph, text)
    uncovered = [s for s in report.uncovered if s.text not in excluded]
    with capsys.disabled():
        print(f"\ncoverage: {len(report.covered)}/{len(report.sentences)} content sentences quoted "
              f"({report.share:.1%}); {len(excluded)} excluded, {len(uncovered)} missing")
    assert not uncovered, "sentences no statement quotes:\n" + "\n".join(
        f"[{s.section or 'lead'}] {s.text}" for s in uncovered)
