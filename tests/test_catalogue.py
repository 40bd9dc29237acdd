"""The named-query catalogue: headers parse, parameters are typed, columns match the queries."""

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzct.catalogue import CatalogueError, ParamError, bind, load_catalogue, parse_named_query, with_values

QUERY_DIR = Path(__file__).parents[1] / "queries"
CATALOGUE = load_catalogue(QUERY_DIR)


def test_catalogue_covers_the_common_questions():
    assert {
        "affiliation-chains", "reachable-organizations", "organization-ties", "bans", "ban-requests",
        "organization-people", "person-statements", "events", "cooperation-partners", "contradictions",
        "negations-and-denials", "entity-lookup", "about-entity",
    } <= set(CATALOGUE)


@pytest.mark.parametrize("path", sorted(QUERY_DIR.glob("*.rq")), ids=lambda p: p.stem)
def test_header_is_complete_and_query_parses(path):
    query = parse_named_query(path)
    assert query.summary and query.description and query.columns and query.tags
    for param in query.params:
        assert param.example is not None or not param.required, param.name
    bound = {p.name: None for p in query.params}
    text = with_values(query, bound) if not query.computed else query.text
    parsed = ox.Store().query(text)  # raises SyntaxError on a malformed query
    if not query.computed:
        assert [v.value for v in parsed.variables] == list(query.columns)


def test_values_are_typed_terms_not_text():
    query = CATALOGUE["events"]
    hostile = 'x" ) } } DELETE WHERE { ?s ?p ?o } #'
    text = with_values(query, bind(query, {"kind": hostile}))
    assert "VALUES (?place ?year ?kind) { (UNDEF UNDEF " + str(ox.Literal(hostile)) + ") }" in text
    result = ox.Store().query(text)  # still one SELECT query
    assert [v.value for v in result.variables] == list(query.columns)


@pytest.mark.parametrize("name, value, message", [
    ("from", "2006-13-45", "not a date"),
    ("from", "yesterday", "not a date"),
    ("to", "2006", "not a date"),
])
def test_mistyped_parameter_names_parameter_and_type(name, value, message):
    with pytest.raises(ParamError) as error:
        bind(CATALOGUE["bans"], {name: value})
    assert error.value.param == name and error.value.expected == "xsd:date"
    assert message in str(error.value) and name in str(error.value)


def test_missing_required_parameter():
    with pytest.raises(ParamError, match="'name' is required; expected xsd:string"):
        bind(CATALOGUE["entity-lookup"], {})


def test_header_errors_are_reported(tmp_path):
    bad = tmp_path / "bad-query.rq"
    bad.write_text("#+ summary: [unclosed\nSELECT * WHERE {}\n")
    with pytest.raises(CatalogueError, match="bad-query.rq"):
        parse_named_query(bad)
    bad.write_text("SELECT * WHERE {}\n")
    with pytest.raises(CatalogueError, match="no '#\\+' header"):
        parse_named_query(bad)


def test_example_url_carries_example_parameters():
    assert CATALOGUE["organization-ties"].example_url == "/queries/organization-ties?organization=Al-Qaeda"
    assert re.fullmatch(r"/queries/contradictions", CATALOGUE["contradictions"].example_url)
