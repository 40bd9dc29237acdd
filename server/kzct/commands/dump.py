"""kzct dump: the whole dataset as Turtle, N-Triples, N-Quads, TriG and JSON-LD, each with a SHA-256."""

from __future__ import annotations

import argparse
from pathlib import Path

from kzct.cli import CommandError

HELP = "write build/dumps/kzct-<version>.<ttl|nt|nq|trig|jsonld> and their .sha256 files (when inputs changed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", action="append", metavar="[GRAPH_IRI=]FILE_OR_DIR",
                        help="dump these RDF files instead of the project graph (repeatable)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder to write to (default build/dumps for the project)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the dumps are up to date")


def run(args: argparse.Namespace) -> int:
    from kzct.dataset import DatasetError, load
    from kzct.dump import default_folder, ensure_dumps

    try:
        dataset = load(args.data)
    except DatasetError as exc:
        raise CommandError(str(exc)) from exc
    folder = args.out or default_folder(dataset, project=not args.data)
    try:
        dumps, built = ensure_dumps(dataset, folder, force=args.force)
    except OSError as exc:
        raise CommandError(f"could not write the dumps to {folder}: {exc}") from exc
    state = "written" if built else "up to date"
    print(f"version {dumps.version} (release {dumps.inputs}), {state} in {folder}")
    for f in dumps.files:
        print(f"{f.sha256}  {f.name}  {f.size} bytes")
    return 0
