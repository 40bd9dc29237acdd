"""The ``kzsd:`` vocabulary (``https://w3id.org/kzct/service#``): the terms the Service Description and
the VoID description use for what SPARQL Service Description and VoID have no term for (limits,
links, the release). ``triples()`` is the vocabulary document served at ``/service``.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Triple

from kzct.namespaces import BASE, KZSD, OWL, RDF, RDFS, SD, VOID, XSD

VOCABULARY_IRI = BASE + "service"
TITLE = "kzct service vocabulary"
COMMENT = ("Terms that describe the kzct SPARQL endpoint and its dataset where SPARQL 1.1 Service "
           "Description and VoID have none: the limits a query runs under, where the examples, "
           "shapes and validator live, and the data release.")

# local name -> (domain, range, label, comment); every term is an owl:DatatypeProperty when its
# range is an XSD datatype, else an owl:ObjectProperty
TERMS: dict[str, tuple[str, str, str, str]] = {
    "timeoutSeconds": (str(SD.Service), str(XSD.decimal), "timeout in seconds",
                       "Wall-clock time one query may run; a longer one is stopped and answered 503."),
    "maxRows": (str(SD.Service), str(XSD.integer), "maximum rows",
                "Rows (or triples) sent per answer; a longer answer is cut and marked by the truncation header."),
    "maxQueryLength": (str(SD.Service), str(XSD.integer), "maximum query length",
                       "Characters a query may have (414 for a GET, 413 for a POST beyond it)."),
    "maxNestingDepth": (str(SD.Service), str(XSD.integer), "maximum nesting depth",
                        "How deep brackets may nest in a query; deeper gets 400 before any parser runs."),
    "maxRequestBytes": (str(SD.Service), str(XSD.integer), "maximum request bytes",
                        "Bytes a request body may have (413 beyond it)."),
    "truncationHeader": (str(SD.Service), str(XSD.string), "truncation header",
                         "The response header that says 'true' when an answer was cut at the row limit."),
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


def triples() -> list[Triple]:
    vocabulary = NamedNode(VOCABULARY_IRI)
    t = [
        Triple(vocabulary, NamedNode(str(RDF.type)), NamedNode(str(OWL.Ontology))),
        Triple(vocabulary, NamedNode(str(RDFS.label)), Literal(TITLE, language="en")),
        Triple(vocabulary, NamedNode(str(RDFS.comment)), Literal(COMMENT, language="en")),
    ]
    for name, (domain, range_, label, comment) in TERMS.items():
        term = NamedNode(str(KZSD[name]))
        kind = OWL.DatatypeProperty if range_.startswith(str(XSD)) else OWL.ObjectProperty
        t += [
            Triple(term, NamedNode(str(RDF.type)), NamedNode(str(kind))),
            Triple(term, NamedNode(str(RDFS.label)), Literal(label, language="en")),
            Triple(term, NamedNode(str(RDFS.comment)), Literal(comment, language="en")),
            Triple(term, NamedNode(str(RDFS.domain)), NamedNode(domain)),
            Triple(term, NamedNode(str(RDFS.range)), NamedNode(range_)),
            Triple(term, NamedNode(str(RDFS.isDefinedBy)), vocabulary),
        ]
    return t
