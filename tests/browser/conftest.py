"""Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by Selenium.

``bash .ci/browser.sh`` installs both. Every test gets a fresh browser profile; the page is served
by a real ``kzct serve`` on 127.0.0.1 over the small tie graph plus ``data/timeline.ttl``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent
ROOT = BROWSER_TESTS.parent.parent
DATA_DIR = ROOT / "tests" / "data"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
BROWSER_DATA = BROWSER_TESTS / "data"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000",
)

from selenium import webdriver  # noqa: E402


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == BROWSER_TESTS:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site(serve):
    """The query page's server: invented ties, bans and events."""
    return serve("--workers", "2", "--timeout", "3",
                 "--data", str(DATA_DIR / "ties.ttl"), "--data", str(BROWSER_DATA / "timeline.ttl"))


@pytest.fixture(scope="session")
def project_site(serve):
    """The real graph (ontology/, graph/, build/inferred.nt), for the named queries' own examples."""
    return serve("--workers", "2", "--timeout", "5")


@pytest.fixture(scope="session")
def chromium_installed():
    """Debian's Chromium and ChromeDriver, installed by .ci/browser.sh when missing; never skipped."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        script = BROWSER_TESTS.parents[1] / ".ci" / "browser.sh"
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
        if done.returncode != 0 or not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
            pytest.fail(f"headless Chromium is missing and {script.name} could not install it: "
                        f"{(done.stderr or done.stdout).strip()[-500:]}")
    return CHROMIUM


@pytest.fixture()
def browser(chromium_installed):
    """A fresh headless Chromium with the performance (network) and browser (console) logs on."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kzct-chromium-")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (the DevTools network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")


def foreign(urls: list[str]) -> list[str]:
    """The URLs that would leave 127.0.0.1.

    Only network schemes count: data: and blob: stay in the page, and chrome:// is the browser's
    own start page, loaded before the test navigates.
    """
    return [u for u in urls if urlsplit(u).scheme in NETWORK_SCHEMES and urlsplit(u).hostname != "127.0.0.1"]
