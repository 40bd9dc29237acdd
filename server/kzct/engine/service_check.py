"""Finds SERVICE in a query by parsing it, not by reading its text.

Run in a query process (under its timeout and memory cap) for every query whose text mentions
``service`` in any case: rdflib's SPARQL 1.1 parser builds the parse tree, and every
``ServiceGraphPattern`` in it, at any depth, is a SERVICE call, its endpoint resolved against the
query's prologue (PREFIX, BASE) the way the engine would resolve it. A query rdflib cannot parse is
left to the engine: the sealed query processes cannot reach the network whatever the query says.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

log = logging.getLogger(__name__)

UNPARSED = object()  # rdflib could not parse the query


def service_targets(text: str, base_iri: str | None = None):
    """The SERVICE endpoints of ``text`` (an IRI string, or None for a variable), or ``UNPARSED``."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.term import URIRef

    try:
        parsed = parseQuery(text)
        prologue = translatePrologue(parsed[0], base_iri)
        targets = []
        for node in _services(parsed[1]):
            term = node.get("term")
            try:
                term = prologue.absolutize(term)
            except Exception:  # an undeclared prefix: the engine refuses the query anyway
                term = None
            targets.append(str(term) if isinstance(term, URIRef) else None)
        return targets
    except (ParseException, RecursionError, ValueError, TypeError, KeyError) as exc:
        log.debug("rdflib could not parse a query that mentions SERVICE: %s", exc)
        return UNPARSED


def _services(node, depth: int = 0) -> Iterator:
    from rdflib.plugins.sparql.parserutils import CompValue

    if depth > 2000:
        raise RecursionError("too deep")
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            yield node
        for value in node.values():
            yield from _services(value, depth + 1)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for value in node:
            yield from _services(value, depth + 1)
