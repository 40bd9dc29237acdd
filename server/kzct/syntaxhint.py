"""A SPARQL syntax error in words a person reads.

The parser reports where it gave up and what it would have accepted there ("error at 1:10:
expected CONSTRUCT" for ``SELEC ?s ...``). Usually the mistake is the word just before that point:
an unknown keyword. ``explain`` names that word, suggests the keyword it is closest to (rapidfuzz),
says when the query ends before a bracket or quote is closed, and keeps the parser's own message
at the end for reference.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

KEYWORDS = (
    "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "FROM", "NAMED", "PREFIX", "BASE", "DISTINCT",
    "REDUCED", "AS", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "SILENT", "BIND",
    "VALUES", "UNDEF", "ORDER", "BY", "ASC", "DESC", "GROUP", "HAVING", "LIMIT", "OFFSET", "NOT",
    "EXISTS", "IN", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR",
    "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL",
    "FLOOR", "ROUND", "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS",
    "STRENDS", "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS",
    "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384", "SHA512",
    "COALESCE", "IF", "STRLANG", "STRDT", "SAMETERM", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL",
    "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE", "TRUE", "FALSE",
)
KNOWN = frozenset(KEYWORDS) | {"A"}
POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.S)
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EXPECTED_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|(\[_\]|[A-Za-z_]+)')
MASK = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^\s<>"{}|^`\\]*>|#[^\n]*')
PAIRS = {"{": "}", "(": ")", "[": "]"}


def explain(query: str, message: str) -> str:
    """``message`` from the parser, put in words; the message unchanged when it has no position."""
    match = POSITION.search(message)
    if not match:
        return message
    line, column, expected = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    offset = _offset(query, line, column)
    where = f"line {line}, column {column}"
    word = _word_before(query, offset)
    if not query[offset:].strip():
        unclosed = _unclosed(query)
        if unclosed:
            return (f"the query ends before {unclosed!r} is closed (it needs {PAIRS.get(unclosed, unclosed)!r})"
                    f" [the parser says: {message.strip()}]")
        if word is None:
            return (f"the query ends too early: {_expected_in_words(expected)}"
                    f" [the parser says: {message.strip()}]")
    if word is not None:
        text, start = word
        guess = process.extractOne(text.upper(), KEYWORDS, scorer=fuzz.ratio, score_cutoff=60)
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        line_of, column_of = _position(query, start)
        return (f"unknown keyword {text}{hint} at line {line_of}, column {column_of}"
                f" [the parser says: {message.strip()}]")
    near = query[offset:offset + 20].split("\n")[0]
    return f"at {where}, near {near!r}, {_expected_in_words(expected)} [the parser says: {message.strip()}]"


def _offset(query: str, line: int, column: int) -> int:
    lines = query.split("\n")
    before = sum(len(text) + 1 for text in lines[:max(0, line - 1)])
    return min(len(query), before + max(0, column - 1))


def _position(query: str, offset: int) -> tuple[int, int]:
    head = query[:offset]
    return head.count("\n") + 1, offset - (head.rfind("\n") + 1) + 1


def _word_before(query: str, offset: int) -> tuple[str, int] | None:
    """The last bare word (not a variable, prefixed name, IRI, string or comment) starting at or
    before ``offset`` that is no SPARQL keyword or function: the usual culprit."""
    masked = _masked(query)
    culprit = None
    for found in WORD.finditer(masked):
        start, end = found.span()
        if start > offset:
            break
        before = masked[start - 1] if start else " "
        after = masked[end] if end < len(masked) else " "
        if before in "?$:@_" or after == ":" or before.isalnum():
            continue
        if found.group().upper() not in KNOWN:
            culprit = (found.group(), start)
    return culprit


def _masked(query: str) -> str:
    """``query`` with strings, IRIs and comments blanked out (same length)."""
    return MASK.sub(lambda m: " " * len(m.group()), query)


def _unclosed(query: str) -> str | None:
    """The innermost bracket or quote still open at the end (strings, IRIs and comments skipped)."""
    stack: list[str] = []
    i = 0
    while i < len(query):
        c = query[i]
        if c == "#":
            end = query.find("\n", i)
            i = len(query) if end < 0 else end
        elif c in "\"'":
            end = query.find(c, i + 1)
            if end < 0:
                return c
            i = end
        elif c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", query[i:]):
            i = query.index(">", i)
        elif c in PAIRS:
            stack.append(c)
        elif c in PAIRS.values() and stack and PAIRS[stack[-1]] == c:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _expected_in_words(expected: str) -> str:
    expected = expected.removeprefix("expected").strip()
    expected = expected.removeprefix("one of").strip()
    words = [quoted or bare for quoted, bare in EXPECTED_ITEM.findall(expected) if bare != "[_]"]
    if not words:
        return "something else was expected here"
    if len(words) == 1:
        return f"expected {words[0]} here"
    return "expected one of " + ", ".join(words[:-1]) + " or " + words[-1] + " here"
