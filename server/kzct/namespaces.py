"""The one table of prefixes used by kzct, and the project namespaces."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD

BASE = "https://w3id.org/kzct/"
KZ = Namespace(BASE + "id/")
KZO = Namespace(BASE + "ontology#")
KZSH = Namespace(BASE + "shapes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
# Terms describing the endpoint itself (limits, links) in its Service Description.
KZSD = Namespace(BASE + "service#")
# Terms of the materialized affiliation chains (kzct.chaingraph).
KZCH = Namespace(BASE + "chains#")

# Named graphs of the served dataset.
GRAPH_DATA = KZ["graph/data"]
GRAPH_ONTOLOGY = KZ["graph/ontology"]
GRAPH_INFERRED = KZ["graph/inferred"]
GRAPH_CHAINS = KZ["graph/chains"]

PREFIXES: dict[str, str] = {
    "kz": str(KZ),
    "kzo": str(KZO),
    "kzsh": str(KZSH),
    "kzsd": str(KZSD),
    "kzch": str(KZCH),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "sh": str(SH),
    "skos": str(SKOS),
    "time": str(TIME),
    "xsd": str(XSD),
    "sd": str(SD),
    "void": str(VOID),
    "dcat": str(DCAT),
    "spdx": str(SPDX),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, for queries written in code."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
