"""Media types <-> serializers for query results and graphs, and content negotiation: the one table.

``RESULTS`` serve SELECT and ASK, ``GRAPHS`` serve CONSTRUCT and DESCRIBE. The first entry of each
is the default (what ``*/*``, no ``Accept``, or an ``Accept`` naming nothing of that table gets).
Every format is written by pyoxigraph.

Negotiation (``negotiate``) is as lenient as Fuseki and Virtuoso, and exact where the spec is:

- a ``format``/``output``/``results`` value that names a format of the table wins; one that names
  only a format of the other table (``format=rdf+xml`` beside a SELECT) falls back to ``Accept``;
  one that names no format at all is refused (None: 406);
- in ``Accept``, q-values count and the most specific range decides (``text/csv`` before
  ``text/*`` before ``*/*``); other media-type parameters are ignored, except that a ``charset``
  other than UTF-8 makes the range match nothing;
- when nothing in ``Accept`` names a format of the table, the table's default answers, unless the
  client excluded it (``*/*;q=0``, or the default's own type with ``q=0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from pyoxigraph import QueryResultsFormat, RdfFormat

from kzct.accept import MAX_MEMO_ACCEPT, Range, parse_accept, quality


@dataclass(frozen=True)
class Format:
    name: str  # short name, also the first accepted value of the ``format`` parameter
    media_type: str  # Content-Type of the response (charset added for text types)
    oxigraph: QueryResultsFormat | RdfFormat
    accepts: tuple[str, ...] = ()  # further media types that select it
    aliases: tuple[str, ...] = ()  # further ``format`` parameter values
    iri: str = ""  # the W3C formats IRI (http://www.w3.org/ns/formats/...)

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.accepts)


W3C = "http://www.w3.org/ns/formats/"
HTML = "text/html"

# Short names: ours, Fuseki's (output=/format=), Virtuoso's, SPARQLWrapper's (format=, output= and
# results= all carry its return format: json, xml, csv, tsv, turtle, n3, rdf, rdf+xml, json-ld).
RESULTS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", QueryResultsFormat.JSON,
           ("application/json", "text/javascript", "application/javascript"),
           ("srj", "sparql-results+json", "json-results"), W3C + "SPARQL_Results_JSON"),
    # application/xml: SPARQL XML for SELECT/ASK (Jena's fallback, older clients); RDF/XML for graphs
    Format("xml", "application/sparql-results+xml", QueryResultsFormat.XML, ("application/xml", "text/xml"),
           ("srx", "sparql-results+xml", "xml-results"), W3C + "SPARQL_Results_XML"),
    Format("csv", "text/csv", QueryResultsFormat.CSV, (), (), W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", QueryResultsFormat.TSV, (), ("tab-separated-values",),
           W3C + "SPARQL_Results_TSV"),
)

GRAPHS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", RdfFormat.TURTLE,
           ("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3",
            "text/rdf+ttl", "text/rdf+turtle"),
           ("ttl", "n3"), W3C + "Turtle"),
    Format("ntriples", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",),
           ("nt", "n-triples"), W3C + "N-Triples"),
    Format("nquads", "application/n-quads", RdfFormat.N_QUADS, (), ("nq", "n-quads"), W3C + "N-Quads"),
    Format("trig", "application/trig", RdfFormat.TRIG, (), (), W3C + "TriG"),
    Format("rdfxml", "application/rdf+xml", RdfFormat.RDF_XML, ("application/xml", "text/xml"),
           ("rdf", "xml", "rdf/xml", "rdf+xml", "rdf-xml"), W3C + "RDF_XML"),
    Format("jsonld", "application/ld+json", RdfFormat.JSON_LD,
           ("application/x-json+ld", "application/json"), ("json-ld", "json", "ld+json"), W3C + "JSON-LD"),
)

SERVICE_DESCRIPTION: tuple[Format, ...] = tuple(
    f for f in GRAPHS if f.name in ("turtle", "rdfxml", "jsonld")
)


def _by_media_type(formats: tuple[Format, ...]) -> dict[str, Format]:
    table: dict[str, Format] = {}
    for f in formats:
        for media in f.media_types:
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


def known_name(value: str) -> bool:
    """``value`` names a format of any table (so it is not a client's typo)."""
    return by_name(RESULTS + GRAPHS, value) is not None or value.strip().lower() in ("html", HTML)


def format_quality(ranges: tuple[Range, ...], fmt: Format) -> tuple[int, float] | None:
    """The best (specificity, q) over the format's media types: (q, specificity) order decides.
    Further media types (``accepts``) count only when named exactly."""
    found = [m for m in (quality(ranges, media) for media in fmt.media_types) if m is not None]
    # Wildcards select the main type only: text/* is CSV, not JSON through text/javascript.
    main = quality(ranges, fmt.media_type)
    found = [m for m in found if m[0] == 3 or m == main]
    return max(found, key=lambda sq: (sq[1], sq[0])) if found else None


def best_of(formats: tuple[Format, ...], accept: str | None, fallback: bool = True) -> Format | None:
    """The format of ``formats`` that ``accept`` prefers (ties: the more specific range, then table
    order). With nothing acceptable: the default (first) unless excluded, if ``fallback``; else None."""
    if not accept or not accept.strip():
        return formats[0]
    ranges = parse_accept(accept)
    if not ranges:
        return formats[0]
    best, best_key = None, None
    for i, fmt in enumerate(formats):
        found = format_quality(ranges, fmt)
        if found is None or found[1] <= 0:
            continue
        key = (found[1], found[0], -i)
        if best_key is None or key > best_key:
            best, best_key = fmt, key
    if best is not None or not fallback:
        return best
    default = format_quality(ranges, formats[0])
    return formats[0] if default is None else None  # matched only with q=0: excluded


def with_html(formats: tuple[Format, ...], accept: str | None, fallback: bool = True) -> tuple[Format | None, bool]:
    """For resources that also have an HTML page: (format, False), or (None, True) when ``accept``
    prefers ``text/html`` to every format; (None, False) when nothing is acceptable."""
    fmt = best_of(formats, accept, fallback=False)
    if accept:
        ranges = parse_accept(accept)
        html = quality(ranges, HTML)
        if html is not None and html[1] > 0 and (fmt is None or html[1] > format_quality(ranges, fmt)[1]):
            return None, True
    if fmt is None and fallback:
        fmt = best_of(formats, accept)
    return fmt, False


def negotiate(formats: tuple[Format, ...], accept: str | None,
              format_param: str | Iterable[str] | None) -> Format | None:
    """Pick from ``formats`` by the ``format`` parameter(s) if they name one, else by ``Accept``.

    ``accept`` is the header's text (None if absent). None means nothing acceptable (406): the
    parameters name no known format at all, or Accept excluded every format of the table.
    """
    values = [format_param] if isinstance(format_param, str) else list(format_param or ())
    kept = tuple(v for v in values if v and v.strip())
    if len(accept or "") + sum(map(len, kept)) > MAX_MEMO_ACCEPT:  # odd requests are not remembered
        return _negotiate.__wrapped__(formats, accept, kept)
    return _negotiate(formats, accept, kept)


@lru_cache(maxsize=256)
def _negotiate(formats: tuple[Format, ...], accept: str | None, values: tuple[str, ...]) -> Format | None:
    """``negotiate``, remembered: a pure function of the table, the header and the parameters, which
    clients repeat request after request (scoring every format of a table costs microseconds a call)."""
    for value in values:
        found = by_name(formats, value)
        if found is not None:
            return found
    if values and not any(known_name(v) for v in values):
        return None
    return best_of(formats, accept)
