"""Rows of RDF terms <-> SPARQL result documents, so named queries answer in every results format.

A table is written once as SPARQL 1.1 JSON results; pyoxigraph parses that and writes the other
formats (XML, CSV, TSV), so every format is produced by the same serializers as ``/sparql``.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

import pyoxigraph as ox

from kzct.formats import Format

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def term_json(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def results_json(columns: list[str], rows: Iterable[Mapping[str, Term | None]]) -> bytes:
    bindings = [{c: term_json(row[c]) for c in columns if row.get(c) is not None} for row in rows]
    return json.dumps({"head": {"vars": columns}, "results": {"bindings": bindings}}).encode("utf-8")


def serialize(columns: list[str], rows: list[Mapping[str, Term | None]], fmt: Format) -> bytes:
    body = results_json(columns, rows)
    if fmt.name == "json":
        return body
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return solutions.serialize(format=fmt.oxigraph)


def parse_rows(body: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    """Variables and rows of terms from a SPARQL JSON results document."""
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in solutions.variables]
    return names, [{n: s[n] for n in names} for s in solutions]
