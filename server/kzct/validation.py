"""SHACL validation of the project graph, or of other data, with pySHACL.

The data graph gets one extra triple before validation, ``kz:source-article kzo:sourceText
"<the whole source text>"``, so that shapes can check that quotes are verbatim. The ontology is
merged into the data graph, which is what pySHACL's ``ont_graph`` does, but pySHACL's own merge
(``inoculate``) clones blank-node structures recursively and took minutes on our ontology, so it
is done here. ``owl:imports`` are never followed. Safe parsing of uploaded data is
``parse_untrusted`` (from ``kzct.untrusted``), shared with the HTTP service.

pySHACL runs over a pyoxigraph store rather than an rdflib graph: rdflib parses the text of every
SPARQL constraint again for each focus node, which made the project graph take minutes. Its
truth test on a store counts every triple with a query, and pySHACL tests the data graph's truth
for each result it describes, so the store is wrapped in ``_DataGraph``, which is always true (the
data always holds the source-text triple). ``advanced=True`` allows SPARQL-based targets.
Inference (``rdfs`` or ``owlrl``) runs first, with owlrl on the rdflib graph and the same rules
pySHACL would use, because owlrl cannot write its generalized triples (literal subjects) into a
store; those triples are left out of the store.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pyshacl
import rdflib.term
from pyshacl.graph_abstraction import OxigraphDataGraph
from pyshacl.inference import CustomRDFSSemantics
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kzct.namespaces import KZ, KZO, bind_prefixes
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, SHAPES_DIR, SOURCE_FILE
from kzct.rdfparse import parse_files, turtle_files
from kzct.source import read_source
from kzct.untrusted import UnsafeData, check_shapes, parse_untrusted

__all__ = ["ValidationResult", "validate", "validate_project", "parse_untrusted", "check_shapes",
           "UnsafeData", "load_shapes", "load_ontology", "load_graph", "report_text", "report_summary", "to_store"]

log = logging.getLogger(__name__)
INFERENCE = ("none", "rdfs", "owlrl")


@dataclass
class ValidationResult:
    conforms: bool
    report: Graph  # the standard SHACL validation report graph

    @property
    def results(self) -> int:
        return len(set(self.report.subjects(RDF.type, SH.ValidationResult)))

    def text(self) -> str:
        return report_text(self.report, self.conforms)


def load_graph(folder: Path = GRAPH_DIR) -> Graph:
    return parse_files(turtle_files(folder))


def load_shapes(folder: Path = SHAPES_DIR) -> Graph:
    return parse_files(turtle_files(folder))


def load_ontology(folder: Path = ONTOLOGY_DIR) -> Graph:
    return parse_files(turtle_files(folder))


def with_source_text(data: Graph, source: Path = SOURCE_FILE, *extra: Graph) -> Graph:
    """A copy of ``data`` (and ``extra``) plus ``kz:source-article kzo:sourceText "<source text>"``."""
    graph = Graph()
    for part in (data, *extra):
        for triple in part:
            graph.add(triple)
    graph.add((KZ["source-article"], KZO.sourceText, Literal(read_source(source))))
    return graph


class _DataGraph(OxigraphDataGraph):
    """pySHACL's view of a pyoxigraph store, true without counting its triples."""

    def __bool__(self) -> bool:
        return True


def _ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def to_store(graph: Graph) -> ox.Store:
    """The triples of ``graph`` in the default graph of a new in-memory pyoxigraph store.

    Generalized triples (a literal subject or a non-IRI predicate) are left out.
    """
    store = ox.Store()
    store.bulk_extend(ox.Quad(_ox(s), _ox(p), _ox(o), ox.DefaultGraph()) for s, p, o in graph
                      if not isinstance(s, Literal) and isinstance(p, URIRef))
    return store


def infer(graph: Graph, inference: str) -> None:
    """Expand ``graph`` in place with pySHACL's RDFS rules or owlrl's OWL-RL rules."""
    if inference == "none":
        return
    semantics = CustomRDFSSemantics if inference == "rdfs" else owlrl.OWLRL_Semantics
    term_log = logging.getLogger("rdflib.term")  # owlrl's converters log each date they misread
    level = term_log.level
    term_log.setLevel(logging.ERROR)
    try:
        owlrl.DeductiveClosure(semantics).expand(graph)
    finally:
        term_log.setLevel(level)
        rdflib_converters()


def rdflib_converters() -> None:
    """Put back rdflib's own literal converters where owlrl left its own.

    owlrl swaps in its converters during a closure and, when it swaps back, keeps those rdflib
    has none for, among them xsd:gMonthDay and xsd:gMonth, which it cannot read ("--11-16").
    Every such literal made afterwards in the process would be ill-typed and fail sh:datatype.
    """
    for datatype in owlrl.DatatypeHandling.AltXSDToPYTHON:
        if datatype in rdflib.term.XSDToPython:
            rdflib.term._toPythonMapping[datatype] = rdflib.term.XSDToPython[datatype]
        else:
            rdflib.term._toPythonMapping.pop(datatype, None)


def validate(data: Graph, shapes: Graph, ontology: Graph | None = None,
             inference: str = "none", source: Path = SOURCE_FILE) -> ValidationResult:
    """Validate ``data`` (with the source text added) against ``shapes``.

    Warnings and infos do not make the data non-conforming; violations do.
    """
    if inference not in INFERENCE:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE)}")
    rdflib_converters()  # an earlier owlrl closure in this process may have left its own
    merged = Graph()
    for part in (data, *([ontology] if ontology is not None else [])):
        for triple in part:
            merged.add(triple)
    infer(merged, inference)
    # The article's text joins after inference: typed by kzo:sourceText's domain, it would be an
    # untitled source document of its own in every report of uploaded data.
    graph = with_source_text(merged, source)
    conforms, report, _ = pyshacl.validate(
        _DataGraph(to_store(graph)), shacl_graph=shapes, ont_graph=None, inplace=True,
        inference="none", abort_on_first=False, allow_infos=True, allow_warnings=True,
        meta_shacl=False, advanced=True, js=False, do_owl_imports=False, debug=False)
    return ValidationResult(bool(conforms), report)


def validate_project(inference: str = "none", shapes_dir: Path = SHAPES_DIR) -> ValidationResult:
    """The project graph (graph/*.ttl) against shapes/, with ontology/*.ttl as ont_graph."""
    return validate(load_graph(), load_shapes(shapes_dir), load_ontology(), inference)


def _plain(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return "_:" + str(node)
    return str(node)


def _path(report: Graph, path: Node | None) -> str | None:
    if path is None or not isinstance(path, BNode):
        return _plain(path)
    return path.n3(report.namespace_manager)  # a complex path: its blank node, prefixed


def report_summary(report: Graph, conforms: bool) -> dict:
    """The report as plain JSON: ``{"conforms": ..., "results": [{focusNode, path, severity,
    message, sourceShape, value}]}``; IRIs in full, literals by their text, sorted by focus node."""
    results = []
    for result in set(report.subjects(RDF.type, SH.ValidationResult)):
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(report.objects(result, SH.resultMessage),
                          key=lambda m: (getattr(m, "language", None) != "en", str(m)))
        results.append({
            "focusNode": _plain(report.value(result, SH.focusNode)),
            "path": _path(report, report.value(result, SH.resultPath)),
            "severity": severity.split("#")[-1] if severity else "Violation",
            "message": str(messages[0]) if messages else None,
            "sourceShape": _plain(report.value(result, SH.sourceShape)),
            "value": _plain(report.value(result, SH.value)),
        })
    results.sort(key=lambda r: tuple(r[k] or "" for k in ("focusNode", "sourceShape", "path", "value")))
    return {"conforms": conforms, "results": results}


def report_text(report: Graph, conforms: bool) -> str:
    """The report as text, grouped by focus node: severity, shape, path, value and message."""
    bind_prefixes(report)
    nm = report.namespace_manager

    def show(node) -> str:
        if node is None:
            return "-"
        text = node.n3(nm)
        return text if len(text) <= 160 else text[:157] + "..."

    # pySHACL may report the same result twice (the same shape reached two ways): each shown once.
    grouped: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for result in set(report.subjects(RDF.type, SH.ValidationResult)):
        focus = show(report.value(result, SH.focusNode))
        severity = report.value(result, SH.resultSeverity)
        level = severity.split("#")[-1] if severity else "Violation"
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage)) or ["(no message)"]
        line = f"  {level} {show(shape)}"
        if path is not None:
            line += f" path {show(path)}"
        if value is not None:
            line += f" value {show(value)}"
        grouped[focus].add((level, line + "\n    " + "\n    ".join(messages)))
    lines = []
    severities: dict[str, int] = defaultdict(int)
    for focus in sorted(grouped):
        lines.append(focus)
        for level, text in sorted(grouped[focus], key=lambda entry: entry[1]):
            severities[level] += 1
            lines.append(text)
    counts = ", ".join(f"{n} {level.lower()}(s)" for level, n in sorted(severities.items()))
    verdict = "conforms" if conforms else "does not conform"
    lines.append(f"{verdict}: {counts or 'no results'} on {len(grouped)} focus node(s)")
    return "\n".join(lines)
