"""The whole site in headless Chromium (issue 17): one layout on every page, the first minute on the
query page, the named queries opening in it, and the forgiving search box.

A screenshot of every page goes to ``test-output/screenshots/``; every test checks from the
browser's own logs that nothing was requested from another host and no script or policy error
was logged.
"""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import foreign, requested_urls, screenshot  # tests/browser/conftest.py
from test_query_page import editor_text, open_page, set_query, settled, table, wait

KZ = "https://w3id.org/kzct/id/"
NAV = ["Query", "Named queries", "Ontology", "Dataset and downloads", "Validate"]


def severe_logs(driver, allowed: str | None = None) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and not (allowed and allowed in e["message"])]


def assert_layout(driver, current: str | None) -> None:
    """The shared header: the five links (the current one marked), the search box, the favicon."""
    links = driver.find_elements(By.CSS_SELECTOR, "header.site nav.site-nav a")
    assert [a.text for a in links] == NAV
    marked = [a.text for a in links if a.get_attribute("aria-current") == "page"]
    assert marked == ([current] if current else [])
    assert driver.find_element(By.CSS_SELECTOR, "header.site form[role=search] input[name=q]").is_displayed()
    icons = [link.get_attribute("href") for link in driver.find_elements(By.CSS_SELECTOR, "link[rel=icon]")]
    assert any(href.endswith("/favicon.ico") for href in icons)
    # The page is no wider than the window: nothing 3,827 px wide any more.
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


PAGES = [  # path, the navigation entry it is under, screenshot name, a text the page shows
    ("/queries", "Named queries", "10-queries", "Named queries"),
    ("/ontology", "Ontology", "11-ontology", "Organization"),
    ("/id/hizb-ut-tahrir", None, "12-entity", "Hizb ut-Tahrir"),
    ("/.well-known/void", "Dataset and downloads", "13-dataset", "Dumps"),
    ("/download/", "Dataset and downloads", "14-downloads", "SHA-256"),
    ("/validate", "Validate", "15-validate", "Validate RDF"),
    ("/search?q=Tabligi", None, "16-search", "Tablighi Jamaat"),
]


@pytest.mark.parametrize("path, current, name, text", PAGES, ids=[p[2] for p in PAGES])
def test_issue_17_every_page_shares_the_layout(browser, project_site, path, current, name, text):
    browser.get(project_site.url + path)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "header.site"))
    assert_layout(browser, current)
    assert text in browser.find_element(By.TAG_NAME, "main").text
    screenshot(browser, name)
    assert foreign(requested_urls(browser)) == []
    assert severe_logs(browser) == []


def test_issue_17_error_and_report_pages_share_the_layout(browser, project_site):
    browser.get(project_site.url + "/id/no-such-thing")
    assert_layout(browser, None)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not Found"
    assert "is not in this dataset" in browser.find_element(By.CSS_SELECTOR, "main .problem").text
    screenshot(browser, "17-error-404")
    assert severe_logs(browser, allowed="status of 404") == []
    # Scripts asking the same URL still get problem+json.
    answer = requests.get(project_site.url + "/id/no-such-thing", timeout=10)
    assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/problem+json"
    # A validation report, from the form.
    browser.get(project_site.url + "/validate")
    browser.find_element(By.ID, "data").send_keys(
        "PREFIX kzo: <https://w3id.org/kzct/ontology#>\n<https://w3id.org/kzct/id/x> a kzo:Organization .")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, lambda d: "Validation report" in d.title)
    assert_layout(browser, "Validate")
    report = browser.find_element(By.CSS_SELECTOR, "main pre").text
    verdict = browser.find_element(By.CSS_SELECTOR, "main .verdict").text
    assert verdict.startswith("Does not conform: 1 violation(s) on 1 focus node(s)")
    assert "does not conform" not in report  # the counts once, in the verdict
    lines = [line for line in report.splitlines() if line.startswith("  ") and not line.startswith("    ")]
    assert lines == ["  Violation kzsh:Organization-prefLabel path skos:prefLabel"]  # the one result, once
    screenshot(browser, "18-validate-report")
    assert foreign(requested_urls(browser)) == [] and severe_logs(browser) == []


def test_issue_17_favicon_is_an_icon_on_every_page(project_site):
    icon = requests.get(project_site.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_issue_17_sparql_in_a_browser_lands_on_the_query_page(browser, site):
    open_page(browser, site, "/sparql")
    assert_layout(browser, "Query")
    assert browser.find_element(By.CSS_SELECTOR, "#editor .CodeMirror").is_displayed()
    # Clients still get the Service Description there.
    described = requests.get(site.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=10)
    assert described.headers["Content-Type"].startswith("text/turtle") and "sd:Service" in described.text
    assert foreign(requested_urls(browser)) == [] and severe_logs(browser) == []


def test_issue_17_first_minute_the_page_says_what_it_is_and_runs_a_distinct_query(browser, project_site):
    open_page(browser, project_site)
    assert_layout(browser, "Query")
    intro = browser.find_element(By.CSS_SELECTOR, ".intro")
    assert "Kazakhstan" in intro.text
    links = {a.text: a.get_attribute("href") for a in intro.find_elements(By.TAG_NAME, "a")}
    assert links == {"dataset": project_site.url + "/.well-known/void",
                     "ontology": project_site.url + "/ontology",
                     "downloads": project_site.url + "/download/"}
    head, rows = table(browser)  # run on load, nobody clicked
    assert "DISTINCT" in editor_text(browser)
    assert len(rows) > 5 and len({tuple(r) for r in rows}) == len(rows)
    status = browser.find_element(By.ID, "status").text
    assert status.startswith(f"{len(rows)} rows in ")
    # The results fit the page: no column pushes the table past its box.
    assert browser.execute_script(
        "const v = document.getElementById('view-table'); return v.scrollWidth <= v.clientWidth + 1")
    screenshot(browser, "01-first-minute")
    set_query(browser, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    browser.find_element(By.ID, "run").click()
    settled(browser)
    assert browser.find_element(By.ID, "status").text.startswith("1 row in ")
    assert foreign(requested_urls(browser)) == [] and severe_logs(browser) == []


def test_issue_17_quotes_wrap_inside_the_table(browser, project_site):
    open_page(browser, project_site, "/?example=about-entity")
    head, rows = table(browser)
    assert rows and "quote" in head
    cell = browser.find_element(By.CSS_SELECTOR, "#view-table td.col-quote.long")
    box = browser.find_element(By.ID, "view-table")
    assert cell.size["height"] > 30  # wrapped onto several lines
    assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", box)
    assert all(r[head.index("role")] for r in rows)  # about-entity gives every row a role
    screenshot(browser, "07-about-entity-quotes")


def test_issue_17_an_example_opened_as_a_link_runs_as_a_click_does(browser, project_site):
    open_page(browser, project_site, "/?example=affiliation-chains")
    assert not browser.find_element(By.ID, "message").is_displayed()
    fields = {i.get_attribute("name"): i.get_attribute("value")
              for i in browser.find_elements(By.CSS_SELECTOR, "#params-fields input, #params-fields select")}
    assert fields["from"] == "Akromiya" and fields["to"] == "Al-Qaeda" and fields["status"] == "any"
    wait(browser, lambda d: d.execute_script("return !!document.getElementById('view-graph').kzctGraph"))
    assert browser.find_element(By.ID, "view-graph").is_displayed()
    assert not editor_text(browser).startswith("#+")
    assert foreign(requested_urls(browser)) == [] and severe_logs(browser) == []


def test_issue_17_named_queries_open_in_the_interactive_view_with_a_form(browser, project_site):
    browser.get(project_site.url + "/queries")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Organizations reachable from one").click()
    wait(browser, lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    settled(browser)
    assert browser.current_url.startswith(project_site.url + "/?example=reachable-organizations")
    status = browser.find_element(By.CSS_SELECTOR, "#params-fields select[name=status]")
    assert [o.text for o in status.find_elements(By.TAG_NAME, "option")] == ["any", "asserted"]
    assert browser.find_element(By.CSS_SELECTOR, "#params-fields input[name=from]").get_attribute("value")
    assert not browser.find_element(By.ID, "message").is_displayed()
    header = browser.find_element(By.ID, "params-header")
    assert header.tag_name == "details" and header.get_attribute("open") is None  # folded
    screenshot(browser, "08-named-query-form")
    assert foreign(requested_urls(browser)) == [] and severe_logs(browser) == []


@pytest.mark.parametrize("typed, slug", [("Tabligi", "tablighi-jamaat"), ("Hizb-ut-Takhrir", "hizb-ut-tahrir")])
def test_issue_17_the_search_box_forgives(browser, project_site, typed, slug):
    browser.get(project_site.url + "/ontology")
    box = browser.find_element(By.CSS_SELECTOR, "header.site input[name=q]")
    box.send_keys(typed, Keys.ENTER)
    wait(browser, lambda d: "/search?" in d.current_url)
    first = browser.find_element(By.CSS_SELECTOR, "main table tbody tr")
    assert first.find_element(By.TAG_NAME, "a").get_attribute("href") == project_site.url + "/id/" + slug
    assert first.find_element(By.CSS_SELECTOR, ".kind").text  # the entity's type is shown
    screenshot(browser, f"16-search-{slug}")
    assert foreign(requested_urls(browser)) == [] and severe_logs(browser) == []
