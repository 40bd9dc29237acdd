"""Parse RDF with pyoxigraph (strict, with line and column in errors) into rdflib graphs.

The same parser as the served store, so a file that parses here also loads in the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# File extensions and media types the project reads, with their pyoxigraph format.
EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
}
MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
# Short names accepted by --input-format.
FORMAT_NAMES: dict[str, str] = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


class RdfSyntaxError(ValueError):
    """Data that could not be read; ``str()`` is ``file:line:column: message`` (position when known)."""

    def __init__(self, message: str, file: str = "<data>", line: int | None = None,
                 column: int | None = None) -> None:
        self.message, self.file, self.line, self.column = message, file, line, column
        where = file
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


def media_type_for(path: Path | str) -> str:
    """The media type for a file name, by extension; RdfSyntaxError if unknown."""
    fmt = EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise RdfSyntaxError(f"unknown RDF file extension (known: {known})", str(path))
    return fmt.media_type


def format_for(media_type: str) -> ox.RdfFormat:
    base = media_type.split(";")[0].strip().lower()
    fmt = MEDIA_TYPES.get(base) or MEDIA_TYPES.get(FORMAT_NAMES.get(base, ""))
    if fmt is None:
        raise RdfSyntaxError(f"unsupported media type {media_type!r}")
    return fmt


def to_rdflib(term: object) -> Node:
    """One pyoxigraph term as an rdflib term (xsd:string literals become plain literals)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        # normalize=False keeps the lexical form as written ("01" stays "01").
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise RdfSyntaxError(f"unsupported term {term!r} (RDF-star triple terms are not read)")


def iter_triples(data: bytes | str, media_type: str, *, file: str = "<data>",
                 base: str | None = None) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of ``data`` in document order (quads of any graph are merged)."""
    fmt = format_for(media_type)
    try:
        for quad in ox.parse(data, format=fmt, base_iri=base, rename_blank_nodes=True):
            yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)
    except SyntaxError as exc:
        message = str(exc.msg)
        if message.startswith("Parser error at line") and ": " in message:
            message = message.split(": ", 1)[1]
        raise RdfSyntaxError(message, file, exc.lineno, exc.offset) from None


def parse_bytes(data: bytes | str, media_type: str, *, file: str = "<data>",
                base: str | None = None, graph: Graph | None = None) -> Graph:
    graph = Graph() if graph is None else graph
    for triple in iter_triples(data, media_type, file=file, base=base):
        graph.add(triple)
    return graph


def parse_file(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one local (trusted) file, format by extension."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RdfSyntaxError(exc.strerror or str(exc), str(path)) from None
    return parse_bytes(data, media_type_for(path), file=str(path), graph=graph)


def parse_files(paths: Iterable[Path], graph: Graph | None = None) -> Graph:
    graph = Graph() if graph is None else graph
    for path in paths:
        parse_file(path, graph)
    return graph


def turtle_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ttl"))
