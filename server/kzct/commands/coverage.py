"""kzct coverage: share of the source's content sentences quoted by the graph."""

from __future__ import annotations

import argparse

from kzct.coverage import coverage, load_turtle_dir
from kzct.paths import GRAPH_DIR, ROOT, SOURCE_FILE
from kzct.source import read_source

EXCLUSIONS_FILE = ROOT / "docs" / "coverage-exclusions.md"
HELP = "report the share of the source's content sentences quoted by at least one statement"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--section", help="only list uncovered sentences whose section title contains this")
    parser.add_argument("--list", action="store_true", help="list every uncovered sentence")
    parser.add_argument("--entities", action="store_true",
                        help="list names, numbers and dates of the article that no structured value holds "
                             "(only inside quotes or labels), apart from the explained exceptions")


def run(args: argparse.Namespace) -> int:
    if args.entities:
        return run_entities()
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


def run_entities() -> int:
    from kzct.entity_coverage import mentions, read_exceptions, unheld

    text = read_source(SOURCE_FILE)
    exceptions = read_exceptions(EXCLUSIONS_FILE)
    gaps = unheld(load_turtle_dir(GRAPH_DIR), text)
    unexplained = [m for m in gaps if m.key not in exceptions]
    stale = sorted(set(exceptions) - {m.key for m in gaps})
    print(f"entities: {len(mentions(text))} names, numbers and dates in the article; {len(gaps)} held by "
          f"no structured value, {len(gaps) - len(unexplained)} of them explained in "
          f"{EXCLUSIONS_FILE.name}, {len(unexplained)} unexplained")
    for mention in unexplained:
        print(f"[{mention.section or 'lead'}] {mention.key}")
    for key in stale:
        print(f"STALE EXCEPTION (now held or not in the article): {key}")
    return 1 if unexplained or stale else 0
