"""kzct coverage: share of the source's content sentences quoted by the graph."""

from __future__ import annotations

import argparse

from kzct.coverage import coverage, load_turtle_dir
from kzct.paths import GRAPH_DIR, SOURCE_FILE
from kzct.source import read_source

HELP = "report the share of the source's content sentences quoted by at least one statement"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--section", help="only list uncovered sentences whose section title contains this")
    parser.add_argument("--list", action="store_true", help="list every uncovered sentence")


def run(args: argparse.Namespace) -> int:
    report = coverage(load_turtle_dir(GRAPH_DIR), read_source(SOURCE_FILE))
    print(f"coverage: {len(report.covered)}/{len(report.sentences)} content sentences quoted "
          f"({report.share:.1%})")
    for quote in report.missing_quotes:
        print(f"NOT IN SOURCE: {quote[:120]!r}")
    if args.list or args.section:
        for s in report.uncovered:
            if args.section is None or args.section.lower() in s.section.lower():
                print(f"[{s.section or 'lead'}] {s.text}")
    return 1 if report.missing_quotes or report.uncovered else 0
