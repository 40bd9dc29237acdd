"""Reading RDF that someone else sent: size and nesting caps, no DTDs, no remote contexts.

Used by ``kzct validate`` and by the HTTP service (``POST /validate``). Every refusal is an
``UnsafeData`` (a ``RdfSyntaxError``) with a one-line message, never a crash.
"""

from __future__ import annotations

import json
import re
import xml.parsers.expat

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from kzct.rdfparse import RdfSyntaxError, format_for, parse_bytes

MAX_BYTES = 10_000_000
MAX_TRIPLES = 200_000  # most triples in one upload: validation time grows with them
MAX_LIST = 10_000  # most members of all RDF lists (rdf:first) in one upload
MAX_DEPTH = 64  # deepest nesting of [ ( { in Turtle/TriG/JSON, or of XML elements

# Tokens that matter for nesting in Turtle/TriG: strings, IRIs and comments are skipped whole.
TURTLE_TOKENS = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""' rb"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    rb'|"(?:[^"\\\n]|\\.)*"' rb"|'(?:[^'\\\n]|\\.)*'"
    rb"|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[\[\](){}]")
JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
SPARQL_KEYS = ("select", "ask", "construct", "update")
FORBIDDEN_SPARQL = re.compile(r"\b(SERVICE|LOAD)\b", re.IGNORECASE)


class UnsafeData(RdfSyntaxError):
    """Data refused before or instead of parsing (too big, too deep, DTD, remote context...)."""


def parse_untrusted(data: bytes, media_type: str, base: str | None = None,
                    max_bytes: int = MAX_BYTES, *, max_depth: int = MAX_DEPTH,
                    max_triples: int = MAX_TRIPLES, max_list: int = MAX_LIST,
                    file: str = "<data>") -> Graph:
    """Parse uploaded RDF safely into a Graph (named graphs of TriG/N-Quads are merged).

    Refuses: more than ``max_bytes``; nesting deeper than ``max_depth``; RDF/XML with a DOCTYPE
    or ENTITY declaration; JSON-LD whose ``@context`` (at any level) is not inline, or that uses
    ``@import``; more than ``max_triples`` triples or ``max_list`` RDF list members (counted
    by the Rust parser before any Python object is made). Syntax errors carry the parser's line
    and column. Nothing is fetched.
    """
    if len(data) > max_bytes:
        raise UnsafeData(f"{len(data)} bytes is more than the limit of {max_bytes}", file)
    fmt = format_for(media_type)
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3):
        _check_depth(data, TURTLE_TOKENS, max_depth, file)
    elif fmt == ox.RdfFormat.JSON_LD:
        _check_depth(data, JSON_TOKENS, max_depth, file)
        _check_jsonld(data, file)
    elif fmt == ox.RdfFormat.RDF_XML:
        _check_xml(data, max_depth, file)
    _check_size(data, fmt, base, max_triples, max_list, file)
    return parse_bytes(data, fmt.media_type, file=file, base=base)


def _check_size(data: bytes, fmt, base: str | None, max_triples: int, max_list: int, file: str) -> None:
    """Count triples and list members with the Rust parser alone, before any Python term is made."""
    first = ox.NamedNode(str(RDF.first))
    triples = members = 0
    try:
        for quad in ox.parse(data, format=fmt, base_iri=base):
            triples += 1
            if triples > max_triples:
                raise UnsafeData(f"more than {max_triples:,} triples; the limit per upload is {max_triples:,}", file)
            if quad.predicate == first:
                members += 1
                if members > max_list:
                    raise UnsafeData(f"RDF lists with more than {max_list:,} members in all are not accepted", file)
    except SyntaxError:
        return  # parse_bytes reports it with its line and column


def check_shapes(shapes: Graph, file: str = "<shapes>") -> None:
    """Refuse uploaded shapes whose SPARQL would reach out (SERVICE) or load data (LOAD)."""
    for key in SPARQL_KEYS:
        for text in shapes.objects(None, SH[key]):
            if isinstance(text, Literal) and FORBIDDEN_SPARQL.search(str(text)):
                word = FORBIDDEN_SPARQL.search(str(text)).group(1).upper()
                raise UnsafeData(f"SPARQL-based shapes may not use {word}", file)


def _line_of(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _check_depth(data: bytes, tokens: re.Pattern[bytes], max_depth: int, file: str) -> None:
    depth = 0
    for match in tokens.finditer(data):
        ch = match.group(0)
        if ch in (b"[", b"(", b"{"):
            depth += 1
            if depth > max_depth:
                line, column = _line_of(data, match.start())
                raise UnsafeData(f"nesting deeper than {max_depth} levels", file, line, column)
        elif ch in (b"]", b")", b"}"):
            depth = max(0, depth - 1)


def _check_jsonld(data: bytes, file: str) -> None:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise UnsafeData(f"not JSON: {getattr(exc, 'msg', exc)}", file, line, column) from None
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@import":
                    raise UnsafeData("JSON-LD @import is not allowed; put the context inline", file)
                if key == "@context":
                    contexts = value if isinstance(value, list) else [value]
                    if any(c is not None and not isinstance(c, dict) for c in contexts):
                        raise UnsafeData("JSON-LD @context must be inline (remote and file "
                                         "contexts are not fetched)", file)
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _check_xml(data: bytes, max_depth: int, file: str) -> None:
    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    def refuse(what: str) -> None:
        raise UnsafeData(f"RDF/XML with {what} is not accepted", file,
                         parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def start(name: str, attrs: dict) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise UnsafeData(f"XML nesting deeper than {max_depth} levels", file,
                             parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = lambda *a: refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = lambda *a: refuse("an ENTITY declaration")
    parser.ExternalEntityRefHandler = lambda *a: refuse("an external entity")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        raise UnsafeData(f"not well-formed XML: {message}", file, exc.lineno, exc.offset + 1) from None
