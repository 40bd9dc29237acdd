"""The query page over the Flask test client: its policy, settings, and when /sparql answers with it."""

from __future__ import annotations

import json
import re

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def settings_of(response) -> dict:
    match = re.search(r'<script type="application/json" id="kzct-settings">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    return json.loads(match.group(1))


def test_page_has_a_strict_policy_and_its_settings(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'" and policy["connect-src"] == "'self'"
    settings = settings_of(response)
    assert settings["endpoint"] == "/sparql"
    assert settings["prefixes"]["kz"] == "https://w3id.org/kzct/id/"
    names = [e["name"] for e in settings["examples"]]
    assert "affiliation-chains" in names and names == sorted(names)
    assert all(e["text"].startswith("#+ summary:") for e in settings["examples"])


def test_page_loads_only_local_scripts_and_styles(client):
    html = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
    for path in ("/static/app.js", "/static/views.js", "/static/app.css",
                 "/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css"):
        assert client.get(path).status_code == 200, path


def test_query_in_the_page_url_is_embedded_safely(client):
    query = 'SELECT * WHERE { ?s ?p "</script><b>" }'
    html = client.get("/", query_string={"query": query}).get_data(as_text=True)
    embedded = re.search(r'id="kzct-query">(.*?)</script>', html, re.S).group(1)
    assert json.loads(embedded) == query and "</script><b>" not in embedded


def test_sparql_gives_browsers_navigating_to_a_query_the_page(client):
    response = client.get("/sparql", query_string={"query": SELECT},
                          headers={"Accept": BROWSER, "Sec-Fetch-Mode": "navigate"})
    assert response.mimetype == "text/html" and "Content-Security-Policy" in response.headers
    explicit = client.get("/sparql", query_string={"query": SELECT, "format": "html"})
    assert explicit.mimetype == "text/html"


def test_sparql_keeps_answering_scripts_with_results(client):
    scripted = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": BROWSER})
    # application/xml;q=0.9 in a browser's Accept means SPARQL XML for a SELECT (issue 15)
    assert scripted.mimetype == "application/sparql-results+xml"
    fetched = client.get("/sparql", query_string={"query": SELECT},
                         headers={"Accept": "application/sparql-results+json", "Sec-Fetch-Mode": "navigate"})
    assert fetched.mimetype == "application/sparql-results+json"
