"""The shared on-disk store (issue 13): built once per release, rebuilt when stale, opened read-only."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pyoxigraph as ox
import pytest

from kzct.config import Limits
from kzct.dataset import load_project
from kzct.engine import QueryRequest, make_engine
from kzct.engine import errors as e
from support import DATA_DIR

RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
QUERIES = ["SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o",
           "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"]


@pytest.fixture()
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(DATA_DIR, root)
    return root


def test_issue_13_the_store_is_built_once_and_answers_as_memory_does(project, tmp_path):
    stores = tmp_path / "stores"
    disk = load_project(project, store_dir=stores)
    memory = load_project(project)
    assert disk.location is not None and disk.location.parent == stores
    assert (disk.release, disk.graphs, disk.default_triples) == (memory.release, memory.graphs, memory.default_triples)
    for query in QUERIES:
        assert [tuple(row) for row in disk.store.query(query)] == [tuple(row) for row in memory.store.query(query)]
    built = (disk.location / "kzct-store.json").stat().st_mtime_ns
    again = load_project(project, store_dir=stores)
    assert again.location == disk.location
    assert (again.location / "kzct-store.json").stat().st_mtime_ns == built  # opened, not rebuilt
    # No leftover build folder; the file digests are kept so that a reopening reads no data file.
    assert sorted(p.name for p in stores.iterdir()) == sorted([disk.location.name, "digests.json"])


def test_issue_13_reopening_reads_no_data_file_but_notices_a_change(project, tmp_path, monkeypatch):
    from kzct.store import shared

    stores = tmp_path / "stores"
    first = load_project(project, store_dir=stores)
    read = []
    real = shared.file_digest

    def spy(path, known=None):
        entry = (known or {}).get(str(path.resolve()))
        stat = path.stat()
        if not (entry and entry[:3] == [stat.st_size, stat.st_mtime_ns, stat.st_ino]):
            read.append(path.name)
        return real(path, known)

    monkeypatch.setattr(shared, "file_digest", spy)
    again = load_project(project, store_dir=stores)
    assert read == [] and again.location == first.location and again.release == first.release
    data = sorted((project / "graph").glob("*.ttl"))[0]
    data.write_text(data.read_text() + "\n# a comment changes the bytes\n")
    changed = load_project(project, store_dir=stores)
    assert read == [data.name] and changed.release != first.release


def test_issue_13_a_changed_input_gets_a_new_store(project, tmp_path):
    stores = tmp_path / "stores"
    before = load_project(project, store_dir=stores)
    data = sorted((project / "graph").glob("*.ttl"))[0]
    data.write_text(data.read_text() + "\n<https://w3id.org/kzct/id/new-thing> a <http://x/T> .\n")
    after = load_project(project, store_dir=stores)
    assert after.location != before.location and after.release != before.release
    assert after.default_triples == before.default_triples + 1
    ask = "ASK { <https://w3id.org/kzct/id/new-thing> ?p ?o }"
    assert bool(after.store.query(ask)) and not bool(before.store.query(ask))


def test_issue_13_the_store_is_opened_read_only(project, tmp_path):
    disk = load_project(project, store_dir=tmp_path / "stores")
    quad = ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o"))
    with pytest.raises(RuntimeError, match="read-write"):
        disk.store.add(quad)
    with pytest.raises(RuntimeError, match="read-write"):
        disk.store.update("INSERT DATA { <http://x/s> <http://x/p> 'o' }")
    assert not bool(disk.store.query("ASK { <http://x/s> ?p ?o }"))


def test_issue_13_query_processes_open_their_own_handle_and_survive_a_kill(project, tmp_path):
    disk = load_project(project, store_dir=tmp_path / "stores")
    engine = make_engine(disk, Limits(timeout=1.5), children=2)
    engine.start()
    try:
        assert engine.run(QueryRequest("SELECT * { ?s ?p ?o } LIMIT 3")).rows == 3
        outcome = []

        def runaway():
            try:
                engine.run(QueryRequest(RUNAWAY))
            except e.QueryError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.3)
        for pid in engine.pids():  # both killed, one of them mid-query
            os.kill(pid, 9)
        thread.join()
        assert isinstance(outcome[0], e.QueryFailed) and "stopped its process" in str(outcome[0])
        for _ in range(5):
            assert engine.run(QueryRequest("ASK { ?s ?p ?o }")).body.endswith(b"true}")
        assert len(engine.pids()) == 2
    finally:
        engine.close()


def test_issue_13_kzct_serve_opens_the_disk_store_in_every_process(serve, tmp_path):
    import requests

    server = serve("--workers", "2", "--store", "disk", "--store-dir", str(tmp_path / "stores"),
                   env={"KZCT_ROOT": str(DATA_DIR)})
    assert "store " + str(tmp_path / "stores") in server.output()
    for _ in range(6):  # spread over both workers and their query processes
        answer = requests.get(server.endpoint, params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                              headers={"Accept": "text/csv"}, timeout=10)
        assert answer.status_code == 200 and answer.text.split()[1] == str(load_project(DATA_DIR).default_triples)
    assert requests.get(server.url + "/id/alpha-group", headers={"Accept": "text/turtle"}, timeout=10).status_code == 200
