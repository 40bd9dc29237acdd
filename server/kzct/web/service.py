"""The SPARQL 1.1 Service Description returned by a GET on /sparql without a query.

It names the formats, the graphs (with their sizes), the limits, and where the VoID description,
the SHACL shapes and the example queries live.
"""

from __future__ import annotations

from html import escape

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from kzct import formats
from kzct.config import Limits
from kzct.dataset import Dataset
from kzct.namespaces import KZSD, PREFIXES, RDF, RDFS, SD, VOID, XSD

SD_PREFIXES = ("sd", "void", "rdf", "rdfs", "xsd", "kzsd")


def _n(term) -> NamedNode:
    return NamedNode(str(term))


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_n(XSD.integer))


def _dec(value: float) -> Literal:
    return Literal(f"{value:g}" if "." in f"{value:g}" else f"{value:g}.0", datatype=_n(XSD.decimal))


def describe(endpoint: str, root: str, dataset: Dataset, limits: Limits, max_body: int) -> list[Triple]:
    """The Service Description of ``endpoint`` as triples; ``root`` is the site's base URL."""
    svc = NamedNode(endpoint)
    t: list[Triple] = []

    def add(s, p, o):
        t.append(Triple(s, _n(p), o))

    add(svc, RDF.type, _n(SD.Service))
    add(svc, SD.endpoint, svc)
    add(svc, SD.supportedLanguage, _n(SD.SPARQL10Query))
    add(svc, SD.supportedLanguage, _n(SD.SPARQL11Query))
    for fmt in formats.RESULTS + formats.GRAPHS:
        add(svc, SD.resultFormat, NamedNode(fmt.iri))
    if dataset.union_default:
        add(svc, SD.feature, _n(SD.UnionDefaultGraph))
    if limits.service_allow:
        add(svc, SD.feature, _n(SD.BasicFederatedQuery))
    add(svc, RDFS.label, Literal("kzct SPARQL endpoint", language="en"))
    add(svc, RDFS.comment, Literal(
        "Read-only SPARQL 1.1 query endpoint (GET, POST form, POST direct). "
        f"Each query may run {limits.timeout:g} s, its wait for a query process included. "
        f"Answers over {limits.stream_after} bytes are streamed; the whole transfer must end within "
        "the time limit, or it is broken off without its last chunk, never cut to look complete. "
        + (f"An answer with more than {limits.max_rows} rows (or triples) is refused with 507. "
           if limits.max_rows else "") +
        f"Queries may be {limits.max_query_length} characters long and nest brackets "
        f"{limits.max_depth} deep; request bodies may be {max_body} bytes. "
        "Updates get 403; SERVICE gets 400 unless the endpoint is on the allow-list, and the "
        "query processes cannot open a network connection; "
        "FROM, FROM NAMED, default-graph-uri and named-graph-uri select local graphs only.",
        language="en"))
    add(svc, KZSD.timeoutSeconds, _dec(limits.timeout))
    if limits.max_rows:
        add(svc, KZSD.maxRows, _int(limits.max_rows))
    add(svc, KZSD.streamAfterBytes, _int(limits.stream_after))
    add(svc, KZSD.maxQueryLength, _int(limits.max_query_length))
    add(svc, KZSD.maxNestingDepth, _int(limits.max_depth))
    add(svc, KZSD.maxRequestBytes, _int(max_body))
    add(svc, KZSD.maxAnswerBytes, _int(limits.max_answer_bytes))
    add(svc, KZSD.queryMemoryMegabytes, _int(limits.memory_mb))
    add(svc, KZSD.queueWaitSeconds, _dec(limits.queue_wait))
    for endpoint_iri in sorted(limits.service_allow):
        add(svc, KZSD.allowedService, NamedNode(endpoint_iri))
    for prop, path in ((KZSD.void, ".well-known/void"), (KZSD.shapes, "shapes"), (KZSD.examples, "queries"),
                       (KZSD.validator, "validate")):
        add(svc, prop, NamedNode(root + path))
        add(svc, RDFS.seeAlso, NamedNode(root + path))

    ds = BlankNode("dataset")
    add(svc, SD.defaultDataset, ds)
    add(ds, RDF.type, _n(SD.Dataset))
    default = BlankNode("default")
    add(ds, SD.defaultGraph, default)
    add(default, RDF.type, _n(SD.Graph))
    add(default, VOID.triples, _int(dataset.default_triples))
    if dataset.union_default:
        add(default, RDFS.comment, Literal(
            "The union of the named graphs: asserted data, ontology and OWL-RL closure. "
            "Send default-graph-uri with a graph name below to query one graph alone.", language="en"))
    for i, (name, size) in enumerate(sorted(dataset.graphs.items())):
        named, graph = BlankNode(f"named{i}"), BlankNode(f"graph{i}")
        add(ds, SD.namedGraph, named)
        add(named, RDF.type, _n(SD.NamedGraph))
        add(named, SD.name, NamedNode(name))
        add(named, SD.graph, graph)
        add(graph, RDF.type, _n(SD.Graph))
        add(graph, VOID.triples, _int(size))
    return t


def render(triples: list[Triple], fmt: formats.Format) -> bytes:
    prefixes = {p: PREFIXES[p] for p in SD_PREFIXES} if fmt.name == "turtle" else None
    return serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""


def render_html(endpoint: str, turtle: bytes) -> str:
    """A minimal page for browsers: a query form and the description in Turtle."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kzct SPARQL endpoint</title></head>
<body>
<h1>kzct SPARQL endpoint</h1>
<form method="get" action="{escape(endpoint)}">
<p><textarea name="query" rows="10" cols="80">SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10</textarea></p>
<p><label>format <select name="format"><option>json</option><option>xml</option><option>csv</option>
<option>tsv</option><option>turtle</option><option>jsonld</option></select></label>
<button type="submit">Run</button></p>
</form>
<h2>Service Description</h2>
<pre>{escape(turtle.decode("utf-8"))}</pre>
</body></html>
"""
