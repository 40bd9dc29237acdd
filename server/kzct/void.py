"""The VoID description of the served dataset: what is here, how much, where to query and download it.

``statistics(dataset)`` counts triples, entities, classes and properties for the whole dataset
(its default graph) and for each named graph, with class and property partitions; it runs once,
at the first request for the VoID description. ``describe(stats, dumps, root)`` turns them into triples naming the SPARQL
endpoint and the dump URLs under ``root`` (the site's base URL).

Counts, as VoID defines them: ``void:triples`` all triples; ``void:entities`` distinct IRI subjects
in the dataset's URI space (``https://w3id.org/kzct/``); ``void:classes`` distinct objects of
``rdf:type``; ``void:properties`` distinct predicates; ``void:distinctSubjects`` and
``void:distinctObjects`` as named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Triple

from kzct.dataset import Dataset
from kzct.dump import Dumps, release_version
from kzct.namespaces import (BASE, DCAT, DCTERMS, GRAPH_CHAINS, KZ, KZCH, KZSD, OWL, PREFIXES, RDF, RDFS,
                             SD, SPDX, VOID, XSD)

DATASET_IRI = BASE + "dataset"
ONTOLOGY_IRI = BASE + "ontology"
SOURCE_ARTICLE = KZ["source-article"]
TITLE = "kzct: terrorism, bans and counter-terrorism cooperation in Kazakhstan"
DESCRIPTION = (
    "A knowledge graph built from the encyclopedia article 'Terrorism in Kazakhstan': organizations, "
    "bans and designation lists, ties, events and counter-terrorism cooperation, each statement with "
    "the exact quote, the section it comes from and the stance the article takes on it."
)
WELL_KNOWN = (RDF, RDFS, XSD)
CHAINS_DESCRIPTION = (
    "The affiliation chains between organizations, as data: every simple path of up to 6 tie "
    "statements between two organizations (kzch:Chain, kzch:start, kzch:end, kzch:length, kzch:rank), "
    "each hop with its tie, kind, status, claimants and quote (kzch:Hop); computed from the ties "
    "when the dataset is loaded, the same chains as the affiliation-chains named query.")


@dataclass
class GraphStats:
    triples: int = 0
    entities: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> instances
    properties: dict[str, int] = field(default_factory=dict)  # property IRI -> triples
    subjects: int = 0
    objects: int = 0


@dataclass
class Statistics:
    whole: GraphStats
    graphs: dict[str, GraphStats]
    version: str
    release: str
    license: str | None
    vocabularies: list[str]
    source_article: bool = True  # the data describes kz:source-article (VoID names it only then)


COUNTS = f"""
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
       (COUNT(DISTINCT ?e) AS ?entities)
WHERE {{ ?s ?p ?o BIND(IF(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}"), ?s, ?unbound) AS ?e) }}
"""
PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
CLASSES = f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF.type}> ?c FILTER isIRI(?c) }} GROUP BY ?c"


def _graph_stats(dataset: Dataset, graph: NamedNode | DefaultGraph) -> GraphStats:
    """The counts of one graph, each a SPARQL aggregate evaluated by pyoxigraph."""
    store = dataset.store
    counts = next(store.query(COUNTS, default_graph=graph))
    return GraphStats(
        triples=int(counts["triples"].value),
        entities=int(counts["entities"].value),
        classes={row["c"].value: int(row["n"].value) for row in store.query(CLASSES, default_graph=graph)},
        properties={row["p"].value: int(row["n"].value) for row in store.query(PROPERTIES, default_graph=graph)},
        subjects=int(counts["subjects"].value),
        objects=int(counts["objects"].value),
    )


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _vocabularies(stats: GraphStats) -> list[str]:
    """Namespaces (from the prefix table) of the classes and properties used, RDF, RDFS and XSD aside."""
    known = set(PREFIXES.values()) - {str(v) for v in WELL_KNOWN}
    return sorted({_namespace(i) for i in [*stats.classes, *stats.properties]} & known)


def _license(dataset: Dataset) -> str | None:
    store = dataset.store
    for quad in store.quads_for_pattern(NamedNode(ONTOLOGY_IRI), NamedNode(str(DCTERMS.license)), None):
        if isinstance(quad.object, NamedNode):
            return quad.object.value
    return None


def statistics(dataset: Dataset) -> Statistics:
    whole = _graph_stats(dataset, DefaultGraph())
    graphs = {name: _graph_stats(dataset, NamedNode(name)) for name in sorted(dataset.graphs)}
    if not dataset.union_default and graphs:  # the whole dataset: default graph and named graphs
        whole = _merge(whole, list(graphs.values()))
    source = any(True for _ in dataset.store.quads_for_pattern(NamedNode(str(SOURCE_ARTICLE)), None, None))
    return Statistics(whole, graphs, release_version(dataset), dataset.release, _license(dataset),
                      _vocabularies(whole), source)


def _merge(first: GraphStats, rest: list[GraphStats]) -> GraphStats:
    """Sums: an upper bound where graphs share triples (used only when the default graph is not a union)."""
    total = GraphStats()
    for s in [first, *rest]:
        total.triples += s.triples
        total.entities += s.entities
        total.subjects += s.subjects
        total.objects += s.objects
        for k, v in s.classes.items():
            total.classes[k] = total.classes.get(k, 0) + v
        for k, v in s.properties.items():
            total.properties[k] = total.properties.get(k, 0) + v
    return total


def _n(term) -> NamedNode:
    return term if isinstance(term, NamedNode) else NamedNode(str(term))


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_n(XSD.integer))


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def describe(stats: Statistics, dumps: Dumps | None, root: str) -> list[Triple]:
    """The VoID triples; ``root`` ends with ``/`` (``http://127.0.0.1:8000/``)."""
    t: list[Triple] = []

    def add(s, p, o):
        t.append(Triple(s, _n(p), o))

    ds = NamedNode(DATASET_IRI)
    doc = NamedNode(root + ".well-known/void")
    add(doc, RDF.type, _n(VOID.DatasetDescription))
    add(doc, DCTERMS.title, _en("VoID description of the kzct dataset"))
    add(doc, _n(RDFS.seeAlso), NamedNode(root + "sparql"))
    add(ds, RDF.type, _n(VOID.Dataset))
    add(ds, RDF.type, _n(DCAT.Dataset))
    add(ds, DCTERMS.title, _en(TITLE))
    add(ds, DCTERMS.description, _en(DESCRIPTION))
    if stats.license:
        add(ds, DCTERMS.license, NamedNode(stats.license))
    if stats.source_article:
        add(ds, DCTERMS.source, _n(SOURCE_ARTICLE))
    add(ds, _n(OWL.versionInfo), Literal(stats.version))
    add(ds, KZSD.release, Literal(stats.release))
    add(ds, RDFS.comment, _en(
        f"Release {stats.release}: every response of the server carries the ETag W/\"{stats.release}\"."))
    add(ds, VOID.sparqlEndpoint, NamedNode(root + "sparql"))
    add(ds, VOID.uriSpace, Literal(BASE))
    add(ds, VOID.rootResource, NamedNode(ONTOLOGY_IRI))
    if stats.source_article:
        add(ds, VOID.exampleResource, _n(SOURCE_ARTICLE))
    for vocabulary in stats.vocabularies:
        add(ds, VOID.vocabulary, NamedNode(vocabulary))
    if dumps is not None:
        for f in dumps.files:
            url = NamedNode(root + "download/" + f.name)
            add(ds, VOID.dataDump, url)
            dist = BlankNode(f"dump-{f.name.rsplit('.', 1)[-1]}")
            add(ds, DCAT.distribution, dist)
            add(dist, RDF.type, _n(DCAT.Distribution))
            add(dist, DCAT.downloadURL, url)
            add(dist, DCAT.mediaType, NamedNode("https://www.iana.org/assignments/media-types/" + f.format.media_type))
            add(dist, DCTERMS["format"], Literal(f.format.media_type))
            add(dist, DCAT.byteSize, Literal(str(f.size), datatype=_n(XSD.nonNegativeInteger)))
            add(dist, _n(OWL.versionInfo), Literal(dumps.version))
            checksum = BlankNode(f"sha256-{f.name.rsplit('.', 1)[-1]}")
            add(dist, SPDX.checksum, checksum)
            add(checksum, RDF.type, _n(SPDX.Checksum))
            add(checksum, SPDX.algorithm, _n(SPDX.checksumAlgorithm_sha256))
            add(checksum, SPDX.checksumValue, Literal(f.sha256, datatype=_n(XSD.hexBinary)))
    _add_stats(add, ds, stats.whole, "all")
    for i, (name, gs) in enumerate(stats.graphs.items()):
        subset = NamedNode(DATASET_IRI + "/" + name.rstrip("/").rsplit("/", 1)[-1])
        add(ds, VOID.subset, subset)
        add(subset, RDF.type, _n(VOID.Dataset))
        add(subset, SD.name, NamedNode(name))
        add(subset, VOID.sparqlEndpoint, NamedNode(root + "sparql"))
        add(subset, RDFS.comment, _en(f"The named graph <{name}>: query it alone with default-graph-uri={name}."))
        if name == str(GRAPH_CHAINS):
            add(subset, DCTERMS.description, _en(CHAINS_DESCRIPTION))
            add(subset, VOID.vocabulary, NamedNode(str(KZCH)))
        _add_stats(add, subset, gs, str(i))
    t.sort(key=lambda triple: (isinstance(triple.subject, BlankNode), str(triple.subject)))  # stable: grouped
    return t


def _add_stats(add, node, s: GraphStats, key: str) -> None:
    add(node, VOID.triples, _int(s.triples))
    add(node, VOID.entities, _int(s.entities))
    add(node, VOID.classes, _int(len(s.classes)))
    add(node, VOID.properties, _int(len(s.properties)))
    add(node, VOID.distinctSubjects, _int(s.subjects))
    add(node, VOID.distinctObjects, _int(s.objects))
    for j, (cls, count) in enumerate(sorted(s.classes.items())):
        part = BlankNode(f"c{key}-{j}")
        add(node, VOID.classPartition, part)
        add(part, VOID["class"], NamedNode(cls))
        add(part, VOID.entities, _int(count))
    for j, (prop, count) in enumerate(sorted(s.properties.items())):
        part = BlankNode(f"p{key}-{j}")
        add(node, VOID.propertyPartition, part)
        add(part, VOID.property, NamedNode(prop))
        add(part, VOID.triples, _int(count))
