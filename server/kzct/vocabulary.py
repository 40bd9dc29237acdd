"""The small vocabularies the server itself mints, as data: ``kzsd:`` (``https://w3id.org/kzct/service#``),
the terms the Service Description and VoID use where SPARQL Service Description and VoID have none
(limits, links, the release), served at ``/service``; and ``kzch:`` (``https://w3id.org/kzct/chains#``),
the terms of the materialized affiliation chains (``kzct.chaingraph``), served at ``/chains``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Triple

from kzct.namespaces import BASE, KZCH, KZO, KZSD, OWL, RDF, RDFS, SD, VOID, XSD

VOCABULARY_IRI = BASE + "service"
TITLE = "kzct service vocabulary"
COMMENT = ("Terms that describe the kzct SPARQL endpoint and its dataset where SPARQL 1.1 Service "
           "Description and VoID have none: the limits a query runs under, where the examples, "
           "shapes and validator live, and the data release.")

# local name -> (domain, range, label, comment); every term is an owl:DatatypeProperty when its
# range is an XSD datatype, else an owl:ObjectProperty
TERMS: dict[str, tuple[str, str, str, str]] = {
    "timeoutSeconds": (str(SD.Service), str(XSD.decimal), "timeout in seconds",
                       "Wall-clock time one query may run, its wait for a query process included; a longer "
                       "one is stopped and answered 503."),
    "maxRows": (str(SD.Service), str(XSD.integer), "maximum rows",
                "Rows (or triples) one answer may have, when the endpoint sets a limit; a longer answer is "
                "refused with 507, or its stream broken off, never cut."),
    "maxAnswerBytes": (str(SD.Service), str(XSD.integer), "maximum answer bytes",
                       "Bytes an answer held whole may have (named queries, pages); a larger one is refused "
                       "with 507. The SPARQL endpoint streams answers instead (streamAfterBytes)."),
    "streamAfterBytes": (str(SD.Service), str(XSD.integer), "stream after bytes",
                         "Answers of the SPARQL endpoint larger than this are streamed (chunked transfer, no "
                         "Content-Length) within the time limit; a stream that cannot be finished is broken "
                         "off without its last chunk, which HTTP clients report as a failed transfer."),
    "queryMemoryMegabytes": (str(SD.Service), str(XSD.integer), "query memory in megabytes",
                             "Memory one query's process may add; past it the query is stopped with 507."),
    "queueWaitSeconds": (str(SD.Service), str(XSD.decimal), "queue wait in seconds",
                         "How long a query waits for a free query process before 503 with Retry-After."),
    "maxQueryLength": (str(SD.Service), str(XSD.integer), "maximum query length",
                       "Characters a query may have (414 for a GET, 413 for a POST beyond it)."),
    "maxNestingDepth": (str(SD.Service), str(XSD.integer), "maximum nesting depth",
                        "How deep brackets and prefix operators may nest in a query; deeper gets 400."),
    "maxRequestBytes": (str(SD.Service), str(XSD.integer), "maximum request bytes",
                        "Bytes a request body may have (413 beyond it)."),
    "truncationHeader": (str(SD.Service), str(XSD.string), "truncation header",
                         "Retired 2026-12-05: answers are no longer cut, so no header marks a cut one; "
                         "Service Descriptions no longer use this term."),
    "allowedService": (str(SD.Service), str(RDFS.Resource), "allowed SERVICE endpoint",
                       "An endpoint a query sent here may call with SERVICE; every other one gets 400."),
    "void": (str(SD.Service), str(VOID.Dataset), "VoID description",
             "Where the VoID description of the served dataset is."),
    "shapes": (str(SD.Service), str(RDFS.Resource), "SHACL shapes",
               "Where the SHACL shapes the data is checked against are, one page per shape."),
    "examples": (str(SD.Service), str(RDFS.Resource), "example queries",
                 "Where the named queries (stable URLs for common questions) are listed."),
    "validator": (str(SD.Service), str(RDFS.Resource), "validator",
                  "Where anyone's RDF can be validated against the shapes (POST)."),
    "release": (str(VOID.Dataset), str(XSD.string), "release",
                "A hash of every loaded file: the ETag of every response, and the pin of a citation."),
}


CHAIN = str(KZCH.Chain)
HOP = str(KZCH.Hop)
CHAIN_TERMS: dict[str, tuple[str, str, str, str]] = {
    "Chain": ("", "", "affiliation chain",
              "A simple path of tie statements from one organization to another (no organization twice), "
              "as the affiliation-chains named query finds it."),
    "Hop": ("", "", "hop", "One tie of a chain, walked from one organization to the next."),
    "start": (CHAIN, str(KZO.Organization), "starts at", "The organization the chain starts from."),
    "end": (CHAIN, str(KZO.Organization), "ends at", "The organization the chain leads to."),
    "length": (CHAIN, str(XSD.integer), "length", "How many ties the chain has."),
    "rank": (CHAIN, str(XSD.integer), "rank",
             "Its place among the chains between the same two organizations: shortest first, then by "
             "the strength of the statuses of its hops (the order of the named query)."),
    "weakestStatus": (CHAIN, str(RDFS.Resource), "weakest status",
                      "The weakest status among its hops (asserted is the strongest, negated the weakest)."),
    "hop": (CHAIN, HOP, "hop", "One of its hops."),
    "position": (HOP, str(XSD.integer), "position", "Where the hop is in its chain, from 1."),
    "from": (HOP, str(KZO.Organization), "from", "The organization the hop leaves."),
    "to": (HOP, str(KZO.Organization), "to", "The organization the hop reaches."),
    "tie": (HOP, str(KZO.Tie), "tie", "The tie statement the hop walks (in either direction)."),
    "kind": (HOP, str(RDFS.Resource), "kind", "The kind of tie."),
    "status": (HOP, str(RDFS.Resource), "status", "The status of the tie statement (kzo:status)."),
    "claimant": (HOP, str(RDFS.Resource), "claimant", "Who claimed the tie (kzo:claimedBy)."),
    "quote": (HOP, str(RDF.langString), "quote", "The sentence of the article that states the tie."),
}


@dataclass(frozen=True)
class Vocabulary:
    iri: str
    namespace: str
    title: str
    comment: str
    terms: dict[str, tuple[str, str, str, str]]

    def triples(self) -> list[Triple]:
        return _triples(self)


SERVICE = Vocabulary(VOCABULARY_IRI, str(KZSD), TITLE, COMMENT, TERMS)
CHAINS = Vocabulary(BASE + "chains", str(KZCH), "kzct affiliation-chain vocabulary",
                    "Terms of the named graph <https://w3id.org/kzct/id/graph/chains>: the affiliation "
                    "chains between organizations, with every hop's tie, status, claimants and quote, "
                    "materialized when the dataset is loaded so that SPARQL (and SERVICE) can ask for them.",
                    CHAIN_TERMS)


def triples() -> list[Triple]:
    return SERVICE.triples()


def _triples(vocab: Vocabulary) -> list[Triple]:
    vocabulary = NamedNode(vocab.iri)
    t = [
        Triple(vocabulary, NamedNode(str(RDF.type)), NamedNode(str(OWL.Ontology))),
        Triple(vocabulary, NamedNode(str(RDFS.label)), Literal(vocab.title, language="en")),
        Triple(vocabulary, NamedNode(str(RDFS.comment)), Literal(vocab.comment, language="en")),
    ]
    for name, (domain, range_, label, comment) in vocab.terms.items():
        term = NamedNode(vocab.namespace + name)
        if not domain:
            t += [
                Triple(term, NamedNode(str(RDF.type)), NamedNode(str(OWL.Class))),
                Triple(term, NamedNode(str(RDFS.label)), Literal(label, language="en")),
                Triple(term, NamedNode(str(RDFS.comment)), Literal(comment, language="en")),
                Triple(term, NamedNode(str(RDFS.isDefinedBy)), vocabulary),
            ]
            continue
        kind = OWL.DatatypeProperty if range_.startswith(str(XSD)) or range_ == str(RDF.langString) \
            else OWL.ObjectProperty
        t += [
            Triple(term, NamedNode(str(RDF.type)), NamedNode(str(kind))),
            Triple(term, NamedNode(str(RDFS.label)), Literal(label, language="en")),
            Triple(term, NamedNode(str(RDFS.comment)), Literal(comment, language="en")),
            Triple(term, NamedNode(str(RDFS.domain)), NamedNode(domain)),
            Triple(term, NamedNode(str(RDFS.range)), NamedNode(range_)),
            Triple(term, NamedNode(str(RDFS.isDefinedBy)), vocabulary),
        ]
    return t
