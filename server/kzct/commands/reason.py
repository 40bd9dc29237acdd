"""kzct reason: OWL-RL closure of ontology + graph into build/, and its consistency report."""

from __future__ import annotations

import argparse
from pathlib import Path

from kzct.cli import CommandError
from kzct.commands.progress import step
from kzct.consistency import find_clashes
from kzct.namespaces import bind_prefixes
from kzct.paths import BUILD_DIR
from kzct.rdfparse import RdfSyntaxError
from kzct.reasoning import build_closure

HELP = "compute the OWL-RL closure into build/inferred.nt and report inconsistencies"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build-dir", default=BUILD_DIR, type=Path,
                        help="where inferred.nt and inferred.json go (default: build/)")


def run(args: argparse.Namespace) -> int:
    try:
        result = build_closure(args.build_dir, on_step=step)
    except RdfSyntaxError as exc:
        raise CommandError(str(exc)) from None
    print(f"{len(result.inputs)} input triples, {len(result.inferred)} inferred, "
          f"{result.seconds:.2f} s -> {args.build_dir / 'inferred.nt'}")
    with step("Checking the closure for inconsistencies"):
        clashes = find_clashes(result.inputs, result.closure)
    nm = bind_prefixes(result.closure).namespace_manager
    for clash in clashes:
        print(f"INCONSISTENT ({clash.kind}): {clash.message}")
        for s, p, o in clash.statements:
            print(f"    {s.n3(nm)} {p.n3(nm)} {o.n3(nm)} .")
    print(f"{len(clashes)} inconsistenc{'y' if len(clashes) == 1 else 'ies'}")
    return 1 if clashes else 0
