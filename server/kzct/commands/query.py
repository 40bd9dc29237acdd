"""kzct query: run a named query from queries/ in the shell, as GET /queries/<name> does."""

from __future__ import annotations

import argparse
import json
import sys

from kzct.cli import CommandError

HELP = "run a named query from queries/ with --param name=value and print its results"
FORMATS = ("csv", "tsv", "json", "xml", "document")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="the query's file name without .rq (omit to list them)")
    parser.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter value (repeatable)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="csv",
                        help="csv, tsv, json, xml (SPARQL results) or document (nested JSON of chains)")


def run(args: argparse.Namespace) -> int:
    from kzct import formats, tables
    from kzct.catalogue import ParamError, load_catalogue
    from kzct.config import Limits
    from kzct.dataset import load
    from kzct.engine import QueryError, QueryRequest, make_engine
    from kzct.named import run as run_named
    from kzct.paths import QUERIES_DIR

    catalogue = load_catalogue(QUERIES_DIR)
    if not args.name:
        for query in sorted(catalogue.values(), key=lambda q: q.name):
            params = " ".join(f"--param {p.name}=<{p.expected}>" for p in query.params)
            print(f"{query.name}: {query.summary}" + (f"\n    {params}" if params else ""))
        return 0
    query = catalogue.get(args.name)
    if query is None:
        raise CommandError(f"no named query {args.name!r}; run 'kzct query' to list them")
    raw = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--param {item!r}: write NAME=VALUE")
        raw[name] = value
    engine = make_engine(load(None), Limits(), isolate=False)

    def select(text: str):
        result = engine.run(QueryRequest(query=text, results_format="json", graph_format=None))
        return tables.parse_rows(result.body)

    try:
        table = run_named(query, raw, select)
    except ParamError as exc:
        raise CommandError(str(exc)) from None
    except QueryError as exc:
        raise CommandError(f"{args.name}: {exc}") from None
    if args.format == "document":
        if table.document is None:
            raise CommandError(f"{args.name} has no nested document; use csv, tsv, json or xml")
        print(json.dumps(table.document, indent=1))
        return 0
    fmt = formats.by_name(formats.RESULTS, args.format)
    sys.stdout.buffer.write(tables.serialize(table.columns, table.rows, fmt))
    sys.stdout.flush()
    return 0
