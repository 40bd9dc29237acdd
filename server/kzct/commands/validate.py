"""kzct validate: check the project graph, or given files, against the SHACL shapes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import Graph

from kzct.cli import CommandError
from kzct.commands.progress import step
from kzct.namespaces import bind_prefixes
from kzct.paths import ONTOLOGY_DIR, SHAPES_DIR, SOURCE_FILE
from kzct.rdfparse import FORMAT_NAMES, RdfSyntaxError, media_type_for
from kzct.source import read_source
from kzct.validation import (INFERENCE, load_graph, load_ontology, load_shapes, parse_untrusted,
                             validate)

HELP = "validate the graph (or the given RDF files) against the SHACL shapes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="RDF files to validate (format by extension; - reads stdin); "
                             "default: graph/*.ttl")
    parser.add_argument("--shapes", type=Path, default=SHAPES_DIR, metavar="DIR",
                        help="folder of SHACL shapes in Turtle (default: shapes/)")
    parser.add_argument("--ontology", type=Path, default=ONTOLOGY_DIR, metavar="DIR",
                        help="folder of the ontology in Turtle, merged into the data (default: ontology/)")
    parser.add_argument("--inference", choices=INFERENCE, default="none",
                        help="inference pySHACL runs on the data first (default: none)")
    parser.add_argument("--format", choices=("text", "turtle", "json"), default="text",
                        help="text report grouped by focus node, or the SHACL report graph")
    parser.add_argument("--input-format", choices=sorted(FORMAT_NAMES),
                        help="format of stdin (with -) or of files whatever their extension")


def read_data(files: list[str], input_format: str | None) -> Graph:
    graph = Graph()
    for name in files:
        try:
            if name == "-":
                if not input_format:
                    raise CommandError("-: reading stdin needs --input-format")
                data, media_type = sys.stdin.buffer.read(), FORMAT_NAMES[input_format]
                label = "<stdin>"
            else:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{name}: no such file")
                media_type = FORMAT_NAMES[input_format] if input_format else media_type_for(path)
                data, label = path.read_bytes(), name
            for triple in parse_untrusted(data, media_type, file=label):
                graph.add(triple)
        except RdfSyntaxError as exc:
            raise CommandError(str(exc)) from None
    return graph


def run(args: argparse.Namespace) -> int:
    read_source(SOURCE_FILE)  # the shapes check quotes against the article: stop at once without it
    if not args.shapes.is_dir():
        raise CommandError(f"{args.shapes}: no such folder of shapes")
    try:
        data = read_data(args.files, args.input_format) if args.files else load_graph()
        shapes = load_shapes(args.shapes)
        ontology = load_ontology(args.ontology)
    except RdfSyntaxError as exc:
        raise CommandError(str(exc)) from None
    if len(shapes) == 0:
        raise CommandError(f"{args.shapes}: no shapes found (*.ttl)")
    with step(f"Validating {len(data)} triples against {len(set(shapes.subjects()))} shape nodes"):
        result = validate(data, shapes, ontology, args.inference)
    if args.format == "text":
        print(result.text())
    else:
        report = bind_prefixes(result.report)
        print(report.serialize(format="turtle" if args.format == "turtle" else "json-ld"))
    return 0 if result.conforms else 1
