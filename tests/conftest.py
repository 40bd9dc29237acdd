"""Shared fixtures: the app on the small behaviour graph, and real ``kzct serve`` processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from kzct.paths import SHARED_DIR, SOURCE_FILE
from kzct.web.app import create_app

from support import DATA_DIR, ROOT, TESTS, W3C_DIR  # noqa: F401  (fixtures below use them)


SERVERS = ("gunicorn", "uvloop")  # kzct serve --server


def pytest_addoption(parser):
    parser.addoption("--server", choices=SERVERS, default="uvloop",
                     help="the HTTP server of the kzct serve processes the tests start (kzct serve --server)")


def pytest_configure(config):
    """Stop before collection, in one line naming the folder, when ../shared is not there."""
    for needed in (SHARED_DIR, SOURCE_FILE, W3C_DIR):
        if not needed.exists():
            raise pytest.UsageError(
                f"{needed} is missing: the tests need the shared folder {SHARED_DIR} beside the "
                f"repository (the article in source/, the W3C suites in w3c-sparql-tests/); "
                f"set KZCT_SHARED to use another")


@pytest.fixture(scope="session")
def make_app():
    """Build an app on the small behaviour graph with extra config; engines closed at the end."""
    apps = []

    def make(**config):
        app = create_app({"ROOT": str(DATA_DIR), **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["kzct.engine"].close()


@pytest.fixture(scope="session")
def app(make_app):
    return make_app(TIMEOUT=3)


@pytest.fixture()
def client(app):
    return app.test_client()


class LiveServer:
    """A real ``kzct serve`` on a free port of 127.0.0.1, stopped by its PID."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", prefix="kzct-serve-", suffix=".log", delete=False)
        command = [sys.executable, "-m", "kzct.cli", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        self.url = self._wait_for_url()
        self.endpoint = self.url + "/sparql"

    def _wait_for_url(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = Path(self.log.name).read_text(errors="replace")
            match = re.search(r"SPARQL endpoint at (http://127\.0\.0\.1:\d+)/sparql", text)
            if match and "Booting worker" in text:
                return match.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(f"kzct serve exited:\n{text}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("kzct serve did not start in time")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


@pytest.fixture(scope="session")
def serve(request):
    """Start ``kzct serve ARGS...``; every server started is stopped at the end of the session.

    ``server=`` chooses its HTTP server (``--server``); by default pytest's ``--server`` option."""
    servers: list[LiveServer] = []

    def start(*args: str, env: dict[str, str] | None = None, server: str | None = None) -> LiveServer:
        server = LiveServer([*args, "--server", server or request.config.getoption("server")], env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module", params=SERVERS)
def front(request):
    """Each HTTP server in turn, for the tests of what the server itself guarantees."""
    return request.param


@pytest.fixture(scope="session")
def live(serve):
    """The small behaviour graph behind a real server (3 workers, 2 s timeout)."""
    return serve("--workers", "3", "--timeout", "2", env={"KZCT_ROOT": str(DATA_DIR)})
