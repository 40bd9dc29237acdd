"""The query page in headless Chromium: editor, examples, table, chain graph, timeline, errors.

Screenshots of each state go to ``test-output/screenshots/``; every test also checks, from the
browser's own network log, that nothing was requested from any host but 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import foreign, requested_urls, screenshot  # tests/browser/conftest.py

KZ = "https://w3id.org/kzct/id/"
JSON_RESULTS = "application/sparql-results+json"


def wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(condition)


def open_page(driver, site, path: str = "/"):
    driver.get(site.url + path)
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def set_query(driver, text: str) -> None:
    driver.execute_script("document.querySelector('#editor .CodeMirror').CodeMirror.setValue(arguments[0])", text)


def editor_text(driver) -> str:
    return driver.execute_script("return document.querySelector('#editor .CodeMirror').CodeMirror.getValue()")


def table(driver) -> tuple[list[str], list[list[str]]]:
    """Column names and cell texts of the results table, once it has rendered."""
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#view-table table.results"))
    head = [th.text.rstrip(" ▲▼") for th in driver.find_elements(By.CSS_SELECTOR, "#view-table thead th")]
    rows = driver.find_elements(By.CSS_SELECTOR, "#view-table table.results tbody tr")
    return head, [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def assert_stayed_home(driver) -> None:
    urls = requested_urls(driver)
    assert urls, "the performance log recorded no requests"
    assert foreign(urls) == []
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []  # Content-Security-Policy violations and script errors are logged here


ORGANIZATIONS = """PREFIX kzo: <https://w3id.org/kzct/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?name WHERE { ?org a kzo:ArmedGroup ; skos:prefLabel ?name } ORDER BY ?name"""


def test_page_loads_everything_from_this_host_under_its_policy(browser, site):
    open_page(browser, site)
    assert browser.find_element(By.CSS_SELECTOR, "#editor .CodeMirror").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#example-list li")
    policy = requests.get(site.url + "/", timeout=10).headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe" not in policy
    screenshot(browser, "01-page")
    urls = requested_urls(browser)
    assert any(u.endswith("/static/vendor/yasgui/yasgui.min.js") for u in urls)
    assert foreign(urls) == []
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_editor_query_runs_with_the_keyboard_and_fills_a_sortable_linked_table(browser, site):
    open_page(browser, site)
    set_query(browser, ORGANIZATIONS)
    browser.find_element(By.CSS_SELECTOR, "#editor .CodeMirror textarea").send_keys(Keys.CONTROL, Keys.ENTER)
    head, rows = table(browser)
    assert head == ["org", "name"]
    assert rows == [["kz:a", "Group A"], ["kz:b", "Group B"], ["kz:c", "Group C"]]
    link = browser.find_element(By.CSS_SELECTOR, "#view-table tbody tr a.iri")
    assert link.get_attribute("href") == site.url + "/id/a"
    browser.find_element(By.CSS_SELECTOR, "#view-table thead th:nth-child(2) button").click()
    browser.find_element(By.CSS_SELECTOR, "#view-table thead th:nth-child(2) button").click()
    assert [r[1] for r in table(browser)[1]] == ["Group C", "Group B", "Group A"]
    assert browser.find_element(By.CSS_SELECTOR, "#view-table thead th:nth-child(2)").get_attribute(
        "aria-sort") == "descending"
    formats = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")]
    assert formats == ["json", "xml", "csv", "tsv"]
    csv = browser.find_element(By.LINK_TEXT, "csv").get_attribute("href")
    assert requests.get(csv, timeout=10).text.splitlines() == [
        "org,name", KZ + "a,Group A", KZ + "b,Group B", KZ + "c,Group C"]
    assert "?query=" in browser.current_url
    screenshot(browser, "02-table")
    assert_stayed_home(browser)


def test_shared_link_restores_and_runs_the_query(browser, site):
    open_page(browser, site, "/?query=" + quote(ORGANIZATIONS))
    assert editor_text(browser) == ORGANIZATIONS
    assert len(table(browser)[1]) == 3
    # A browser opening a /sparql query URL gets the same page, not the raw results.
    open_page(browser, site, "/sparql?query=" + quote(ORGANIZATIONS))
    assert editor_text(browser) == ORGANIZATIONS
    assert len(table(browser)[1]) == 3
    assert_stayed_home(browser)


def test_example_click_fills_parameters_runs_and_shows_the_endpoints_rows(browser, project_site):
    open_page(browser, project_site)
    browser.find_element(By.CSS_SELECTOR, "#example-list li[data-name=bans] button").click()
    head, rows = table(browser)
    fields = {i.get_attribute("name"): i.get_attribute("value")
              for i in browser.find_elements(By.CSS_SELECTOR, "#params-fields input")}
    assert fields == {"from": "2006-01-01", "to": "2006-12-31", "body": "Supreme Court", "list": ""}
    expected = requests.get(project_site.url + "/queries/bans",
                            params={k: v for k, v in fields.items() if v},
                            headers={"Accept": JSON_RESULTS}, timeout=10).json()
    assert head == expected["head"]["vars"]
    assert len(rows) == len(expected["results"]["bindings"]) > 0
    labels = sorted(b["organizationLabel"]["value"] for b in expected["results"]["bindings"])
    assert sorted(row[head.index("organizationLabel")] for row in rows) == labels
    assert editor_text(browser).startswith("#+ summary: Bans and listings")
    assert "example=bans" in browser.current_url and "body=Supreme+Court" in browser.current_url
    browser.execute_script("document.getElementById('views').scrollIntoView()")
    screenshot(browser, "03-example-bans")
    assert_stayed_home(browser)


EDGE_STYLES = {  # tie -> (status, stroke-dasharray as Chromium computes it)
    "tie-a-b": ("asserted", "none"),
    "tie-c-d": ("asserted", "none"),
    "tie-b-d": ("claimed", "9px, 6px"),
    "tie-a-c": ("claimed", "9px, 6px"),
    "tie-a-d": ("alleged", "2px, 5px"),
}


def test_chain_view_draws_organizations_and_ties_by_status(browser, site):
    open_page(browser, site, "/?example=affiliation-chains&from=kz:a&to=Group+D")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#view-graph svg.chain-graph"))
    assert browser.find_element(By.ID, "view-graph").is_displayed()
    nodes = browser.find_elements(By.CSS_SELECTOR, "#view-graph .nodes a.node")
    assert sorted(n.text for n in nodes) == ["Group A", "Group B", "Group C", "Group D"]
    assert sorted(n.get_attribute("data-iri") for n in nodes) == [KZ + x for x in "abcd"]
    edges = browser.find_elements(By.CSS_SELECTOR, "#view-graph .edges g.edge")
    drawn = {}
    for edge in edges:
        line = edge.find_element(By.TAG_NAME, "line")
        drawn[edge.get_attribute("data-tie").removeprefix(KZ)] = (
            edge.get_attribute("data-status"), line.value_of_css_property("stroke-dasharray"))
    assert drawn == EDGE_STYLES
    claimed = browser.find_element(By.CSS_SELECTOR, f"#view-graph g.edge[data-tie='{KZ}tie-b-d'] title")
    assert "claimed by An Official" in claimed.get_attribute("textContent")
    assert "The official says B has ties to D." in claimed.get_attribute("textContent")
    assert "3 chains" in browser.find_element(By.CSS_SELECTOR, "#view-graph .count").text
    browser.execute_script("document.getElementById('views').scrollIntoView()")
    screenshot(browser, "04-chain-graph")
    browser.find_element(By.CSS_SELECTOR, "#views [data-view=table]").click()
    head, rows = table(browser)
    assert {row[head.index("status")] for row in rows} == {"asserted", "claimed", "alleged"}
    assert_stayed_home(browser)


def test_timeline_shows_bans_and_events_by_date(browser, site):
    open_page(browser, site)
    browser.find_element(By.CSS_SELECTOR, "#views [data-view=timeline]").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#view-timeline svg.timeline"))
    bans = browser.find_elements(By.CSS_SELECTOR, "#view-timeline .lane.bans a.mark")
    events = browser.find_elements(By.CSS_SELECTOR, "#view-timeline .lane.events a.mark")
    assert [b.get_attribute("data-date") for b in bans] == ["2004-03-01", "2008"]
    assert [e.get_attribute("data-date") for e in events] == ["2005-06-10", "2009-02"]
    marks = (bans[0], events[0], bans[1], events[1])
    x = [float(m.find_element(By.TAG_NAME, "circle").get_attribute("cx")) for m in marks]
    assert x == sorted(x)  # earlier dates further left, across both lanes
    assert bans[0].get_dom_attribute("href") == "/id/ban-2004-03-01"
    assert "view=timeline" in browser.current_url
    screenshot(browser, "05-timeline")
    assert_stayed_home(browser)


@pytest.mark.parametrize(
    ("query", "title", "detail"),
    [
        ("SELEC ?x WHERE { ?x ?p ?o }", "Query syntax error", "error at 1:"),
        ("DELETE WHERE { ?s ?p ?o }", "Updates are not accepted", "read-only"),
    ],
    ids=["syntax", "update"],
)
def test_errors_are_shown_as_a_readable_message(browser, site, request, query, title, detail):
    open_page(browser, site)
    set_query(browser, query)
    browser.find_element(By.ID, "run").click()
    message = wait(browser, lambda d: d.find_element(By.ID, "message").is_displayed() and d.find_element(By.ID, "message"))
    assert message.find_element(By.TAG_NAME, "strong").text == title
    assert detail in message.text
    assert message.get_attribute("role") == "alert"
    screenshot(browser, f"06-error-{request.node.callspec.id}")
    urls = requested_urls(browser)
    assert foreign(urls) == []


def test_construct_answer_is_shown_as_turtle(browser, site):
    open_page(browser, site)
    set_query(browser, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <%sa>) }" % KZ)
    browser.find_element(By.ID, "run").click()
    text = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#view-table pre.graph-text"))[0].text
    assert "Group A" in text and "ArmedGroup" in text
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")] == [
        "turtle", "ntriples", "jsonld", "rdfxml"]
    assert_stayed_home(browser)
