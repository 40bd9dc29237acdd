"""The source article: its text, its sections and its content sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kzct.paths import SOURCE_FILE

HEADING = re.compile(r"^(=+) (.*?) =+$")
# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before a space
# and a capital letter, digit or opening quote.
SENTENCE_END = re.compile(r'(?<=[.!?])["\u201d)\]]?\s+(?=["\u201c(\[]?[A-Z0-9])')


@dataclass(frozen=True)
class Sentence:
    start: int  # character offset in the source text
    end: int
    text: str
    section: str  # title of the innermost heading above it ("" for the lead)


class SourceMissing(FileNotFoundError):
    """The article is not where it should be (usually: no ../shared folder beside the clone)."""


@lru_cache(maxsize=4)
def read_source(path: Path = SOURCE_FILE) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        folder = next((p for p in (path.parent.parent, path.parent) if not p.is_dir()), None)
        where = f"the folder {folder} is missing" if folder else f"{path} is missing"
        raise SourceMissing(f"the article {path.name} cannot be read: {where} (put the shared "
                            f"folder beside the repository, or set KZCT_SHARED or KZCT_SOURCE)") from None


def content_sentences(text: str) -> list[Sentence]:
    """Every content sentence (headings and blank lines aside) with its offsets and section."""
    sentences: list[Sentence] = []
    section = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        heading = HEADING.match(stripped)
        if heading:
            section = heading.group(2)
        elif stripped:
            base = offset + (len(line) - len(line.lstrip()))
            body = line.strip()
            pos = 0
            for match in SENTENCE_END.finditer(body):
                piece_end = match.start() + len(match.group(0).rstrip())
                piece = body[pos:piece_end].strip()
                if piece:
                    start = base + body.index(piece, pos)
                    sentences.append(Sentence(start, start + len(piece), piece, section))
                pos = match.end()
            piece = body[pos:].strip()
            if piece:
                start = base + body.index(piece, pos)
                sentences.append(Sentence(start, start + len(piece), piece, section))
        offset += len(line)
    return sentences


def quote_spans(text: str, quotes: set[str]) -> list[tuple[int, int]]:
    """Every occurrence of every quote in the text, as (start, end) character spans."""
    spans = []
    for quote in quotes:
        if not quote:
            continue
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + 1)
    return spans
