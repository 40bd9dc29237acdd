"""Paths, media types and assertions shared by the tests (imported as ``support``)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kzct.paths import SHARED_DIR

TESTS = Path(__file__).resolve().parent
DATA_DIR = TESTS / "data"
ROOT = TESTS.parent
W3C_DIR = SHARED_DIR / "w3c-sparql-tests"

JSON_RESULTS = "application/sparql-results+json"
PROBLEM_JSON = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    """The response is the shared problem+json shape with ``status``; returns the body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status
    assert body["detail"] and "Traceback" not in body["detail"]
    return body


def store_of(*paths: Path) -> ox.Store:
    store = ox.Store()
    for path in paths:
        files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
        for file in files:
            store.load(path=str(file), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(file.as_uri()))
    return store


def selector(store: ox.Store):
    def select(query: str):
        result = store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return names, [{n: solution[n] for n in names} for solution in result]

    return select


def require_command(command: str, *script: str) -> str:
    """The path of ``command``, installed first by the project's ``script`` (.ci/...) when missing.

    A test that needs a Debian tool installs it as the README says, or fails saying why; it never
    skips.
    """
    import shutil
    import subprocess

    import pytest

    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")
    if found is None:
        done = subprocess.run([str(Path(__file__).resolve().parents[1] / script[0]), *script[1:]],
                              capture_output=True, text=True, timeout=900)
        found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")
        if found is None:
            pytest.fail(f"{command} is missing and {' '.join(script)} could not install it: "
                        f"{(done.stderr or done.stdout).strip()[-300:]}")
    return found
