"""The query page in headless Chromium: editor, examples, table, chain graph, timeline, errors.

Screenshots of each state go to ``test-output/screenshots/``; every test also checks, from the
browser's own network log, that nothing was requested from any host but 127.0.0.1.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import foreign, requested_urls, screenshot  # noqa: E402  (tests/browser/conftest.py)


def wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(condition)


def open_page(driver, site, path: str = "/"):
    driver.get(site.url + path)
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def set_query(driver, text: str) -> None:
    driver.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])", text)


def table_rows(driver) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#view-table table.results tbody tr")
    return [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def test_page_loads_everything_from_this_host(browser, site):
    open_page(browser, site)
    assert browser.find_element(By.CSS_SELECTOR, "#editor .CodeMirror").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#example-list li")
    screenshot(browser, "01-page")
    urls = requested_urls(browser)
    assert any(u.endswith("/static/vendor/yasgui/yasgui.min.js") for u in urls)
    assert foreign(urls) == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []  # a Content-Security-Policy violation would be logged here
