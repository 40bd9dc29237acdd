"""kzct load: build the shared on-disk store that kzct serve opens (once per data release)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kzct.cli import CommandError

HELP = "build the on-disk store for the project graph (or --data files) that kzct serve opens read-only"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from kzct.paths import STORES_DIR

    parser.add_argument("--data", action="append", metavar="[GRAPH_IRI=]FILE_OR_DIR",
                        help="load these RDF files instead of the project graph (repeatable)")
    parser.add_argument("--store", type=Path, default=STORES_DIR,
                        help=f"folder of the stores, one per release (default {STORES_DIR})")


def run(args: argparse.Namespace) -> int:
    from kzct import chaingraph
    from kzct.dataset import DatasetError, file_sources, open_shared, project_sources

    start = time.monotonic()
    try:
        if args.data:
            dataset = open_shared(file_sources(args.data), False, args.store, progress=print)
        else:
            dataset = open_shared(project_sources(), True, args.store, progress=print,
                                  derive=chaingraph.materialize, derived=chaingraph.version())
    except DatasetError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"could not build the store in {args.store}: {exc}") from exc
    print(f"{dataset.location}: {dataset.default_triples} triples in the default graph, "
          f"{len(dataset.graphs)} named graphs, release {dataset.release} ({time.monotonic() - start:.1f} s)")
    return 0
