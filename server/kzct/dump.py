"""Dumps of the whole served dataset: ``kzct-<version>.<ttl|nt|nq|trig|jsonld>`` with SHA-256 files.

The version is the data release: the ``owl:versionInfo`` of the ``owl:Ontology`` in the data, or
the dataset's release hash when there is none. ``.ttl`` and ``.nt`` hold the default graph (for
the project: the union of the data, ontology and inferred graphs); ``.nq``, ``.trig`` and
``.jsonld`` hold the named graphs (and the default graph too when it is not their union).

A manifest ``kzct-<version>.json`` records the hash of the inputs (``Dataset.release``) and each
file's SHA-256; ``ensure_dumps`` rebuilds only when the inputs changed or a file is missing or
altered. Files are written beside their final name and renamed into place under a lock, so
processes starting together never serve half a file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, serialize

from kzct import formats
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


def _quads(dataset: Dataset, with_graphs: bool) -> list[Quad]:
    store = dataset.store
    if not with_graphs:
        return sorted(store.quads_for_pattern(None, None, None, DefaultGraph()), key=str)
    quads = [q for q in store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, DefaultGraph)]
    if not dataset.union_default:
        quads.extend(store.quads_for_pattern(None, None, None, DefaultGraph()))
    return sorted(quads, key=lambda q: (str(q.graph_name), str(q)))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@contextmanager
def _lock(folder: Path):
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _manifest_path(folder: Path, version: str) -> Path:
    return folder / f"kzct-{version}.json"


def _load_current(folder: Path, version: str, inputs: str) -> Dumps | None:
    """The dumps already in ``folder`` if they were built from ``inputs`` and are intact."""
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
        if not (folder / (name + ".sha256")).is_file() or not path.is_file() or sha256_of(path) != manifest["files"][name]:
            return None
        files.append(DumpFile(name, path, formats.by_name(formats.GRAPHS, fmt_name), manifest["files"][name],
                              path.stat().st_size))
    return Dumps(version, inputs, folder, tuple(files))


def build_dumps(dataset: Dataset, folder: Path, version: str) -> Dumps:
    """Write every dump, its ``.sha256`` file and the manifest (unconditionally)."""
    folder.mkdir(parents=True, exist_ok=True)
    triples = _quads(dataset, with_graphs=False)
    quads = _quads(dataset, with_graphs=True)
    files = []
    for ext, fmt_name in EXTENSIONS.items():
        fmt = formats.by_name(formats.GRAPHS, fmt_name)
        data = quads if fmt.oxigraph.supports_datasets else [q.triple for q in triples]
        prefixes = PREFIXES if fmt_name in ("turtle", "trig") else None
        body = serialize(data, format=fmt.oxigraph, prefixes=prefixes) or b""
        name = f"kzct-{version}.{ext}"
        path = folder / name
        _write(path, body)
        digest = hashlib.sha256(body).hexdigest()
        _write(folder / (name + ".sha256"), f"{digest}  {name}\n".encode())
        files.append(DumpFile(name, path, fmt, digest, len(body)))
    manifest = {"version": version, "inputs": dataset.release, "files": {f.name: f.sha256 for f in files}}
    _write(_manifest_path(folder, version), (json.dumps(manifest, indent=2) + "\n").encode())
    log.info("wrote %d dumps of release %s (version %s) to %s", len(files), dataset.release, version, folder)
    return Dumps(version, dataset.release, folder, tuple(files))


def ensure_dumps(dataset: Dataset, folder: Path, force: bool = False) -> tuple[Dumps, bool]:
    """The dumps of ``dataset`` in ``folder``, built if missing or stale; (dumps, whether built)."""
    version = release_version(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    with _lock(folder):
        current = None if force else _load_current(folder, version, dataset.release)
        if current is not None:
            return current, False
        return build_dumps(dataset, folder, version), True
