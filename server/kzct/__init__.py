"""kzct: a knowledge graph of terrorism, bans and counter-terrorism cooperation in Kazakhstan."""

__version__ = "0.1.0"
