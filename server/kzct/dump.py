"""Dumps of the whole served dataset: ``kzct-<version>.<ttl|nt|nq|trig|jsonld>`` with SHA-256 files.

The version is the data release: the ``owl:versionInfo`` of the ``owl:Ontology`` in the data, or
the dataset's release hash when there is none. ``.ttl`` and ``.nt`` hold the default graph (for
the project: the union of the data, ontology and inferred graphs); ``.nq``, ``.trig`` and
``.jsonld`` hold the named graphs (and the default graph too when it is not their union).

A manifest ``kzct-<version>.json`` records the hash of the inputs (``Dataset.release``) and each
file's SHA-256; ``ensure_dumps`` rebuilds only when the inputs changed or a file is missing or
altered. Files are written beside their final name and renamed into place under a lock, so
processes starting together never serve half a file.

The files are reproducible: the same inputs give the same bytes, so the SHA-256 in the VoID
description pins the data. Every file is written from its quads sorted (graph, subject, predicate,
object) after RDFC-1.0 canonicalization (pyoxigraph) has given the blank nodes labels that depend
only on the graph (pyoxigraph labels them afresh each time it loads a file); no file holds a time.

``build_in_background`` starts the work in a forked process that holds the folder's lock from
the start, so a server answers queries while its dumps are written.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import logging
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import CanonicalizationAlgorithm, DefaultGraph, NamedNode, Quad, serialize
from pyoxigraph import Dataset as PyDataset

from kzct import formats, isolate
from kzct.dataset import Dataset
from kzct.namespaces import OWL, PREFIXES, RDF
from kzct.paths import BUILD_DIR

log = logging.getLogger(__name__)

# file extension -> name of the format in kzct.formats.GRAPHS
EXTENSIONS = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "jsonld": "jsonld"}
SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
PROJECT_DUMP_DIR = BUILD_DIR / "dumps"


@dataclass(frozen=True)
class DumpFile:
    name: str  # kzct-<version>.<ext>
    path: Path
    format: formats.Format
    sha256: str
    size: int

    @property
    def checksum_name(self) -> str:
        return self.name + ".sha256"


@dataclass(frozen=True)
class Dumps:
    version: str
    inputs: str
    folder: Path
    files: tuple[DumpFile, ...]

    def get(self, name: str) -> DumpFile | None:
        """The dump file called exactly ``name`` (no other file of the folder is ever returned)."""
        for f in self.files:
            if f.name == name:
                return f
        return None


def release_version(dataset: Dataset) -> str:
    """``owl:versionInfo`` of the ontology in the data (if usable in a file name), else the release hash."""
    store = dataset.store
    versions = sorted(
        q.object.value
        for ontology in store.quads_for_pattern(None, NamedNode(str(RDF.type)), NamedNode(str(OWL.Ontology)))
        for q in store.quads_for_pattern(ontology.subject, NamedNode(str(OWL.versionInfo)), None)
    )
    for version in versions:
        if SAFE_VERSION.match(version):
            return version
    return dataset.release


def default_folder(dataset: Dataset, project: bool) -> Path:
    """``build/dumps`` for the project itself; a temporary folder per release for other data."""
    if project:
        return PROJECT_DUMP_DIR
    return Path(tempfile.gettempdir()) / f"kzct-dumps-{dataset.release}"


def canonical_quads(quads) -> list[Quad]:
    """``quads`` with canonical blank-node labels (RDFC-1.0), sorted: the same list for the same
    graph however its files were loaded, so the bytes written from it are the same too."""
    canonical = PyDataset(quads)
    canonical.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(canonical, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def _dump(dataset: Dataset, path: Path, fmt: formats.Format, prefixes: dict | None) -> None:
    """Write ``fmt`` to ``path``: the default graph, or for dataset formats the named graphs (and the
    default graph when it is not their union); sorted, blank nodes labelled canonically."""
    store = dataset.store
    if not fmt.oxigraph.supports_datasets:
        terms = [q.triple for q in canonical_quads(store.quads_for_pattern(None, None, None, DefaultGraph()))]
    elif not dataset.union_default:
        terms = canonical_quads(store.quads_for_pattern(None, None, None))
    else:
        graphs = sorted(store.named_graphs(), key=lambda g: g.value)
        terms = canonical_quads(itertools.chain.from_iterable(
            store.quads_for_pattern(None, None, None, g) for g in graphs))
    serialize(terms, str(path), fmt.oxigraph, prefixes=prefixes)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write(path: Path, data: bytes) -> None:
    tmp = _tmp_path(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


_HELD: set[int] = set()  # descriptors of the folder locks this process holds


def _close_held_in_child() -> None:
    # A forked child (a query process) must not keep this process's lock alive: closing its copy
    # of the descriptor leaves the lock with the parent, which releases it as usual.
    for fd in list(_HELD):
        os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


def _lock_file(folder: Path) -> int:
    return os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o644)


@contextmanager
def _lock(folder: Path):
    fd = _lock_file(folder)
    _HELD.add(fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)  # releases the lock


def _manifest_path(folder: Path, version: str) -> Path:
    return folder / f"kzct-{version}.json"


def _load_current(folder: Path, version: str, inputs: str, verify: bool = True) -> Dumps | None:
    """The dumps already in ``folder`` if they were built from ``inputs`` and are intact (their
    SHA-256 checked if ``verify``; else only that they exist)."""
    try:
        manifest = json.loads(_manifest_path(folder, version).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("inputs") != inputs or set(manifest.get("files", {})) != {
        f"kzct-{version}.{ext}" for ext in EXTENSIONS
    }:
        return None
    files = []
    for ext, fmt_name in EXTENSIONS.items():
        name = f"kzct-{version}.{ext}"
        path = folder / name
        if not (folder / (name + ".sha256")).is_file() or not path.is_file():
            return None
        if verify and sha256_of(path) != manifest["files"][name]:
            return None
        files.append(DumpFile(name, path, formats.by_name(formats.GRAPHS, fmt_name), manifest["files"][name],
                              path.stat().st_size))
    return Dumps(version, inputs, folder, tuple(files))


def build_dumps(dataset: Dataset, folder: Path, version: str) -> Dumps:
    """Write every dump, its ``.sha256`` file and the manifest (unconditionally)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for ext, fmt_name in EXTENSIONS.items():
        fmt = formats.by_name(formats.GRAPHS, fmt_name)
        prefixes = PREFIXES if fmt_name in ("turtle", "trig") else None
        name = f"kzct-{version}.{ext}"
        path = folder / name
        tmp = _tmp_path(path)
        _dump(dataset, tmp, fmt, prefixes)
        digest = sha256_of(tmp)
        os.replace(tmp, path)
        _write(folder / (name + ".sha256"), f"{digest}  {name}\n".encode())
        files.append(DumpFile(name, path, fmt, digest, path.stat().st_size))
    manifest = {"version": version, "inputs": dataset.release, "files": {f.name: f.sha256 for f in files}}
    _write(_manifest_path(folder, version), (json.dumps(manifest, indent=2) + "\n").encode())
    log.info("wrote %d dumps of release %s (version %s) to %s", len(files), dataset.release, version, folder)
    return Dumps(version, dataset.release, folder, tuple(files))


def ensure_dumps(dataset: Dataset, folder: Path, force: bool = False, verify: bool = True) -> tuple[Dumps, bool]:
    """The dumps of ``dataset`` in ``folder``, built if missing or stale; (dumps, whether built).

    ``verify=False`` trusts the manifest's checksums for files that exist: for a caller that
    checks them itself (``kzct.web.download`` hashes what it opens)."""
    version = release_version(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    with _lock(folder):
        return _current_or_built(dataset, folder, version, force, verify)


def _current_or_built(dataset: Dataset, folder: Path, version: str, force: bool = False,
                      verify: bool = True) -> tuple[Dumps, bool]:
    current = None if force else _load_current(folder, version, dataset.release, verify)
    if current is not None:
        return current, False
    return build_dumps(dataset, folder, version), True


def build_in_background(dataset: Dataset, folder: Path) -> int | None:
    """Fork a process that makes the dumps in ``folder`` current; its pid (None: not started).

    The folder's lock is taken before the fork and held by the child alone, so ``ensure_dumps``
    in any process started after this call waits for the child's files. Nothing is started when
    another process holds the lock already: that one is writing them. Call it while the process
    has no other threads (before gunicorn forks its workers).
    """
    version = release_version(dataset)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = _lock_file(folder)
    except OSError as exc:
        log.warning("could not prepare %s for the dumps (%s)", folder, exc)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which keeps ``fd`` and so the lock
        code = 0
        try:
            isolate.child_setup()
            _current_or_built(dataset, folder, version)
        except BaseException as exc:  # noqa: BLE001 - the servers report the missing dumps
            log.warning("could not write the dumps to %s (%s)", folder, exc)
            code = 1
        finally:
            os._exit(code)
    os.close(fd)  # the lock stays with the child's copy until the child exits
    return pid
