"""The OWL-RL closure of ontology + graph, built once into build/ and reused while inputs are unchanged.

``build/inferred.nt`` holds only the inferred triples (closure minus inputs, as valid RDF:
no literal subjects, no reflexive owl:sameAs, no blank nodes);
``build/inferred.json`` records the SHA-256 of the inputs, the counts and the time taken
(rewritten only when something other than the time changed).
Both are committed, so a fresh clone serves at once; a test fails when they no longer match
the inputs (run ``kzct reason``).
The consistency checks live in ``kzct.consistency``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from owlrl import DeductiveClosure, OWLRL_Semantics
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL

from kzct.consistency import owlrl_error_triples
from kzct.paths import BUILD_DIR, GRAPH_DIR, ONTOLOGY_DIR
from kzct.rdfparse import parse_files, turtle_files

log = logging.getLogger(__name__)
INFERRED_NT = "inferred.nt"
INFERRED_META = "inferred.json"


@dataclass
class Closure:
    inputs: Graph  # ontology + graph as read
    closure: Graph  # inputs plus everything owlrl derived
    inferred: Graph  # closure minus inputs, without owlrl's error messages, triples whose
    # subject is a literal (generalized RDF), the reflexive x owl:sameAs x, and triples with a
    # blank node
    seconds: float


def input_files(ontology_dir: Path = ONTOLOGY_DIR, graph_dir: Path = GRAPH_DIR) -> list[Path]:
    return turtle_files(ontology_dir) + turtle_files(graph_dir)


def inputs_hash(paths: list[Path]) -> str:
    """SHA-256 over the inputs' names and bytes, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def owlrl_closure(inputs: Graph) -> Closure:
    """Run owlrl (no axiomatic or datatype triples) over a copy of ``inputs``."""
    closure = Graph()
    for triple in inputs:
        closure.add(triple)
    start = time.perf_counter()
    DeductiveClosure(OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    seconds = time.perf_counter() - start
    inferred = Graph()
    errors = owlrl_error_triples(closure)
    for s, p, o in closure:
        if (s, p, o) in inputs or (s, p, o) in errors or isinstance(s, Literal):
            continue  # owlrl also derives generalized triples about literals: not RDF, left out
        if p == OWL.sameAs and s == o:
            continue  # eq-ref: every term is the same as itself
        if isinstance(s, BNode) or isinstance(o, BNode):
            continue  # about the ontology's anonymous class expressions: a blank node written to
            # another file names a new, unrelated node when read back, so such a triple says nothing
        inferred.add((s, p, o))
    return Closure(inputs, closure, inferred, seconds)


def build_closure(build_dir: Path = BUILD_DIR, paths: list[Path] | None = None,
                  on_step: Callable[[str], AbstractContextManager] | None = None) -> Closure:
    """Compute the closure and write build/inferred.nt and build/inferred.json.

    A file is written only when its content changed (the recorded time aside), so running this
    twice on the same inputs leaves a clone's tracked files untouched. ``on_step(what)`` wraps each
    long step (reading, reasoning) when a caller wants to show progress.
    """
    on_step = on_step or (lambda what: nullcontext())
    paths = input_files() if paths is None else paths
    digest = inputs_hash(paths)
    with on_step(f"Reading {len(paths)} Turtle files"):
        inputs = parse_files(paths)
    with on_step(f"Computing the OWL-RL closure of {len(inputs)} triples (owlrl, about 15-30 s)"):
        result = owlrl_closure(inputs)
    build_dir.mkdir(parents=True, exist_ok=True)
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in result.inferred)
    write_if_changed(build_dir / INFERRED_NT, "".join(lines))
    meta = {
        "inputs_sha256": digest,
        "inputs": [str(p.relative_to(p.parents[1])) for p in paths],
        "input_triples": len(result.inputs),
        "closure_triples": len(result.closure),
        "inferred_triples": len(result.inferred),
        "seconds": round(result.seconds, 3),
        "engine": "owlrl OWLRL_Semantics (axiomatic_triples=False, datatype_axioms=False)",
    }
    meta_file = build_dir / INFERRED_META
    if _without_time(_read_meta(meta_file)) != _without_time(meta):
        meta_file.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log.info("closure: %d inferred triples in %.1f s", len(result.inferred), result.seconds)
    return result


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds exactly it; True when written."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _without_time(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k != "seconds"}


def closure_is_current(build_dir: Path = BUILD_DIR, paths: list[Path] | None = None) -> bool:
    paths = input_files() if paths is None else paths
    meta_file, nt_file = build_dir / INFERRED_META, build_dir / INFERRED_NT
    if not (meta_file.is_file() and nt_file.is_file()):
        return False
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return meta.get("inputs_sha256") == inputs_hash(paths)


def ensure_closure(build_dir: Path = BUILD_DIR, paths: list[Path] | None = None) -> Path:
    """build/inferred.nt, rebuilt only when the inputs' hash differs from the recorded one."""
    paths = input_files() if paths is None else paths
    if not closure_is_current(build_dir, paths):
        build_closure(build_dir, paths)
    return build_dir / INFERRED_NT
