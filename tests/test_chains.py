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


# --- issue 15: the chains as a named graph --------------------------------------------------------

CHAIN_ROWS = """PREFIX kzch: <https://w3id.org/kzct/chains#>
SELECT ?chain ?start ?end ?rank ?length ?weakest ?position ?from ?to ?tie ?status ?claimant ?quote WHERE {
  GRAPH <https://w3id.org/kzct/id/graph/chains> {
    ?chain a kzch:Chain ; kzch:start ?start ; kzch:end ?end ; kzch:rank ?rank ; kzch:length ?length ;
           kzch:weakestStatus ?weakest ; kzch:hop ?hop .
    ?hop kzch:position ?position ; kzch:from ?from ; kzch:to ?to ; kzch:tie ?tie ; kzch:status ?status .
    OPTIONAL { ?hop kzch:claimant ?claimant }
    OPTIONAL { ?hop kzch:quote ?quote }
  }
}"""


def graph_documents(store) -> dict[tuple[str, str], list[dict]]:
    """The chains graph read back into the named query's document shape, by (start, end)."""
    from kzct.chains import status_name

    paths: dict[tuple[str, str], dict[int, dict]] = {}
    for row in store.query(CHAIN_ROWS):
        pair = (row["start"].value, row["end"].value)
        path = paths.setdefault(pair, {}).setdefault(int(row["rank"].value), {
            "path": int(row["rank"].value), "length": int(row["length"].value),
            "weakestStatus": status_name(row["weakest"].value), "hops": {}})
        hop = path["hops"].setdefault(int(row["position"].value), {
            "from": row["from"].value, "to": row["to"].value, "tie": row["tie"].value,
            "status": status_name(row["status"].value), "claimants": set(), "quotes": set()})
        if row["claimant"] is not None:
            hop["claimants"].add(row["claimant"].value)
        if row["quote"] is not None:
            hop["quotes"].add(row["quote"].value)
    return {pair: [dict(p, hops=[p["hops"][i] for i in sorted(p["hops"])]) for _, p in sorted(by_rank.items())]
            for pair, by_rank in paths.items()}


def query_document(select, start: str, end: str) -> list[dict]:
    table = run(QUERIES["affiliation-chains"], {"from": start, "to": end, "max-hops": "6"}, select)
    return [{"path": p["path"], "length": p["length"], "weakestStatus": p["weakestStatus"],
             "hops": [{"from": h["from"]["iri"], "to": h["to"]["iri"], "tie": h["tie"], "status": h["status"],
                       "claimants": {c["iri"] for c in h["claimants"]}, "quotes": set(h["quotes"])}
                      for h in p["hops"]]}
            for p in table.document["paths"]]


def check_graph_agrees_with_the_query(store, select) -> int:
    from kzct.chaingraph import materialize

    store.extend(materialize(store))
    documents = graph_documents(store)
    organizations = sorted({o for pair in documents for o in pair})
    assert organizations
    compared = 0
    for start in organizations:
        for end in organizations:
            if start != end:
                assert documents.get((start, end), []) == query_document(select, start, end), (start, end)
                compared += len(documents.get((start, end), []))
    return compared


def test_issue_15_chains_graph_agrees_with_the_named_query():
    store = store_of(DATA)
    assert check_graph_agrees_with_the_query(store, selector(store)) > 5


def test_issue_15_project_chains_graph_agrees_with_the_named_query():
    from kzct.dataset import load_project
    from kzct.namespaces import GRAPH_CHAINS

    dataset = load_project()
    assert dataset.graphs[str(GRAPH_CHAINS)] > 0
    store = dataset.store
    documents = graph_documents(store)

    def select(query: str):  # the project's default graph is already the union
        result = store.query(query)
        names = [v.value for v in result.variables]
        return names, [{n: solution[n] for n in names} for solution in result]

    for (start, end), paths in documents.items():
        assert paths == query_document(select, start, end), (start, end)
    assert sum(len(p) for p in documents.values()) > 100
