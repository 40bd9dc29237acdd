"""``GET /search?q=...``: the header's search box, a page of entities whose names match, forgiving.

It runs the ``entity-lookup`` named query (names ranked by ``kzct.search`` with rapidfuzz), so the
page and ``/queries/entity-lookup?name=...`` always agree.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from kzct import named, tables
from kzct.catalogue import ParamError
from kzct.engine import QueryError, QueryRequest
from kzct.web.errors import Problem, from_query_error
from kzct.web.layout import html_response

bp = Blueprint("search", __name__)
LOOKUP = "entity-lookup"
MAX_TEXT = 200


def _select(text: str):
    engine = current_app.extensions["kzct.engine"]
    result = engine.run(QueryRequest(query=text, results_format="json", graph_format=None))
    return tables.parse_rows(result.body)


def find(text: str) -> list[dict]:
    """The matches of the entity-lookup query for ``text``, best first."""
    query = current_app.extensions["kzct.catalogue"][LOOKUP]
    try:
        table = named.run(query, {"name": text}, _select)
    except ParamError as exc:
        raise Problem(400, "Bad parameter", str(exc), "bad-parameter") from None
    except QueryError as exc:
        raise from_query_error(exc) from None
    return table.document["matches"]


@bp.get("/search")
def search():
    text = (request.args.get("q") or "").strip()
    if len(text) > MAX_TEXT:
        raise Problem(400, "Bad parameter", f"q is {len(text)} characters long; give at most {MAX_TEXT}",
                      "bad-parameter")
    matches = find(text) if text else []
    html = render_template("search.html", text=text, matches=matches, search_text=text, lookup=LOOKUP)
    return html_response(html)
