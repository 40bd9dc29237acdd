"""Dumps: ``kzct dump`` and /download, each with its SHA-256; rebuilt only when the inputs change.

They are written beside the serving: a request before they are ready gets 503 with Retry-After.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import urllib.request
from contextlib import contextmanager

import pyoxigraph as ox
import pytest

from kzct.cli import main
from kzct.dataset import load_project
from kzct.dump import build_in_background, ensure_dumps, release_version
from kzct.web.download import dumps_of
from support import DATA_DIR, assert_problem

EXTENSIONS = ("jsonld", "nq", "nt", "trig", "ttl")
SPDX = "http://spdx.org/rdf/terms#"
OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
              "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}


@pytest.fixture()
def project(tmp_path):
    """A copy of the small graph, free to change."""
    root = tmp_path / "project"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("build"))
    return root


def test_dumps_hold_the_whole_dataset(project, tmp_path):
    dataset = load_project(project)
    dumps, built = ensure_dumps(dataset, tmp_path / "dumps")
    assert built
    assert sorted(f.name.rsplit(".", 1)[1] for f in dumps.files) == list(EXTENSIONS)
    named = [q for q in dataset.store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)]
    for f in dumps.files:
        ext = f.name.rsplit(".", 1)[1]
        assert f.name == f"kzct-{dumps.version}.{ext}"
        body = f.path.read_bytes()
        assert hashlib.sha256(body).hexdigest() == f.sha256
        assert (f.path.parent / (f.name + ".sha256")).read_text() == f"{f.sha256}  {f.name}\n"
        loaded = ox.Store()
        loaded.load(body, format=OX_FORMATS[ext])
        if OX_FORMATS[ext].supports_datasets:  # the named graphs, each in its graph
            assert set(loaded.quads_for_pattern(None, None, None)) == set(named)
        else:  # the default graph: the union
            assert len(loaded) == dataset.default_triples


def test_rebuilt_only_when_inputs_change(project, tmp_path):
    folder = tmp_path / "dumps"
    first, built = ensure_dumps(load_project(project), folder)
    assert built
    stamps = {f.name: f.path.stat().st_mtime_ns for f in first.files}
    again, built = ensure_dumps(load_project(project), folder)
    assert not built
    assert {f.name: f.path.stat().st_mtime_ns for f in again.files} == stamps
    # a changed input file: rebuilt
    organizations = project / "graph" / "organizations.ttl"
    organizations.write_text(organizations.read_text().replace('"Gamma Network"@en', '"Gamma Net"@en'))
    changed, built = ensure_dumps(load_project(project), folder)
    assert built
    assert changed.inputs != first.inputs
    assert b'"Gamma Net"@en' in changed.get(f"kzct-{changed.version}.nt").path.read_bytes()
    # a damaged dump: rebuilt
    damaged = changed.files[0].path
    damaged.write_bytes(b"damaged")
    repaired, built = ensure_dumps(load_project(project), folder)
    assert built
    assert repaired.files[0].path.read_bytes() != b"damaged"


def test_version_is_the_ontology_version_info(project):
    assert release_version(load_project(project)) == load_project(project).release  # none in the small graph
    ontology = project / "ontology" / "mini.ttl"
    ontology.write_text(ontology.read_text() + '\n<https://w3id.org/kzct/ontology> a owl:Ontology ;\n'
                        '    owl:versionInfo "2.3.4" .\n')
    assert release_version(load_project(project)) == "2.3.4"


def test_kzct_dump_command(project, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["dump", "--data", str(project / "graph"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "written" in printed
    names = sorted(p.name for p in out.glob("kzct-*") if not p.name.endswith((".sha256", ".json")))
    assert [n.rsplit(".", 1)[1] for n in names] == list(EXTENSIONS)
    for name in names:
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in printed
    assert main(["dump", "--data", str(project / "graph"), "--out", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["dump", "--data", str(tmp_path / "missing")]) == 2


def test_same_input_gives_the_same_bytes(project, tmp_path):
    """Written by two processes from the same files (no blank nodes in them): the same files."""
    for out in ("one", "two"):
        assert main(["dump", "--data", str(project / "graph"), "--out", str(tmp_path / out)]) == 0
    one = sorted((tmp_path / "one").glob("kzct-*.sha256"))
    assert len(one) == len(EXTENSIONS)
    for path in one:
        assert path.read_text() == (tmp_path / "two" / path.name).read_text()


def test_download_serves_each_dump_and_checksum(client, app):
    dumps = dumps_of(app)
    release = app.extensions["kzct"].release
    for f in dumps.files:
        response = client.get(f"/download/{f.name}")
        assert response.status_code == 200
        assert response.mimetype == f.format.media_type
        assert response.get_data() == f.path.read_bytes()
        assert response.headers["ETag"] == f'W/"{release}"'
        checksum = client.get(f"/download/{f.name}.sha256")
        assert checksum.get_data(as_text=True) == f"{f.sha256}  {f.name}\n"
        assert client.get(f"/download/{f.name}", headers={"If-None-Match": f'W/"{release}"'}).status_code == 304


@pytest.mark.parametrize("name", ["kzct-0.0.0.ttl", "kzct.ttl", "..%2Fpyproject.toml", "../../pyproject.toml",
                                  ".lock", "%2Fetc%2Fpasswd", "kzct-x.json"])
def test_download_unknown_or_hostile_names_are_404(client, name):
    response = client.get(f"/download/{name}")
    assert response.status_code == 404
    if response.mimetype == "application/problem+json":
        assert_problem(response, 404)


def test_manifest_is_not_served(client, app):
    manifest = f"kzct-{dumps_of(app).version}.json"
    assert (dumps_of(app).folder / manifest).is_file()
    assert_problem(client.get(f"/download/{manifest}"), 404)


def test_server_keeps_sending_its_release_when_files_are_replaced(make_app, project, tmp_path):
    """``kzct dump`` of newer data renames new files into place; a running server still sends its own."""
    import os

    app = make_app(DATA=[str(project / "graph")], DUMP_DIR=str(tmp_path / "dumps"))
    client = app.test_client()
    dumps = dumps_of(app)
    for f in dumps.files:
        replacement = f.path.with_name(f.name + ".new")
        replacement.write_bytes(b"# a newer release\n")
        os.replace(replacement, f.path)
    for f in dumps.files:
        body = client.get(f"/download/{f.name}").get_data()
        assert hashlib.sha256(body).hexdigest() == f.sha256


def test_requests_before_the_dumps_exist_get_503_then_the_files(make_app, project, tmp_path):
    """While another process holds the folder's lock (writing the dumps), downloads and the VoID
    description answer 503 with Retry-After; once it is done, the files VoID describes."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    app = make_app(DATA=[str(project / "graph")], DUMP_DIR=str(folder), DUMP_WAIT=0)
    client = app.test_client()
    with _locked_by_another_process(folder):
        for path in ("/download/kzct-x.nt", "/.well-known/void"):
            response = client.get(path, headers={"Accept": "application/n-triples"})
            body = assert_problem(response, 503)
            assert body["type"].endswith("#dumps-building")
            assert int(response.headers["Retry-After"]) > 0
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    dumps = dumps_of(app, wait=30)
    assert dumps is not None
    checksums = _void_checksums(client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).get_data())
    assert sorted(checksums) == sorted(f.name for f in dumps.files)
    for f in dumps.files:
        assert hashlib.sha256(client.get(f"/download/{f.name}").get_data()).hexdigest() == checksums[f.name] == f.sha256


def _void_checksums(ntriples: bytes) -> dict[str, str]:
    """Dump file name -> the SHA-256 the VoID description gives for it."""
    void = ox.Store()
    void.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    found = {}
    for q in void.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/dcat#downloadURL"), None):
        (checksum,) = [c.object for c in void.quads_for_pattern(q.subject, ox.NamedNode(SPDX + "checksum"), None)]
        (value,) = [v.object.value for v in void.quads_for_pattern(checksum, ox.NamedNode(SPDX + "checksumValue"), None)]
        found[q.object.value.rsplit("/", 1)[1]] = value
    return found


def test_dumps_that_cannot_be_written_are_a_503_and_left_out_of_void(make_app, project, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the dump folder should be")
    app = make_app(DATA=[str(project / "graph")], DUMP_DIR=str(blocker))
    client = app.test_client()
    body = assert_problem(client.get("/download/kzct-x.nt"), 503)
    assert body["type"].endswith("#no-dumps")
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert void.status_code == 200
    assert b"void#dataDump" not in void.get_data() and b"void#triples" in void.get_data()


def test_built_in_background_by_a_process_holding_the_lock(project, tmp_path):
    """``kzct serve`` forks the writer before its workers: they wait on its lock, then find its files."""
    folder = tmp_path / "dumps"
    dataset = load_project(project)
    pid = build_in_background(dataset, folder)
    assert pid is not None
    dumps, built = ensure_dumps(dataset, folder)  # waits for the child's lock
    assert not built
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    for f in dumps.files:
        assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256
    with _locked_by_another_process(folder):  # someone else writing: no second writer
        assert build_in_background(dataset, folder) is None


@contextmanager
def _locked_by_another_process(folder):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'w'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('locked', flush=True); sys.stdin.read()", str(folder / ".lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        yield
    finally:  # stopped by its pid (a query process forked meanwhile holds a copy of its stdin)
        holder.terminate()
        holder.wait(timeout=10)


def test_served_dumps_match_void(serve, project, tmp_path):
    """A real ``kzct serve --data``: one process writes the dumps, each worker serves them."""
    folder = tmp_path / "dumps"
    server = serve("--workers", "2", "--data", str(project / "graph"), env={"KZCT_DUMP_DIR": str(folder)})
    with urllib.request.urlopen(server.url + "/.well-known/void?format=ntriples", timeout=30) as response:
        checksums = _void_checksums(response.read())
    assert sorted(n.rsplit(".", 1)[1] for n in checksums) == list(EXTENSIONS)
    for _ in range(3):  # new connections: more than one worker, most likely
        for name, value in checksums.items():
            with urllib.request.urlopen(f"{server.url}/download/{name}", timeout=30) as response:
                assert hashlib.sha256(response.read()).hexdigest() == value
    assert server.output().count("wrote 5 dumps") == 1


def test_issue_15_downloads_accept_ranges(client, app):
    dump = dumps_of(app).files[0]
    whole = dump.path.read_bytes()
    full = client.get(f"/download/{dump.name}")
    assert full.headers["Accept-Ranges"] == "bytes"
    for header, start, stop in (("bytes=10-19", 10, 20), ("bytes=-7", len(whole) - 7, len(whole)),
                                (f"bytes={len(whole) - 3}-", len(whole) - 3, len(whole))):
        part = client.get(f"/download/{dump.name}", headers={"Range": header})
        assert part.status_code == 206
        assert part.get_data() == whole[start:stop]
        assert part.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(whole)}"
        assert int(part.headers["Content-Length"]) == stop - start
    response = client.get(f"/download/{dump.name}", headers={"Range": f"bytes={len(whole) + 5}-"})
    assert_problem(response, 416)
    assert response.headers["Content-Range"] == f"bytes */{len(whole)}"
    weak = client.get(f"/download/{dump.name}", headers={"Range": "bytes=0-1", "If-Range": full.headers["ETag"]})
    assert weak.status_code == 200 and weak.get_data() == whole


def test_issue_15_downloads_are_gzip_compressed_when_accepted(client, app):
    import gzip

    for f in dumps_of(app).files:
        response = client.get(f"/download/{f.name}", headers={"Accept-Encoding": "gzip, deflate"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert gzip.decompress(response.get_data()) == f.path.read_bytes()
        again = client.get(f"/download/{f.name}", headers={"Accept-Encoding": "gzip"})
        assert again.get_data() == response.get_data()  # no time or name in the gzip header
        plain = client.get(f"/download/{f.name}", headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "Content-Encoding" not in plain.headers and plain.get_data() == f.path.read_bytes()


BLANK_NODES = """PREFIX kz: <https://w3id.org/kzct/id/>
PREFIX kzo: <https://w3id.org/kzct/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
kz:alpha-group rdfs:seeAlso [ rdfs:label "one"@en ; rdfs:seeAlso [ rdfs:label "two"@en ] ] ,
    [ rdfs:label "three"@en ] ;
  rdfs:comment ( "a" "b" "c" ) .
"""


def test_issue_15_dumps_are_byte_identical_across_loads_with_blank_nodes(project, tmp_path):
    (project / "graph" / "blank-nodes.ttl").write_text(BLANK_NODES)
    runs = []
    for out in ("one", "two"):
        dataset = load_project(project)  # each load labels the blank nodes afresh
        dumps, built = ensure_dumps(dataset, tmp_path / out)
        assert built
        runs.append({f.name: (f.sha256, f.path.read_bytes()) for f in dumps.files})
    assert runs[0] == runs[1]
    nt = next(body for name, (_, body) in runs[0].items() if name.endswith(".nt"))
    assert b"_:c14n0 " in nt  # canonical labels, not the loader's
    lines = nt.decode().splitlines()
    assert lines == sorted(lines)  # sorted N-Triples: diffable releases


def test_issue_15_project_dumps_are_reproducible(tmp_path):
    """The project's own graph (414 quads with blank nodes), dumped by two processes: same checksums."""
    sums = []
    for out in ("one", "two"):
        subprocess.run([sys.executable, "-m", "kzct.cli", "dump", "--out", str(tmp_path / out)], check=True,
                       capture_output=True, timeout=300)
        sums.append({p.name: p.read_text() for p in (tmp_path / out).glob("kzct-*.sha256")})
    assert len(sums[0]) == len(EXTENSIONS)
    assert sums[0] == sums[1]
