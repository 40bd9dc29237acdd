"""The SHACL shapes against their examples in tests/shapes/.

Each example's first line states what validation must report: ``# expect: kzsh:<Shape> Violation``
(that shape, or the node shape it belongs to, is the source of a Violation result) or
``# expect: conforms``. Every Violation property shape in shapes/ has an example.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kzct.namespaces import KZSH
from kzct.paths import SHAPES_DIR
from kzct.validation import load_ontology, load_shapes, validate

EXAMPLES_DIR = Path(__file__).parent / "shapes"
EXPECT = re.compile(r"^# expect: (?:kzsh:(?P<shape>[A-Za-z-]+) (?P<severity>Violation)|(?P<conforms>conforms))\s*$")
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(SHAPES_DIR)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


def expectation(path: Path) -> re.Match:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: kzsh:<Shape> Violation' or '# expect: conforms'"
    return match


def violation_sources(report: Graph, shapes: Graph) -> set:
    """Source shapes of the Violation results, with the node shapes that hold them."""
    sources = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if (result, SH.resultSeverity, SH.Violation) not in report:
            continue
        shape = report.value(result, SH.sourceShape)
        sources.add(shape)
        sources.update(shapes.subjects(SH.property, shape))
    return sources


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_gives_expected_result(path, shapes, ontology):
    expected = expectation(path)
    data = Graph().parse(path)
    result = validate(data, shapes, ontology, "none")
    if expected["conforms"]:
        assert result.conforms, result.text()
    else:
        shape = KZSH[expected["shape"]]
        assert (shape, None, None) in shapes, f"{path.name} names a shape that does not exist"
        assert shape in violation_sources(result.report, shapes), result.text()


def test_every_violation_shape_has_an_example(shapes):
    violation_shapes = {
        str(s).removeprefix(str(KZSH)) for s in shapes.subjects(SH.severity, SH.Violation)
        if (s, RDF.type, SH.PropertyShape) in shapes or (s, SH.sparql, None) in shapes or (s, SH["or"], None) in shapes
    }
    examples = {m["shape"] for m in map(expectation, EXAMPLES) if m["shape"]}
    assert violation_shapes - examples == set(), "Violation shapes without an example in tests/shapes/"


def test_there_is_a_conforming_example():
    assert any(expectation(p)["conforms"] for p in EXAMPLES)
