"""Names, numbers and dates of the article that no structured value holds (kzct coverage --entities).

Sentence coverage says every sentence is quoted; this says whether what a sentence names, counts or
dates is also a value a query can return, or only sits inside a quote or a label. A mention is
*held* when:

- a name: its words occur (case aside) in a structured literal: any literal object except the
  descriptive ones (``kzo:quote``, ``rdfs:label``, ``rdfs:comment``, ``kzo:yearQuote``); a title or
  nationality before it may be left off ("Chinese President Hu Jintao"), and a name not held whole
  is checked piece by piece (split at "and", "of", possessives);
- a number: it is the ``kzo:value`` or ``kzo:maxValue`` of a statement whose quote has that number,
  the year of a typed date whose statement quotes it (or gives it in ``kzo:yearQuote``), or occurs
  as a word in a structured literal other than a ``kzo:name`` ("Boeing 737", an ISBN);
- a date: a typed date has that day, month and year (as far as the mention gives them).

Exceptions, each with its reason, are the ``- `kind: text` — reason`` items under "## Entities" in
``docs/coverage-exclusions.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDFS, XSD

from kzct.namespaces import KZO
from kzct.source import content_sentences

DESCRIPTIVE = {KZO.quote, RDFS.label, RDFS.comment, KZO.yearQuote, KZO.sourceText}
DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear, XSD.gMonthDay, XSD.gMonth}
MONTHS = ("January February March April May June July August September October November "
          "December").split()
MONTH = r"(?P<month>" + "|".join(MONTHS) + r")"
DATE = re.compile(
    r"(?:(?P<day>\d{1,2})(?:\s?[–-]\s?\d{1,2})?\s+" + MONTH + r"(?:\s+(?P<year>\d{4}))?)"
    r"|(?:" + MONTH.replace("month", "month2") + r"\s+(?:(?P<day2>\d{1,2})\b(?!,? \d{4}\b)|(?P<year2>\d{4})))"
)
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS |= {"twenty-five": 25, "hundred": 100}
NUMBER = re.compile(r"(?<![\w-])\$?\d[\d,]*(?:\.\d+)?(?:-\d+)*(?: million)?|\b(?:" + "|".join(
    sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I)
CONNECTOR = r"(?:of|the|for|and|on|in|an|al|bin|ut|e|de|la|du|against|to|[-'’])"
CAPITAL = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
NAME = re.compile(rf"{CAPITAL}(?:(?:\s+{CONNECTOR})*\s+{CAPITAL})*")
# Capitalized only because they open a sentence or are ordinary words, not names.
NOT_NAMES = set("""A An The In On At From After Before While When Upon During Some One Two Three Four
Both They He She It Its His Her Their This That These Those There Then However Additionally Over
About Other Police Kazakh Uzbek Members Participants Routes Seized Suspects Officials Security
If We Our But And Why Look Last Today Instead Problems Tabligh Yermukanov Rao Christian Jewish
Muslim Islamic Representatives Political Alleged Bombings Deputy Chairman Speaker Senator Judge
General Professor President Vice Prime Minister Congressman Secretary First Executive Director
Novembre I Allowing All New Nurkadilov Therefore According Addressing Earlier Once So""".split())


@dataclass(frozen=True)
class Mention:
    kind: str  # "name", "number" or "date"
    text: str
    section: str

    @property
    def key(self) -> str:
        return f"{self.kind}: {self.text}"


def mentions(text: str) -> list[Mention]:
    """Every date, number and name in the article's content sentences, in order, once per sentence."""
    found: dict[tuple[str, int], Mention] = {}
    for sentence in content_sentences(text):
        body = sentence.text
        dates = list(DATE.finditer(body))
        for match in dates:
            found.setdefault((f"date: {match.group(0)}", sentence.start), Mention("date", match.group(0), sentence.section))
        rest = body
        for match in reversed(dates):
            rest = rest[:match.start()] + " " * len(match.group(0)) + rest[match.end():]
        for match in NAME.finditer(rest):
            name = _clean(match.group(0))
            if name and name not in NOT_NAMES and not name.isdigit() and len(name) > 1:
                found.setdefault((f"name: {name}", sentence.start), Mention("name", name, sentence.section))
        for match in NUMBER.finditer(rest):
            number = match.group(0).rstrip(".,")
            found.setdefault((f"number: {number}", sentence.start), Mention("number", number, sentence.section))
    return list(found.values())


@dataclass
class Held:
    strings: str  # every structured literal, casefolded, one per line
    values: str  # the same without kzo:name, whose phrases name events but hold no number
    numbers: dict[float, str]  # value -> the quotes of the statements that hold it
    dates: dict[str, str]  # lexical form of a typed date -> the quotes (and year quotes) beside it


def held_values(graph: Graph) -> Held:
    strings: list[str] = []
    values: list[str] = []
    numbers: dict[float, list[str]] = {}
    dates: dict[str, list[str]] = {}
    for subject, predicate, value in graph:
        if not isinstance(value, Literal) or predicate in DESCRIPTIVE:
            continue
        words = " ".join(str(q) for p in (KZO.quote, KZO.yearQuote) for q in graph.objects(subject, p))
        if value.datatype in DATE_TYPES:
            dates.setdefault(str(value), []).append(words)
        elif isinstance(value.toPython(), (int, float)) and not isinstance(value.toPython(), bool):
            numbers.setdefault(float(value.toPython()), []).append(words)
        else:
            strings.append(str(value).casefold())
            if predicate != KZO.name:
                values.append(str(value).casefold())
    return Held("\n".join(strings), "\n".join(values), {k: " | ".join(v) for k, v in numbers.items()},
                {k: " | ".join(v) for k, v in dates.items()})


def _number_value(text: str) -> float | None:
    if text.lower() in NUMBER_WORDS:
        return float(NUMBER_WORDS[text.lower()])
    factor = 1e6 if text.endswith(" million") else 1.0
    try:
        return float(text.removesuffix(" million").lstrip("$").replace(",", "")) * factor
    except ValueError:
        return None


def is_held(mention: Mention, held: Held) -> bool:
    if mention.kind == "name":
        # Held whole, or as the name after a title or nationality ("Chinese President Hu Jintao").
        words = mention.text.split()
        return any(" ".join(words[i:]).casefold() in held.strings for i in range(len(words)))
    if mention.kind == "number":
        # A value counts only where the statement holding it quotes the number itself.
        value = _number_value(mention.text)
        digits = mention.text.lstrip("$").removesuffix(" million")
        if value is not None and digits.casefold() in held.numbers.get(value, "").casefold():
            return True
        if re.fullmatch(r"\d{4}", digits) and any(
                d.startswith(digits) and digits in words for d, words in held.dates.items()):
            return True
        word = r"(?<![\w-])" + re.escape(mention.text.casefold()) + r"(?![\w-])"
        return re.search(word, held.values) is not None
    match = DATE.fullmatch(mention.text)
    month = f"{MONTHS.index(match.group('month') or match.group('month2')) + 1:02d}"
    day, year = match.group("day") or match.group("day2"), match.group("year") or match.group("year2")
    for date in held.dates:
        parts = date.lstrip("-").split("-")
        if date.startswith("--"):
            parts = [None] + parts  # gMonthDay / gMonth: no year
        have_year, have_month, have_day = (parts + [None, None, None])[:3]
        if have_month != month or (year and have_year != year) or (day and have_day != f"{int(day):02d}"):
            continue
        return True
    return False


SPLIT = re.compile(r"'s\b|’s\b|s'(?=\s)|\s+(?:and|of|in|for|on|the|to|against|-)\s+|\s+-\s+")


def _clean(name: str) -> str:
    words = name.strip(" .'’-").split()
    while words and (words[0] in NOT_NAMES or words[0].islower()):
        words.pop(0)
    while words and words[-1] in {"of", "the", "and", "for", "in", "on", "to"}:
        words.pop()
    return " ".join(words).strip(" .'’-")


def unheld(graph: Graph, text: str) -> list[Mention]:
    """Mentions no structured value holds; a name not held whole is checked piece by piece
    (split at "and", "of", possessives), and only its unheld pieces are reported."""
    held = held_values(graph)
    result: dict[str, Mention] = {}
    for mention in mentions(text):
        if is_held(mention, held):
            continue
        if mention.kind != "name":
            result.setdefault(mention.key, mention)
            continue
        for piece in map(_clean, SPLIT.split(mention.text)):
            if len(piece) < 2 or piece in NOT_NAMES:
                continue
            part = Mention("name", piece, mention.section)
            if not is_held(part, held):
                result.setdefault(part.key, part)
    return list(result.values())


EXCEPTION_ITEM = re.compile(r"^- `((?:name|number|date): [^`]+)` — (.+)$")


def read_exceptions(path: Path) -> dict[str, str]:
    """The ``- `kind: text` — reason`` items under the "## Entities" heading of ``path``."""
    items: dict[str, str] = {}
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## Entities"
        elif inside and (match := EXCEPTION_ITEM.match(line)):
            items[match.group(1)] = match.group(2)
    return items
