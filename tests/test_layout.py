"""One layout for every HTML page, the favicon, /search, /download/, and HTML error pages for
people (issue 17), over the Flask test client on the small graph."""

from __future__ import annotations

import re

import pytest

from support import assert_problem

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NAVIGATE = {"Accept": BROWSER, "Sec-Fetch-Mode": "navigate"}
NAV_LINKS = ['href="/"', 'href="/queries"', 'href="/ontology"', 'href="/.well-known/void"', 'href="/validate"']


def assert_layout(response, current: str | None = None) -> str:
    assert response.mimetype == "text/html", response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert [link for link in NAV_LINKS if link in nav] == NAV_LINKS
    marked = re.findall(r'<a href="([^"]+)" aria-current="page">', nav)
    assert marked == ([current] if current else [])
    assert 'action="/search"' in html and 'name="q"' in html
    assert 'href="/favicon.ico"' in html and 'href="/static/site.css"' in html
    assert "<style" not in html and " style=" not in html  # everything from site.css, under the policy
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    return html


@pytest.mark.parametrize("path, current", [
    ("/", "/"),
    ("/queries", "/queries"),
    ("/ontology", "/ontology"),
    ("/id/alpha-group", None),
    ("/.well-known/void", "/.well-known/void"),
    ("/validate", "/validate"),
    ("/search?q=Alpha", None),
    ("/shapes", None),
    ("/shapes/Organization-prefLabel", None),
    ("/service", None),
    ("/chains", None),
    ("/problems", None),
])
def test_issue_17_every_page_has_the_layout(client, path, current):
    assert_layout(client.get(path, headers={"Accept": BROWSER}), current)


def test_issue_17_download_index_lists_every_dump(make_app, tmp_path):
    app = make_app(DUMP_DIR=str(tmp_path), DUMP_WAIT=60)
    response = app.test_client().get("/download/", headers={"Accept": BROWSER})
    html = assert_layout(response, "/.well-known/void")
    for ext in ("ttl", "nt", "nq", "trig", "jsonld"):
        assert re.search(rf'href="/download/kzct-[^"]+\.{ext}"', html), ext
        assert re.search(rf'href="/download/kzct-[^"]+\.{ext}\.sha256"', html), ext


def test_issue_17_favicon_ico(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
    response.close()


def test_issue_17_sparql_without_a_query_gives_a_browser_the_query_page(client):
    assert_layout(client.get("/sparql", headers=NAVIGATE), "/")
    # Clients, and browsers asking for Turtle, keep the Service Description.
    assert client.get("/sparql").mimetype == "text/turtle"
    assert client.get("/sparql", headers={"Accept": "text/turtle", "Sec-Fetch-Mode": "navigate"}).mimetype == "text/turtle"
    assert client.get("/sparql", query_string={"format": "turtle"}, headers=NAVIGATE).mimetype == "text/turtle"


def test_issue_17_errors_are_pages_for_people_and_problem_json_for_clients(client):
    page = client.get("/id/nothing-here", headers=NAVIGATE)
    assert page.status_code == 404
    html = assert_layout(page)
    assert "<h1>Not Found</h1>" in html and "is not in this dataset" in html
    assert_problem(client.get("/id/nothing-here", headers={"Accept": BROWSER}), 404)  # a script's fetch
    assert_problem(client.get("/id/nothing-here"), 404)


def test_issue_17_search_ranks_forgivingly_and_escapes(client):
    html = assert_layout(client.get("/search", query_string={"q": "Gama Netwrk"}))
    first = re.search(r"<tbody>\s*<tr>\s*<td><a href=\"([^\"]+)\"", html).group(1)
    assert first == "/id/gamma-network"
    html = client.get("/search", query_string={"q": "<script>x</script>"}).get_data(as_text=True)
    assert "<script>x</script>" not in html and "No entity has a name like" in html
    assert "Type a name in the box above" in client.get("/search").get_data(as_text=True)
    assert_problem(client.get("/search", query_string={"q": "x" * 300}), 400)


def test_issue_17_queries_page_opens_each_query_in_the_query_page(client):
    html = assert_layout(client.get("/queries", headers={"Accept": BROWSER}), "/queries")
    assert 'href="/?example=affiliation-chains&amp;from=' in html
    listed = client.get("/queries", headers={"Accept": "application/json"}).get_json()
    chains = next(q for q in listed if q["name"] == "affiliation-chains")
    assert next(p for p in chains["params"] if p["name"] == "status")["values"] == ["any", "asserted"]
