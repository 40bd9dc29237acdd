"""The ``kzct`` command. Thin: each subcommand lives in its own module under ``kzct.commands``.

A command module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Exit codes: 0 success, 1 data does not conform / format drift / inconsistency, 2 could not run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from kzct.source import SourceMissing

COMMANDS = ("serve", "load", "validate", "reason", "fmt", "dump", "query", "coverage")


class CommandError(Exception):
    """A command could not run; the message is shown as one line and the exit code is 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kzct",
        description="kzct: a knowledge graph of terrorism, bans and counter-terrorism cooperation in "
                    "Kazakhstan, its checks, and its SPARQL endpoint.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"kzct.commands.{name}")
        except ModuleNotFoundError as exc:  # a command not built yet stays out of the help
            if exc.name != f"kzct.commands.{name}":
                raise
            continue
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args) or 0)
    except CommandError as exc:
        print(f"kzct {args.command}: {exc}", file=sys.stderr)
        return 2
    except SourceMissing as exc:
        print(f"kzct {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
