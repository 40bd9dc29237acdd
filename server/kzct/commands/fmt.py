"""kzct fmt: rewrite Turtle files in the canonical layout, or report drift with --check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib.compare import isomorphic

from kzct.cli import CommandError
from kzct.paths import GRAPH_DIR, ONTOLOGY_DIR, ROOT, SHAPES_DIR
from kzct.rdfparse import RdfSyntaxError, parse_bytes
from kzct.turtle_format import dropped_comment_lines, format_turtle

HELP = "rewrite Turtle files in the canonical layout (--check: only report files that would change)"
DEFAULT_DIRS = (ONTOLOGY_DIR, GRAPH_DIR, SHAPES_DIR, ROOT / "tests" / "shapes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="Turtle files or folders (default: ontology/, graph/, shapes/, tests/shapes/)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 listing the files that would change")


def turtle_paths(paths: list[Path]) -> list[Path]:
    if not paths:
        return [p for folder in DEFAULT_DIRS if folder.is_dir() for p in sorted(folder.glob("*.ttl"))]
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.ttl")))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder")
    return found


def shown(path: Path) -> str:
    """The path as the user knows it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run(args: argparse.Namespace) -> int:
    status = 0
    paths = turtle_paths(args.paths)
    changed = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        try:
            formatted = format_turtle(text, shown(path))
            if formatted != text and not isomorphic(parse_bytes(text, "text/turtle"),
                                                    parse_bytes(formatted, "text/turtle")):
                raise RdfSyntaxError("formatting would change the graph; file left as it is", shown(path))
        except RdfSyntaxError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        if formatted == text:
            continue
        changed += 1
        dropped = dropped_comment_lines(text)
        note = f" ({dropped} comment line(s) inside blocks dropped)" if dropped else ""
        if args.check:
            print(f"would reformat {shown(path)}{note}")
            status = max(status, 1)
        else:
            path.write_text(formatted, encoding="utf-8")
            print(f"reformatted {shown(path)}{note}")
    folders = sorted({shown(p.parent) for p in paths})
    verb = "would reformat" if args.check else "reformatted"
    print(f"checked {len(paths)} Turtle file{'' if len(paths) == 1 else 's'} in {', '.join(folders) or 'nothing'}: "
          + (f"{verb} {changed}" if changed else "all in the canonical layout")
          + ("" if status < 2 else "; some could not be read (above)"))
    return status
