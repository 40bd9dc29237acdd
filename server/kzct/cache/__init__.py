"""Caches in front of the engine: exact answers keyed by data release and request (``answers``)."""
