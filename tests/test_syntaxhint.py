"""kzct.syntaxhint: parser messages put in words (issue 17)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kzct.syntaxhint import explain


def parser_message(query: str) -> str:
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(query)
    return str(caught.value)


@pytest.mark.parametrize("query, words", [
    ("SELEC ?s WHERE { ?s ?p ?o }", "unknown keyword SELEC (did you mean SELECT?) at line 1, column 1"),
    ("SELECT ?s WHERE { ?s ?p ?o } ORDR BY ?s", "unknown keyword ORDR (did you mean ORDER?)"),
    ('SELECT ?s WHERE { ?s ?p "FILTR" . FILTR(?s) }', "unknown keyword FILTR (did you mean FILTER?) at line 1, column 35"),
    ("SELECT ?s WHERE { ?s ?p ?o ", "the query ends before '{' is closed (it needs '}')"),
    ('SELECT ?s WHERE { ?s ?p "x }', "the query ends before '\"' is closed"),
])
def test_explain_names_the_mistake(query, words):
    message = parser_message(query)
    explained = explain(query, message)
    assert explained.startswith(words) and explained.endswith(f"[the parser says: {message}]")


def test_explain_keeps_messages_without_a_position():
    assert explain("ASK {}", "something else") == "something else"
