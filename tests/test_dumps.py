"""Dumps: ``kzct dump`` and /download, each with its SHA-256; rebuilt only when the inputs change."""

from __future__ import annotations

import hashlib
import shutil

import pyoxigraph as ox
import pytest

from kzct.cli import main
from kzct.dataset import load_project
from kzct.dump import ensure_dumps, release_version
from support import DATA_DIR, assert_problem

EXTENSIONS = ("jsonld", "nq", "nt", "trig", "ttl")
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


def test_download_serves_each_dump_and_checksum(client, app):
    dumps = app.extensions["kzct.dumps"]
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
    manifest = f"kzct-{app.extensions['kzct.dumps'].version}.json"
    assert (app.extensions["kzct.dumps"].folder / manifest).is_file()
    assert_problem(client.get(f"/download/{manifest}"), 404)


def test_server_keeps_sending_its_release_when_files_are_replaced(make_app, project, tmp_path):
    """``kzct dump`` of newer data renames new files into place; a running server still sends its own."""
    import os

    app = make_app(DATA=[str(project / "graph")], DUMP_DIR=str(tmp_path / "dumps"))
    client = app.test_client()
    dumps = app.extensions["kzct.dumps"]
    for f in dumps.files:
        replacement = f.path.with_name(f.name + ".new")
        replacement.write_bytes(b"# a newer release\n")
        os.replace(replacement, f.path)
    for f in dumps.files:
        body = client.get(f"/download/{f.name}").get_data()
        assert hashlib.sha256(body).hexdigest() == f.sha256
