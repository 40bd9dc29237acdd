"""Media types <-> serializers for query results and graphs: the one table.

``RESULTS`` serve SELECT and ASK, ``GRAPHS`` serve CONSTRUCT and DESCRIBE. The first entry of each
is the default (what ``*/*`` or no ``Accept`` gets). Every format is written by pyoxigraph.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    name: str  # short name, also the first accepted value of the ``format`` parameter
    media_type: str  # Content-Type of the response (charset added for text types)
    oxigraph: QueryResultsFormat | RdfFormat
    accepts: tuple[str, ...] = ()  # further media types that select it
    aliases: tuple[str, ...] = ()  # further ``format`` parameter values

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type

    @property
    def iri(self) -> str:
        """The W3C formats IRI (http://www.w3.org/ns/formats/...)."""
        return self.oxigraph.iri


RESULTS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", QueryResultsFormat.JSON,
           ("application/json", "text/javascript", "application/javascript"), ("srj",)),
    Format("xml", "application/sparql-results+xml", QueryResultsFormat.XML, (), ("srx",)),
    Format("csv", "text/csv", QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", QueryResultsFormat.TSV),
)

GRAPHS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", RdfFormat.TURTLE,
           ("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
           ("ttl", "n3")),
    Format("ntriples", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",), ("nt", "n-triples")),
    Format("nquads", "application/n-quads", RdfFormat.N_QUADS, (), ("nq", "n-quads")),
    Format("trig", "application/trig", RdfFormat.TRIG),
    Format("rdfxml", "application/rdf+xml", RdfFormat.RDF_XML, ("application/xml",), ("rdf", "xml", "rdf/xml")),
    Format("jsonld", "application/ld+json", RdfFormat.JSON_LD,
           ("application/x-json+ld", "application/json"), ("json-ld", "json")),
)

SERVICE_DESCRIPTION: tuple[Format, ...] = tuple(
    f for f in GRAPHS if f.name in ("turtle", "rdfxml", "jsonld")
)


def _by_media_type(formats: tuple[Format, ...]) -> dict[str, Format]:
    table: dict[str, Format] = {}
    for f in formats:
        for media in (f.media_type, *f.accepts):
            table.setdefault(media, f)
    return table


def media_types(formats: tuple[Format, ...]) -> list[str]:
    """Every media type that selects one of ``formats``, main types first."""
    return list(_by_media_type(formats))


def by_media_type(formats: tuple[Format, ...], media: str) -> Format | None:
    return _by_media_type(formats).get(media.split(";")[0].strip().lower())


def by_name(formats: tuple[Format, ...], value: str) -> Format | None:
    """The format a ``format`` parameter names: a short name, an alias or a media type."""
    value = value.strip().lower()
    for f in formats:
        if value == f.name or value in f.aliases:
            return f
    return by_media_type(formats, value)


def negotiate(formats: tuple[Format, ...], accept: str | None, format_param: str | None) -> Format | None:
    """Pick from ``formats`` by the ``format`` parameter if given, else by the ``Accept`` header.

    ``accept`` is the header's text (None if absent); q-values count, and an empty Accept means
    anything. None means nothing acceptable (406). Answers are memoized: clients send the same few
    headers, and parsing and matching one costs more than the rest of a light query's routing.
    """
    if format_param:
        return by_name(formats, format_param)
    if not accept:
        return formats[0]
    if len(accept) > MAX_MEMO_ACCEPT:
        return _negotiate(formats, accept)
    return _negotiate_memo(formats, accept)


MAX_MEMO_ACCEPT = 1000  # characters; longer Accept headers are matched but not remembered


def _negotiate(formats: tuple[Format, ...], accept: str) -> Format | None:
    parsed = parse_accept_header(accept, MIMEAccept)
    if not parsed:
        return formats[0]
    best = parsed.best_match(media_types(formats))
    return by_media_type(formats, best) if best else None


_negotiate_memo = lru_cache(maxsize=1024)(_negotiate)
