"""One on-disk store per data release, built once, opened read-only by every process that serves it.

``ensure(sources, union_default, directory)`` returns the folder of the RocksDB store (pyoxigraph)
for exactly these input files: ``directory/<key>/``, where the key hashes the files' names and
bytes, the graph each goes into, and this module's ``FORMAT``. When that folder is missing it is
built in a temporary folder beside it (a progress line per file, bulk loading; the union of the
named graphs copied into the default graph when ``union_default``; counts kept in
``kzct-store.json``) and renamed into place, so a half-built store is never opened and two builders
racing each other both end with the same store. A stale store is simply a different key.

``SharedStore(path)`` stands in for a pyoxigraph ``Store``: each process opens the folder read-only
the first time it touches it (a forked child opens its own handle instead of using its parent's),
so a server's workers and query processes share the operating system's page cache instead of each
holding a parsed copy of the graph, a restart opens instead of parsing, and graphs larger than
memory can be served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

log = logging.getLogger(__name__)

FORMAT = "kzct-store-1"
META = "kzct-store.json"


class SharedStore:
    """A read-only pyoxigraph Store on ``path``, opened once per process on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._store: Store | None = None
        self._pid = -1
        self._inherited: list[Store] = []  # handles of a parent process: kept, never used or closed here

    @property
    def opened(self) -> Store:
        if self._pid != os.getpid():
            if self._store is not None:
                self._inherited.append(self._store)
            self._store = Store.read_only(str(self.path))
            self._pid = os.getpid()
        return self._store

    def __getattr__(self, name):
        return getattr(self.opened, name)


def key_of(sources: list[tuple[Path, str | None]], union_default: bool, derived: str = "") -> str:
    return fingerprints(sources, union_default, derived)[0]


def file_digest(path: Path, known: dict | None = None) -> str:
    """The SHA-256 of a file's bytes; from ``known`` when its size, mtime and inode are unchanged."""
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    entry = (known or {}).get(str(path.resolve()))
    if entry and entry[:3] == stamp:
        return entry[3]
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    if known is not None:
        known[str(path.resolve())] = stamp + [digest.hexdigest()]
    return digest.hexdigest()


def release_of(paths: list[Path], known: dict | None = None) -> str:
    """The data release: a hash of every file's name and bytes (its ETag, its citation pin)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path.name}\0{file_digest(path, known)}\0".encode())
    return digest.hexdigest()[:16]


def fingerprints(sources: list[tuple[Path, str | None]], union_default: bool, derived: str = "",
                 directory: Path | None = None) -> tuple[str, str]:
    """(the store's key, the data release).

    Each file is read once; with ``directory``, the digests of files whose size, mtime and inode are
    unchanged come from ``directory/digests.json``, so reopening a large store reads no data file.
    """
    cache = directory / "digests.json" if directory is not None else None
    known: dict = {}
    if cache is not None and cache.is_file():
        try:
            known = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
    before = dict(known)
    key = hashlib.sha256(f"{FORMAT}\0{union_default}\0{derived}\0".encode())
    for path, graph in sources:
        key.update(f"{path.name}\0{graph or ''}\0{file_digest(path, known)}\0".encode())
    release = release_of([p for p, _ in sources], known)
    if cache is not None and known != before:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            temporary = cache.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(known), encoding="utf-8")
            os.replace(temporary, cache)
        except OSError:
            pass  # only a cache
    return key.hexdigest()[:24], release


def read_meta(path: Path) -> dict:
    return json.loads((path / META).read_text(encoding="utf-8"))


BULK_BYTES = 20_000_000  # inputs larger than this are bulk-loaded (no transactions, SST files written directly)


def ensure(sources: list[tuple[Path, str | None]], union_default: bool, directory: Path,
           load: Callable[[Store, Path, str | None, bool], None],
           progress: Callable[[str], None] | None = None,
           derive: Callable[[Store], list[Quad]] | None = None, derived: str = "",
           key: str | None = None) -> Path:
    """The folder of the store for ``sources`` under ``directory``, built when missing.

    ``derive`` adds quads computed from the loaded files (the chains graph) before the union;
    ``derived`` names its version (a hash of its code), which is part of the key; ``key`` when the
    caller has it already (``fingerprints``).
    """
    say = progress or log.info
    key = key or key_of(sources, union_default, derived)
    path = directory / key
    if (path / META).is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    building = directory / f".{key}.{os.getpid()}.building"
    shutil.rmtree(building, ignore_errors=True)
    start = time.monotonic()
    store = Store(str(building))
    total = sum(p.stat().st_size for p, _ in sources)
    bulk = total > BULK_BYTES
    done = 0
    for path_, graph in sources:
        done += path_.stat().st_size
        load(store, path_, graph, bulk)
        if total > 50_000_000 or len(sources) <= 20:
            say(f"store {key}: loaded {path_.name} ({done * 100 // max(total, 1)} % of {total / 1e6:.1f} MB, "
                f"{time.monotonic() - start:.1f} s)")
    if derive is not None:
        store.extend(derive(store))
    if union_default:
        batch: list[Quad] = []
        for quad in store.quads_for_pattern(None, None, None, None):
            if isinstance(quad.graph_name, DefaultGraph):
                continue
            batch.append(Quad(quad.subject, quad.predicate, quad.object, DefaultGraph()))
            if len(batch) >= 1_000_000:
                (store.bulk_extend if bulk else store.extend)(batch)
                batch = []
        (store.bulk_extend if bulk else store.extend)(batch)
        say(f"store {key}: default graph is the union of the named graphs ({time.monotonic() - start:.1f} s)")
    graphs = {g.value: _count(store, g) for g in store.named_graphs()}
    default_triples = _count(store, DefaultGraph())
    store.flush()
    store.optimize()
    del store
    meta = {"format": FORMAT, "key": key, "graphs": graphs, "default_triples": default_triples,
            "sources": [[str(p), g] for p, g in sources], "build_seconds": round(time.monotonic() - start, 2)}
    (building / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    try:
        os.rename(building, path)
    except OSError:  # another builder finished first: its store holds the same data
        shutil.rmtree(building, ignore_errors=True)
    say(f"store {key}: built in {time.monotonic() - start:.1f} s, {default_triples} triples in the default graph")
    return path


def _count(store: Store, graph: NamedNode | DefaultGraph) -> int:
    solution = next(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", default_graph=graph))
    return int(solution["n"].value)
