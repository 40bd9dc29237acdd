"""kzct reason on a tiny ontology: inferred triples only, rebuilt only when inputs change, clashes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from rdflib import URIRef

from kzct.cli import main
from kzct.consistency import find_clashes
from kzct.namespaces import KZ, KZO
from kzct.rdfparse import parse_file, parse_files
from kzct.paths import ROOT
from kzct.reasoning import build_closure, ensure_closure, input_files, inputs_hash, owlrl_closure
from rdflib.namespace import RDF

DATA = Path(__file__).resolve().parent / "data" / "reasoning"


def test_closure_holds_only_inferred_triples(tmp_path):
    paths = [DATA / "ontology.ttl", DATA / "consistent.ttl"]
    result = build_closure(tmp_path, paths)
    inferred = parse_file(tmp_path / "inferred.nt")
    assert (KZ.group, RDF.type, KZO.Organization) in inferred
    assert (KZ.russia, KZO.cooperatesWith, KZ.kazakhstan) in inferred
    assert not set(inferred) & set(parse_files(paths))  # no input triple repeated
    meta = json.loads((tmp_path / "inferred.json").read_text())
    assert meta["inferred_triples"] == len(inferred) == len(result.inferred)
    assert meta["input_triples"] == len(result.inputs)
    assert len(meta["inputs_sha256"]) == 64 and meta["seconds"] >= 0


def test_ensure_closure_rebuilds_only_when_inputs_change(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("ontology.ttl", "consistent.ttl"):
        shutil.copy(DATA / name, folder / name)
    paths = sorted(folder.glob("*.ttl"))
    out = ensure_closure(tmp_path, paths)
    first = (tmp_path / "inferred.json").read_text()
    mtime = out.stat().st_mtime_ns
    assert ensure_closure(tmp_path, paths) == out and out.stat().st_mtime_ns == mtime
    (folder / "consistent.ttl").write_text((folder / "consistent.ttl").read_text()
                                           + "\nkz:other a kzo:ArmedGroup .\n")
    ensure_closure(tmp_path, paths)
    assert (tmp_path / "inferred.json").read_text() != first
    assert (URIRef(KZ.other), RDF.type, KZO.Organization) in parse_file(out)


def test_consistent_data_has_no_clashes():
    inputs = parse_files([DATA / "ontology.ttl", DATA / "consistent.ttl"])
    assert find_clashes(inputs, owlrl_closure(inputs).closure) == []


def test_clashes_are_reported_with_their_statements():
    inputs = parse_files([DATA / "ontology.ttl", DATA / "inconsistent.ttl"])
    clashes = find_clashes(inputs, owlrl_closure(inputs).closure)
    kinds = {c.kind for c in clashes}
    assert {"disjoint", "functional", "asymmetric", "owlrl"} <= kinds
    disjoint = next(c for c in clashes if c.kind == "disjoint")
    assert (KZ.someone, RDF.type, KZO.Person) in disjoint.statements
    functional = next(c for c in clashes if c.kind == "functional")
    assert set(functional.statements) == {(KZ.someone, KZO.citizenOf, KZ.kazakhstan),
                                          (KZ.someone, KZO.citizenOf, KZ.russia)}


def test_reason_command_exit_codes(tmp_path, monkeypatch, capsys):
    import kzct.reasoning as reasoning

    monkeypatch.setattr(reasoning, "input_files", lambda: [DATA / "ontology.ttl", DATA / "inconsistent.ttl"])
    assert main(["reason", "--build-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "INCONSISTENT (disjoint)" in out and "kz:someone rdf:type kzo:Person ." in out
    monkeypatch.setattr(reasoning, "input_files", lambda: [DATA / "ontology.ttl", DATA / "consistent.ttl"])
    assert main(["reason", "--build-dir", str(tmp_path)]) == 0
    assert "0 inconsistencies" in capsys.readouterr().out


def _committed(path: str) -> bytes:
    done = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{path}"], capture_output=True)
    assert done.returncode == 0, f"{path} is not committed: {done.stderr.decode().strip()}"
    return done.stdout


def test_committed_closure_matches_the_committed_inputs(tmp_path):
    """build/inferred.nt ships in the repository so a fresh clone serves at once: it must be the
    closure of the ontology and graph committed beside it (after editing them, run kzct reason)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", "HEAD",
                             "ontology/", "graph/"], capture_output=True, text=True, check=True)
    for name in listed.stdout.split():
        if name.endswith(".ttl"):
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(_committed(name))
    meta = json.loads(_committed("build/inferred.json"))
    paths = input_files(tmp_path / "ontology", tmp_path / "graph")
    assert meta["inputs"] == [str(p.relative_to(tmp_path)) for p in paths]
    assert meta["inputs_sha256"] == inputs_hash(paths), "build/ closure is stale: run kzct reason"
    lines = _committed("build/inferred.nt").decode().splitlines()
    assert len(lines) == meta["inferred_triples"] and lines == sorted(lines)
    assert not [line for line in lines if re.search(r"(^| )_:", line)]  # no blank nodes


def test_issue_17_reason_twice_rewrites_nothing(tmp_path, monkeypatch, capsys):
    """The time taken changes on every run; the files are rewritten only when something else does."""
    import kzct.reasoning as reasoning

    monkeypatch.setattr(reasoning, "input_files", lambda: [DATA / "ontology.ttl", DATA / "consistent.ttl"])
    assert main(["reason", "--build-dir", str(tmp_path)]) == 0
    files = [tmp_path / "inferred.nt", tmp_path / "inferred.json"]
    before = [(f.read_bytes(), f.stat().st_mtime_ns) for f in files]
    assert main(["reason", "--build-dir", str(tmp_path)]) == 0
    assert [(f.read_bytes(), f.stat().st_mtime_ns) for f in files] == before
    progress = capsys.readouterr().err
    assert "Computing the OWL-RL closure" in progress and "done in" in progress
