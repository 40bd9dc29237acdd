"""One module per ``kzct`` subcommand (see kzct.cli)."""
