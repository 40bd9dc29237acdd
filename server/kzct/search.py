"""Forgiving name search: every label of every entity, ranked by rapidfuzz against what was typed.

Researchers type names as they remember them: "Tabligi" for Tablighi Jamaat, "Hizb-ut-Takhrir" for
Hizb ut-Tahrir, or in Cyrillic. Both the typed text and every name are first folded to a common
spelling (``fold``: anyascii transliteration, case, accents, punctuation, and the romanization
variants that name the same sound, kh/h, gh/g, dzh/j, y/i, doubled letters), then scored with
rapidfuzz's ``WRatio`` (a weighted mix of whole, partial and token-order-free ratios); equal
scores are ordered by the ratio of the whole name, so "jamaat of central asian" puts the Jamaat
before Central Asia. An entity appears once, under its best-matching name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz import fuzz, process, utils

CUTOFF = 70  # rapidfuzz score (0-100) below which a name is not shown
LIMIT = 50
# Which kind of name wins a tie: the preferred label first.
KIND_RANK = {"preferred": 0, "alternative": 1, "variant": 2, "label": 3, "title": 4}
# Romanization variants of one sound, folded to one spelling (order matters: longest first).
VARIANTS = (
    ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("q", "k"),
    ("ck", "k"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("y", "i"), ("w", "v"), ("x", "ks"),
)
NOT_LETTER = re.compile(r"[^a-z0-9]+")
DOUBLED = re.compile(r"([a-z])\1+")


def fold(text: str) -> str:
    """``text`` in the common spelling the scores compare: "Hizb-ut-Takhrir" -> "hizb ut tahrir"."""
    text = anyascii(unicodedata.normalize("NFKC", text)).lower()
    text = NOT_LETTER.sub(" ", text.replace("'", "").replace("\u2019", ""))
    for spelling, common in VARIANTS:
        text = text.replace(spelling, common)
    return DOUBLED.sub(r"\1", text).strip()


@dataclass(frozen=True)
class Name:
    entity: str
    name: str
    kind: str  # preferred, alternative, variant, label, title
    label: str | None  # the entity's preferred label
    type: str | None  # the entity's kzo: class (local name)


@dataclass(frozen=True)
class Match:
    name: Name
    score: float  # 0-100
    exact: bool  # the folded name equals the folded text
    whole: float  # rapidfuzz ratio of the whole name to the text: breaks ties of ``score``


def rank(text: str, names: Iterable[Name], cutoff: float = CUTOFF, limit: int = LIMIT) -> list[Match]:
    """The entities whose names match ``text``, best first, each once under its best name."""
    wanted = fold(text)
    if not wanted:
        return []
    names = list(names)
    folded = [fold(n.name) for n in names]
    found = process.extract(wanted, folded, scorer=fuzz.WRatio, processor=utils.default_process,
                            score_cutoff=cutoff, limit=None)
    best: dict[str, Match] = {}
    for _, score, index in found:
        name = names[index]
        match = Match(name, float(score), folded[index] == wanted, fuzz.ratio(wanted, folded[index]))
        held = best.get(name.entity)
        if held is None or _key(match) < _key(held):
            best[name.entity] = match
    return sorted(best.values(), key=_key)[:limit]


def _key(match: Match) -> tuple:
    return (not match.exact, -round(match.score), -match.whole, KIND_RANK.get(match.name.kind, 9), len(match.name.name),
            match.name.entity)
