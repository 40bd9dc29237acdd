"""Work a serving process does once, at its first need, and keeps: ``once(app, key, make)``."""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

from flask import Flask

T = TypeVar("T")
_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def once(app: Flask, key: str, make: Callable[[], T]) -> T:
    """``app.extensions[key]``, made by ``make()`` at the first call; other threads asking for the
    same key wait for it, those asking for other keys do not."""
    with _locks_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in app.extensions:
            app.extensions[key] = make()
    return app.extensions[key]
