"""Affiliation chains over tie statements, on a small graph (tests/data/ties.ttl)."""

from pathlib import Path

import pytest

from kzct.catalogue import ParamError, load_catalogue
from kzct.named import run
from support import selector, store_of

DATA = Path(__file__).parent / "data" / "ties.ttl"
QUERIES = load_catalogue(Path(__file__).parents[1] / "queries")


@pytest.fixture(scope="module")
def select():
    return selector(store_of(DATA))


def hops(table):
    paths = {}
    for row in table.rows:
        paths.setdefault(int(row["path"].value), []).append(row["tie"].value.rsplit("/", 1)[1])
    return [paths[n] for n in sorted(paths)]


def test_every_simple_path_shortest_first(select):
    table = run(QUERIES["affiliation-chains"], {"from": "Group A", "to": "Group D"}, select)
    assert hops(table) == [
        ["tie-a-d"],
        ["tie-a-b", "tie-b-d"],
        ["tie-a-c", "tie-c-d"],
    ]
    assert [p["length"] for p in table.document["paths"]] == [1, 2, 2]


def test_asserted_walks_only_asserted_ties(select):
    table = run(QUERIES["affiliation-chains"], {"from": "kz:a", "to": "kz:d", "status": "asserted"}, select)
    assert hops(table) == []
    table = run(QUERIES["affiliation-chains"], {"from": "kz:c", "to": "kz:d", "status": "asserted"}, select)
    assert hops(table) == [["tie-c-d"]]
    assert all(row["status"].value == "asserted" for row in table.rows)


def test_hops_carry_status_claimant_and_quote(select):
    table = run(QUERIES["affiliation-chains"], {"from": "GA", "to": "Grp C", "max-hops": "1"}, select)
    [path] = table.document["paths"]
    [hop] = path["hops"]
    assert hop["status"] == "claimed"
    assert hop["claimants"] == [{"iri": "https://w3id.org/kzct/id/official", "label": "An Official"}]
    assert hop["quotes"] == ["The official says A and C are tied."]
    assert path["weakestStatus"] == "claimed"


def test_max_hops_bounds_the_chain(select):
    table = run(QUERIES["affiliation-chains"], {"from": "kz:b", "to": "kz:c", "max-hops": "2"}, select)
    assert hops(table) == [["tie-a-b", "tie-a-c"], ["tie-b-d", "tie-c-d"]]
    table = run(QUERIES["affiliation-chains"], {"from": "kz:b", "to": "kz:c", "max-hops": "1"}, select)
    assert hops(table) == []


def test_people_are_not_walked(select):
    with pytest.raises(ParamError) as error:
        run(QUERIES["affiliation-chains"], {"from": "Person P", "to": "kz:d"}, select)
    assert error.value.param == "from"


def test_reachable_organizations_by_distance(select):
    table = run(QUERIES["reachable-organizations"], {"from": "kz:b", "max-hops": "1"}, select)
    assert [(r["label"].value, r["hops"].value) for r in table.rows] == [("Group A", "1"), ("Group D", "1")]
    table = run(QUERIES["reachable-organizations"], {"from": "kz:b", "status": "asserted"}, select)
    assert [(r["label"].value, r["hops"].value) for r in table.rows] == [("Group A", "1")]


@pytest.mark.parametrize("params, name", [
    ({"to": "kz:d"}, "from"),
    ({"from": "kz:a", "to": "kz:d", "max-hops": "seven"}, "max-hops"),
    ({"from": "kz:a", "to": "kz:d", "max-hops": "99"}, "max-hops"),
    ({"from": "kz:a", "to": "kz:d", "status": "maybe"}, "status"),
    ({"from": "kz:a", "to": "No Such Group"}, "to"),
    ({"from": "kz:a", "to": "kz:d", "colour": "red"}, "colour"),
])
def test_bad_parameters_name_the_parameter(select, params, name):
    with pytest.raises(ParamError) as error:
        run(QUERIES["affiliation-chains"], params, select)
    assert error.value.param == name
    assert name in str(error.value)
