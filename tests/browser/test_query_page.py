"""The query page in headless Chromium: editor, examples, table, graph (Cytoscape.js), timeline
(vis-timeline), errors.

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
    settled(driver)


def settled(driver) -> None:
    """Wait until the page's requests (the query it runs on load, or the last one) have answered."""
    wait(driver, lambda d: d.execute_script("return document.body.dataset.idle === 'true'"))


def set_query(driver, text: str) -> None:
    driver.execute_script("document.querySelector('#editor .CodeMirror').CodeMirror.setValue(arguments[0])", text)


def editor_text(driver) -> str:
    return driver.execute_script("return document.querySelector('#editor .CodeMirror').CodeMirror.getValue()")


def table(driver) -> tuple[list[str], list[list[str]]]:
    """Column names and cell texts of the results table, once it has rendered."""
    settled(driver)
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
              for i in browser.find_elements(By.CSS_SELECTOR, "#params-fields input, #params-fields select")}
    assert fields == {"from": "2006-01-01", "to": "2006-12-31", "body": "Supreme Court", "list": ""}
    expected = requests.get(project_site.url + "/queries/bans",
                            params={k: v for k, v in fields.items() if v},
                            headers={"Accept": JSON_RESULTS}, timeout=10).json()
    assert head == expected["head"]["vars"]
    assert len(rows) == len(expected["results"]["bindings"]) > 0
    labels = sorted(b["organizationLabel"]["value"] for b in expected["results"]["bindings"])
    assert sorted(row[head.index("organizationLabel")] for row in rows) == labels
    # The editor shows the query; its #+ header is folded apart, under the parameters.
    assert not editor_text(browser).startswith("#+") and "SELECT" in editor_text(browser)
    header = browser.find_element(By.ID, "params-header-text").get_attribute("textContent")
    assert header.startswith("#+ summary: Bans and listings")
    assert "example=bans" in browser.current_url and "body=Supreme+Court" in browser.current_url
    browser.execute_script("document.getElementById('views').scrollIntoView()")
    screenshot(browser, "03-example-bans")
    assert_stayed_home(browser)


EDGE_STYLES = {  # tie -> (status, Cytoscape line-style, line colour)
    "tie-a-b": ("asserted", "solid"),
    "tie-c-d": ("asserted", "solid"),
    "tie-b-d": ("claimed", "dashed"),
    "tie-a-c": ("claimed", "dashed"),
    "tie-a-d": ("alleged", "dashed"),
}
DASHES = {"asserted": None, "claimed": "9 6", "alleged": "2 5"}

GRAPH_STATE = """const cy = document.getElementById('view-graph').kzctGraph;
return cy && {
  zoom: cy.zoom(), pan: cy.pan(),
  nodes: cy.nodes().map(n => [n.id(), n.data('label'), n.renderedBoundingBox()]),
  edges: cy.edges().map(e => [e.id(), e.data('status'), e.style('line-style'), e.style('line-dash-pattern'), e.data('text')]),
  box: document.querySelector('#view-graph .cy').getBoundingClientRect().toJSON(),
};"""


def graph_state(driver) -> dict:
    return wait(driver, lambda d: d.execute_script(GRAPH_STATE))


def test_chain_view_draws_organizations_and_ties_by_status_with_zoom_and_pan(browser, site):
    open_page(browser, site, "/?example=affiliation-chains&from=kz:a&to=Group+D")
    state = graph_state(browser)
    assert browser.find_element(By.ID, "view-graph").is_displayed()
    assert sorted(label for _, label, _ in state["nodes"]) == ["Group A", "Group B", "Group C", "Group D"]
    assert sorted(iri for iri, _, _ in state["nodes"]) == [KZ + x for x in "abcd"]
    drawn = {iri.removeprefix(KZ): (status, style) for iri, status, style, _, _ in state["edges"]}
    assert drawn == EDGE_STYLES
    for _, status, _, dash, _ in state["edges"]:
        if DASHES[status]:
            assert [float(x) for x in str(dash).replace("px", "").replace(",", " ").split()] == [
                float(x) for x in DASHES[status].split()], status
    claimed = next(text for iri, _, _, _, text in state["edges"] if iri == KZ + "tie-b-d")
    assert "claimed by An Official" in claimed and "The official says B has ties to D." in claimed
    # Every node is inside the visible box (the graph is fitted, not cut off below the fold).
    box = state["box"]
    for _, label, bb in state["nodes"]:
        assert 0 <= bb["x1"] and bb["x2"] <= box["width"] and 0 <= bb["y1"] and bb["y2"] <= box["height"], label
    assert box["top"] < browser.execute_script("return window.innerHeight")  # starts above the fold
    assert "3 chains" in browser.find_element(By.CSS_SELECTOR, "#view-graph .count").text
    screenshot(browser, "04-chain-graph")
    # Zoom and pan: the toolbar's buttons, and dragging the background.
    browser.find_element(By.CSS_SELECTOR, "#view-graph .graph-tools button[title='Zoom in']").click()
    zoomed = graph_state(browser)
    assert zoomed["zoom"] > state["zoom"] * 1.2
    browser.execute_script("document.getElementById('view-graph').kzctGraph.panBy({x: 40, y: 10})")
    assert graph_state(browser)["pan"]["x"] == pytest.approx(zoomed["pan"]["x"] + 40)
    browser.find_element(By.CSS_SELECTOR, "#views [data-view=table]").click()
    head, rows = table(browser)
    assert {row[head.index("status")] for row in rows} == {"asserted", "claimed", "alleged"}
    assert_stayed_home(browser)


def test_neighbourhood_graph_of_reachable_organizations(browser, site):
    open_page(browser, site, "/?example=reachable-organizations&from=Group+A&max-hops=1")
    state = graph_state(browser)
    assert sorted(label for _, label, _ in state["nodes"]) == ["Group A", "Group B", "Group C", "Group D"]
    assert {iri.removeprefix(KZ) for iri, *_ in state["edges"]} >= {"tie-a-b", "tie-a-c", "tie-a-d"}
    status = browser.find_element(By.CSS_SELECTOR, "#params-fields select[name=status]")
    assert [o.text for o in status.find_elements(By.TAG_NAME, "option")] == ["any", "asserted"]
    screenshot(browser, "04-neighbourhood-graph")
    assert_stayed_home(browser)


OVERLAPS = """const box = document.querySelector('#view-timeline .timeline-box');
const frame = box.getBoundingClientRect();
const labels = [...box.querySelectorAll('.vis-item .vis-item-content')]
  .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.right > frame.left && r.left < frame.right);
let pairs = 0;
for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
  const a = labels[i], b = labels[j];
  if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) pairs++;
}
const view = document.getElementById('view-timeline');
return {labels: labels.length, pairs, clusters: box.querySelectorAll('.vis-item.vis-cluster').length,
        width: frame.width, viewWidth: view.clientWidth, scrollWidth: view.scrollWidth};"""


def timeline_state(driver) -> dict:
    """The labels once vis-timeline has stacked and clustered them (no redraw for 250 ms)."""
    wait(driver, lambda d: d.execute_script(
        "const v = document.getElementById('view-timeline'); return v.kzctTimeline && "
        "v.querySelector('.timeline-box').dataset.settled === 'true'"))
    return driver.execute_script(OVERLAPS)


def test_timeline_shows_bans_and_events_by_date(browser, site):
    open_page(browser, site)
    browser.find_element(By.CSS_SELECTOR, "#views [data-view=timeline]").click()
    timeline_state(browser)
    marks = browser.execute_script(
        "return [...document.querySelectorAll('#view-timeline .vis-item a[data-date]')].map(a => "
        "[a.closest('.vis-item').classList.contains('bans') ? 'bans' : 'events', a.dataset.date, "
        "a.getAttribute('href'), a.getBoundingClientRect().left])")
    assert sorted((kind, date) for kind, date, _, _ in marks) == [
        ("bans", "2004-03-01"), ("bans", "2008"), ("events", "2005-06-10"), ("events", "2009-02")]
    by_date = sorted(marks, key=lambda m: m[1])
    assert [m[3] for m in by_date] == sorted(m[3] for m in by_date)  # earlier dates further left
    assert ["/id/ban-2004-03-01"] == [href for _, date, href, _ in marks if date == "2004-03-01"]
    groups = [g.text for g in browser.find_elements(By.CSS_SELECTOR, "#view-timeline .vis-label")]
    assert groups == ["Bans", "Events"]
    assert "view=timeline" in browser.current_url
    screenshot(browser, "05-timeline")
    assert_stayed_home(browser)


def test_issue_17_timeline_of_the_bans_example_has_no_overlapping_labels(browser, project_site):
    """The real graph: every ban and event at the default zoom. Items stack or cluster; two labels
    that overlap fail the test, and so does a timeline wider than its box."""
    open_page(browser, project_site)
    browser.find_element(By.CSS_SELECTOR, "#example-list li[data-name=bans] button").click()
    table(browser)
    browser.find_element(By.CSS_SELECTOR, "#views [data-view=timeline]").click()
    state = timeline_state(browser)
    assert state["labels"] > 5
    assert state["pairs"] == 0, state
    assert state["width"] <= state["viewWidth"] + 1 and state["scrollWidth"] <= state["viewWidth"] + 1
    # Zoom in on the densest cluster: its items come apart, still without overlapping labels.
    before = state["labels"] + state["clusters"]
    browser.find_element(By.CSS_SELECTOR, "#view-timeline .graph-tools button[title='Zoom in']").click()
    browser.find_element(By.CSS_SELECTOR, "#view-timeline .graph-tools button[title='Zoom in']").click()
    wait(browser, lambda d: d.execute_script(OVERLAPS)["labels"] + d.execute_script(OVERLAPS)["clusters"] != before)
    zoomed = timeline_state(browser)
    assert zoomed["pairs"] == 0, zoomed
    browser.find_element(By.CSS_SELECTOR, "#view-timeline .graph-tools button[title='Show every year']").click()
    timeline_state(browser)
    browser.execute_script("document.getElementById('views').scrollIntoView()")
    screenshot(browser, "05-timeline-bans-real-graph")
    assert_stayed_home(browser)


@pytest.mark.parametrize(
    ("query", "title", "detail"),
    [
        ("SELEC ?x WHERE { ?x ?p ?o }", "Query syntax error", "unknown keyword SELEC (did you mean SELECT?)"),
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
