"""Named queries on the real graph: each runs with its example, and answers what it promises."""

import csv
import io
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from support import assert_problem
from kzct import querydocs
from kzct.catalogue import load_catalogue
from kzct.web.app import create_app

QUERY_DIR = Path(__file__).parents[1] / "queries"
CATALOGUE = load_catalogue(QUERY_DIR)
KZ = "https://w3id.org/kzct/id/"
JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def project():
    app = create_app({"TIMEOUT": 20})
    yield app.test_client()
    app.extensions["kzct.engine"].close()


def rows(client, url):
    response = client.get(url, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_named_query_runs_with_its_example(project, name):
    query = CATALOGUE[name]
    response = project.get(query.example_url, headers={"Accept": JSON_RESULTS})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json(force=True)
    assert body["head"]["vars"] == list(query.columns)
    assert body["results"]["bindings"], f"{query.example_url} returned no rows"


def test_chains_from_akromiya_to_al_qaeda(project):
    hops = rows(project, "/queries/affiliation-chains?from=Akromiya&to=Al-Qaeda")
    paths = {}
    for hop in hops:
        paths.setdefault(hop["path"], []).append(hop)
    routes = [[h["toLabel"] for h in p] for p in paths.values()]
    assert ["Islamic Movement of Uzbekistan", "Al-Qaeda"] in routes
    assert any(r[0] == "Hizb ut-Tahrir" and r[-1] == "Al-Qaeda" for r in routes)
    # Akromiya's ties are only claimed (by Kyrgyz and Uzbek officials), so every chain has a claimed hop.
    first = [p[0] for p in paths.values()]
    assert all(h["status"] == "claimed" and "Kyrgyz government officials" in h["claimants"] for h in first)
    lengths = [int(p[0]["length"]) for p in paths.values()]
    assert lengths == sorted(lengths)


def test_asserted_chains_never_pass_a_claimed_hop(project):
    assert rows(project, "/queries/affiliation-chains?from=Akromiya&to=Al-Qaeda&status=asserted") == []
    hops = rows(project, "/queries/affiliation-chains?from=JCAM&to=IMU&status=asserted")
    assert hops and all(h["status"] == "asserted" for h in hops)
    assert {h["to"] for h in hops} >= {KZ + "al-qaeda", KZ + "islamic-movement-of-uzbekistan"}


def test_chains_answer_nested_json(project):
    response = project.get("/queries/affiliation-chains?from=kz:akromiya&to=kz:al-qaeda&max-hops=2",
                           headers={"Accept": "application/json"})
    document = response.get_json()
    assert document["maxHops"] == 2 and document["status"] == "any"
    for path in document["paths"]:
        assert 1 <= path["length"] <= 2
        for hop in path["hops"]:
            assert hop["quotes"] and hop["status"] in ("asserted", "claimed", "alleged")
            assert hop["status"] == "asserted" or hop["claimants"] or hop["status"] == "alleged"


def test_lookup_is_alias_aware(project):
    for name in ("JCMA", "JCAM", "JMCA", "jamaat of central asian"):
        found = rows(project, f"/queries/entity-lookup?name={name}")
        assert found[0]["entity"] == KZ + "jamaat-of-central-asian-mujahedins", name


@pytest.mark.parametrize("typed, iri", [
    ("Tabligi", "tablighi-jamaat"),
    ("Hizb-ut-Takhrir", "hizb-ut-tahrir"),
    ("hizb ut tahrir", "hizb-ut-tahrir"),
    ("Хизб ут-Тахрир", "hizb-ut-tahrir"),
    ("Akromia", "akromiya"),
    ("Al Kaida", "al-qaeda"),
])
def test_issue_17_lookup_forgives_typos_and_transliteration(project, typed, iri):
    found = rows(project, f"/queries/entity-lookup?name={typed}")
    assert found[0]["entity"] == KZ + iri, (typed, found[:3])
    assert found[0]["matched"] and found[0]["type"]
    scores = [round(float(r["score"])) for r in found[1:]]
    assert scores == sorted(scores, reverse=True)  # ranked (the first may be an exact name)
    assert len({r["entity"] for r in found}) == len(found)  # each entity once


def test_issue_17_lookup_finds_nothing_for_nonsense(project):
    assert rows(project, "/queries/entity-lookup?name=qqqqxxxzzz") == []


def test_issue_17_about_entity_gives_every_row_a_role_once(project):
    found = rows(project, "/queries/about-entity?entity=kz:hizb-ut-tahrir")
    assert found and all(r["role"] for r in found)
    statements = [r["statement"] for r in found]
    assert len(statements) == len(set(statements))
    assert not any(r["role"] in ("about", "subject") for r in found if r["kind"] == "Designation")


def test_al_qaeda_ties_by_status(project):
    ties = rows(project, "/queries/organization-ties?organization=Al-Qaeda")
    asserted = {t["otherLabel"] for t in ties if t["status"] == "asserted"}
    claimed = {(t["otherLabel"], t["claimants"]) for t in ties if t["status"] == "claimed"}
    assert {"Islamic Movement of Uzbekistan", "Jamaat of Central Asian Mujahedins"} <= asserted
    assert any(org == "Hizb ut-Tahrir" and "Saulebek Zhamkenuly" in who for org, who in claimed)
    assert "Hizb ut-Tahrir" not in asserted


def test_bans_in_a_date_range(project):
    bans = rows(project, "/queries/bans?from=2006-11-01&to=2006-11-30")
    assert {b["organizationLabel"] for b in bans} == {"Aum Shinrikyo", "East Turkestan Liberation Organization"}
    assert {b["date"] for b in bans} == {"2006-11-17"}
    assert {b["body"] for b in bans} == {KZ + "supreme-court"}


def test_negations_include_the_lead(project):
    found = rows(project, "/queries/negations-and-denials?only=negated")
    assert any("No terrorist attack has ever been carried out successfully in Kazakhstan" in r["quote"]
               for r in found)
    assert {r["status"] for r in found} == {"negated"}


def test_contradictions_include_spellings_and_the_ban_request(project):
    found = rows(project, "/queries/contradictions")
    quotes = " ".join(r["quote"] for r in found)
    assert "Astana City Court" in quotes and "17 March 2005" in quotes
    assert {"SpellingVariant", "DateConflict"} <= {r["kind"] for r in found}


@pytest.mark.parametrize("url, name", [
    ("/queries/bans?from=2006-02-30", "from"),
    ("/queries/affiliation-chains?from=Akromiya", "to"),
    ("/queries/affiliation-chains?from=Akromiya&to=Al-Qaeda&max-hops=x", "max-hops"),
    ("/queries/events?year=06", "year"),
    ("/queries/organization-ties?organization=Nobody+At+All", "organization"),
    ("/queries/bans?from=2006-01-01&from=2007-01-01", "from"),
])
def test_bad_parameter_gets_400_naming_it(project, url, name):
    body = assert_problem(project.get(url), 400)
    assert f"'{name}'" in body["detail"]


def test_unknown_query_is_404(project):
    assert_problem(project.get("/queries/no-such-query"), 404)


def test_catalogue_listing_openapi_and_docs_agree(project):
    listed = project.get("/queries", headers={"Accept": "application/json"}).get_json()
    assert [q["name"] for q in listed] == sorted(CATALOGUE)
    html = project.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert all(f">{name}</a>" in html for name in CATALOGUE)
    spec = project.get("/openapi.json").get_json()
    validate(spec)
    assert {p.removeprefix("/queries/") for p in spec["paths"] if p != "/queries"} == set(CATALOGUE)
    for name, query in CATALOGUE.items():
        params = spec["paths"][f"/queries/{name}"]["get"]["parameters"]
        assert [p["name"] for p in params] == [p.name for p in query.params] + ["format"]
    document = querydocs.DOC.read_text(encoding="utf-8")
    assert document == querydocs.render(project), "docs/queries.md is stale: run python -m kzct.querydocs"
