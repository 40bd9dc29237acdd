"""Progress for long commands: a line when a step starts, a heartbeat while it runs, its time at the end.

Written to stderr, so the command's report on stdout stays as it was.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def step(what: str, every: float = 5.0) -> Iterator[None]:
    """Say ``what...``, then ``still <what> (N s)`` every ``every`` seconds, then the time taken."""
    start = time.monotonic()
    print(f"{what}...", file=sys.stderr, flush=True)
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every):
            print(f"  ... {time.monotonic() - start:.0f} s",
                  file=sys.stderr, flush=True)

    ticker = threading.Thread(target=beat, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
    print(f"  done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)
