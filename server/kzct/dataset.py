"""Loads the served RDF into named graphs of a pyoxigraph Store: in memory, or the shared on-disk
store of ``kzct.store.shared`` (built once per release, opened read-only by every process).

Project mode (no files given): ``ontology/*.ttl`` -> ``GRAPH_ONTOLOGY``, ``graph/*.ttl`` ->
``GRAPH_DATA``, ``build/inferred.nt`` (the OWL-RL closure from ``kzct.reasoning``) ->
``GRAPH_INFERRED``, and the affiliation chains computed from the ties (``kzct.chaingraph``) ->
``GRAPH_CHAINS`` when there are ties. The store's default graph holds the union of them (as a set: a triple
asserted and also inferred appears once), so a query without ``default-graph-uri`` sees
everything, and ``default-graph-uri=GRAPH_DATA`` sees the asserted data only.

File mode (``--data``): each ``FILE_OR_DIR`` is loaded as is: triples into the default graph,
TriG and N-Quads graphs into their named graphs; ``GRAPH_IRI=FILE`` loads a file's triples into
that named graph instead.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store

from kzct import chaingraph
from kzct.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR
from kzct.store.shared import release_of

log = logging.getLogger(__name__)

EXTENSIONS = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
    ".json": RdfFormat.JSON_LD,
    ".n3": RdfFormat.N3,
}


class DatasetError(Exception):
    """A data file could not be found or parsed."""


@dataclass
class Source:
    """One loaded file and the named graph it went into (None: the default graph)."""

    path: Path
    graph: str | None


@dataclass
class Dataset:
    """The served store and what is in it."""

    store: Store
    sources: list[Source]
    union_default: bool
    graphs: dict[str, int] = field(default_factory=dict)  # named graph IRI -> triples
    default_triples: int = 0
    release: str = ""
    location: Path | None = None  # the shared on-disk store's folder; None: in memory

    @property
    def files(self) -> list[Path]:
        return [s.path for s in self.sources]


def rdf_format(path: Path) -> RdfFormat:
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise DatasetError(f"{path}: unknown RDF file extension {path.suffix!r}")
    return fmt


def rdf_files(path: Path) -> list[Path]:
    """``path`` itself, or the RDF files under a folder (sorted)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)
    if path.is_file():
        return [path]
    raise DatasetError(f"{path}: no such file or folder")


def _load(store: Store, path: Path, graph: str | None, bulk: bool = False) -> None:
    fmt = rdf_format(path)
    to_graph = NamedNode(graph) if graph else None
    if to_graph is not None and fmt.supports_datasets:
        raise DatasetError(f"{path}: a dataset file keeps its own graphs; drop the GRAPH_IRI=")
    try:
        loader = store.bulk_load if bulk else store.load
        loader(path=str(path), format=fmt, base_iri=path.resolve().as_uri(), to_graph=to_graph)
    except (SyntaxError, ValueError, OSError) as exc:
        raise DatasetError(f"{path}: {exc}") from exc


def _inferred_closure() -> Path | None:
    try:
        reasoning = importlib.import_module("kzct.reasoning")
    except ModuleNotFoundError as exc:
        if exc.name != "kzct.reasoning":
            raise
        log.warning("no kzct.reasoning module: serving without the inferred graph")
        return None
    try:
        return Path(reasoning.ensure_closure())
    except Exception as exc:  # the endpoint still serves the asserted data
        log.warning("could not build the OWL-RL closure (%s): serving without the inferred graph", exc)
        return None


def _count(store: Store, graph: NamedNode | DefaultGraph) -> int:
    """Triples in ``graph``, counted by pyoxigraph (faster than iterating them in Python)."""
    solution = next(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", default_graph=graph))
    return int(solution["n"].value)


def _finish(dataset: Dataset) -> Dataset:
    store = dataset.store
    dataset.graphs = {g.value: _count(store, g) for g in store.named_graphs()}
    dataset.default_triples = _count(store, DefaultGraph())
    dataset.release = release_of(dataset.files)
    return dataset


def project_sources(root: Path | None = None, inferred: bool = True) -> list[Source]:
    """The files of a project: ontology, graph and (if ``inferred``) the OWL-RL closure."""
    sources: list[Source] = []
    ontology_dir, graph_dir = (ONTOLOGY_DIR, GRAPH_DIR) if root is None else (root / "ontology", root / "graph")
    for folder, graph in ((ontology_dir, str(GRAPH_ONTOLOGY)), (graph_dir, str(GRAPH_DATA))):
        for path in sorted(folder.glob("*.ttl")):
            sources.append(Source(path, graph))
    if not sources:
        raise DatasetError(f"no Turtle files in {ontology_dir} or {graph_dir}")
    if inferred:
        closure = _inferred_closure() if root is None else root / "inferred.nt"
        if closure is not None and closure.is_file():
            sources.append(Source(closure, str(GRAPH_INFERRED)))
    return sources


def load_project(root: Path | None = None, inferred: bool = True, store_dir: Path | None = None) -> Dataset:
    """A project's ontology, graph and (if ``inferred``) OWL-RL closure, their union as default.

    ``root`` None is this repository (the closure comes from ``kzct.reasoning.ensure_closure``);
    another root (a test fixture) has ``ontology/``, ``graph/`` and optionally ``inferred.nt``.
    ``store_dir``: serve from the shared on-disk store for these files under that folder
    (``kzct.store.shared``), built when missing; None: parse into memory.
    """
    sources = project_sources(root, inferred)
    if store_dir is not None:
        return open_shared(sources, True, store_dir, derive=chaingraph.materialize, derived=chaingraph.version())
    store = Store()
    for source in sources:
        _load(store, source.path, source.graph)
    # The affiliation chains as data (kzct.chaingraph), in a graph of their own when there are ties.
    store.extend(chaingraph.materialize(store))
    # The default graph: the set union of the named graphs.
    store.extend(
        [Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in store.quads_for_pattern(None, None, None)]
    )
    return _finish(Dataset(store, sources, union_default=True))


def open_shared(sources: list[Source], union_default: bool, store_dir: Path, progress=None,
                derive=None, derived: str = "") -> Dataset:
    """The dataset of ``sources`` from its shared on-disk store (built first when missing)."""
    from kzct.store import shared

    files = [(s.path, s.graph) for s in sources]
    key, release = shared.fingerprints(files, union_default, derived, Path(store_dir))
    path = shared.ensure(files, union_default, Path(store_dir), _load, progress, derive, derived, key=key)
    meta = shared.read_meta(path)
    return Dataset(shared.SharedStore(path), sources, union_default, graphs=meta["graphs"],
                   default_triples=meta["default_triples"], release=release, location=path)


def parse_spec(spec: str) -> tuple[str | None, Path]:
    """``"GRAPH_IRI=FILE"`` -> (IRI, path); ``"FILE_OR_DIR"`` -> (None, path)."""
    head, sep, tail = spec.partition("=")
    if sep and ":" in head and not Path(spec).exists():
        return head, Path(tail)
    return None, Path(spec)


def file_sources(specs: list[str]) -> list[Source]:
    sources: list[Source] = []
    for spec in specs:
        graph, path = parse_spec(spec)
        sources.extend(Source(p, graph) for p in rdf_files(path))
    if not sources:
        raise DatasetError("no RDF files found in " + ", ".join(specs))
    for source in sources:
        rdf_format(source.path)
    return sources


def load_files(specs: list[str], store_dir: Path | None = None) -> Dataset:
    """The RDF files named by ``specs`` (see ``parse_spec``); ``store_dir`` as in ``load_project``."""
    sources = file_sources(specs)
    if store_dir is not None:
        return open_shared(sources, False, store_dir)
    store = Store()
    for source in sources:
        _load(store, source.path, source.graph)
    return _finish(Dataset(store, sources, union_default=False))


def load(specs: list[str] | None, root: Path | str | None = None, store_dir: Path | str | None = None) -> Dataset:
    """``load_files(specs)`` when files are given, else ``load_project(root)``."""
    store_dir = Path(store_dir) if store_dir else None
    if specs:
        return load_files(list(specs), store_dir)
    return load_project(Path(root) if root else None, store_dir=store_dir)
