"""Writes docs/queries.md from the catalogue: one section per named query, with its example output.

Run ``python -m kzct.querydocs`` to rewrite the file; a test checks it is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kzct.catalogue import NamedQuery, load_catalogue
from kzct.paths import QUERIES_DIR, ROOT

DOC = ROOT / "docs" / "queries.md"
SHOWN_ROWS = 8

INTRO = """# Named queries

Generated from `queries/*.rq` by `python -m kzct.querydocs`; a test fails when this file is not
current. Each query is a stable URL on the server (`GET /queries/<name>?param=value`), answers in
SPARQL JSON, XML, CSV or TSV (by `Accept` or `format=`), and runs in the shell as
`kzct query <name> --param name=value`. `GET /queries` lists them and `GET /openapi.json` describes
them as OpenAPI operations. Parameters are checked against their type (a wrong one gets 400 naming
the parameter and the type expected) and bound as typed RDF terms. Parameters of type `iri` take a
full IRI, a `kz:` name (`kz:al-qaeda`), or any name, abbreviation or spelling the article uses
(`JCMA`).

The outputs below are the first rows of each example, as CSV, from the current graph.
"""


def section(query: NamedQuery, csv_text: str) -> str:
    lines = [f"## `{query.name}`", "", f"**{query.summary}.** {query.description}", ""]
    lines.append("Tags: " + ", ".join(query.tags) + ".")
    lines.append("")
    if query.params:
        lines += ["| parameter | type | required | default | example | description |", "|---|---|---|---|---|---|"]
        for p in query.params:
            lines.append(f"| `{p.name}` | {p.expected} | {'yes' if p.required else 'no'} | "
                         f"{p.default or ''} | {p.example or ''} | {p.description} |")
        lines.append("")
    else:
        lines += ["No parameters.", ""]
    lines.append("Columns: " + ", ".join(f"`{c}`" for c in query.columns) + ".")
    lines.append("")
    lines += [f"Example: [`{query.example_url}`]({query.example_url})", ""]
    rows = csv_text.strip().splitlines()
    shown = rows[: SHOWN_ROWS + 1]
    lines += ["```csv", *shown, "```"]
    if len(rows) > len(shown):
        lines.append(f"({len(rows) - 1} rows in all; {SHOWN_ROWS} shown.)")
    lines.append("")
    return "\n".join(lines)


def render(client) -> str:
    """The document, running each example through ``client`` (a Flask test client)."""
    parts = [INTRO]
    for name, query in sorted(load_catalogue(QUERIES_DIR).items()):
        response = client.get(query.example_url, headers={"Accept": "text/csv"})
        if response.status_code != 200:
            raise RuntimeError(f"{query.example_url}: {response.status_code} {response.get_data(as_text=True)}")
        parts.append(section(query, response.get_data(as_text=True).replace("\r\n", "\n")))
    return "\n".join(parts)


def main() -> int:
    from kzct.web.app import create_app

    app = create_app()
    try:
        DOC.write_text(render(app.test_client()), encoding="utf-8")
    finally:
        app.extensions["kzct.engine"].close()
    print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
