"""The ``Accept`` header, parsed as content negotiation needs it (used by ``kzct.formats``).

Parameters other than ``q`` and ``charset`` are ignored; a range whose ``charset`` is not UTF-8 is
dropped (it matches nothing we send). A match has a specificity (3 exact, 2 ``type/*``, 1 ``*/*``)
and the q-value of the most specific range that matches.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

MAX_MEMO_ACCEPT = 1000  # characters; longer Accept headers are matched but not remembered
Range = tuple[str, str, float]  # type, subtype, q


def _parse(accept: str) -> tuple[Range, ...]:
    """The media ranges of an Accept header; parameters other than q and charset are ignored, and a
    range whose charset is not UTF-8 is dropped (it matches nothing we send)."""
    ranges = []
    for item in accept.split(","):
        media, *params = item.split(";")
        media = media.strip().lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"  # sent by some old clients
            else:
                continue
        q, charset_ok = 1.0, True
        for param in params:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"').lower()
            if key == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif key == "charset" and value.replace("_", "-") not in ("utf-8", "utf8", "*"):
                charset_ok = False
        if charset_ok:
            kind, _, sub = media.partition("/")
            ranges.append((kind.strip(), sub.strip(), q))
    return tuple(ranges)


_parse_memo = lru_cache(maxsize=1024)(_parse)


def parse_accept(accept: str) -> tuple[Range, ...]:
    return _parse_memo(accept) if len(accept) <= MAX_MEMO_ACCEPT else _parse(accept)


def quality(ranges: Iterable[Range], media: str) -> tuple[int, float] | None:
    """(specificity, q) of the most specific range matching ``media`` (None: no range matches)."""
    kind, _, sub = media.partition("/")
    best: tuple[int, float] | None = None
    for r_kind, r_sub, q in ranges:
        if r_kind == kind and r_sub == sub:
            spec = 3
        elif r_kind == kind and r_sub == "*":
            spec = 2
        elif r_kind == "*" and r_sub == "*":
            spec = 1
        else:
            continue
        if best is None or spec > best[0] or (spec == best[0] and q > best[1]):
            best = (spec, q)
    return best
