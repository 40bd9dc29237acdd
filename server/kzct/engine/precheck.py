"""Checks a query's text before any parser sees it: length, nesting depth, updates, SERVICE.

A single regular-expression scan (no recursion, linear in the text) splits the text into
comments, strings, IRIs, prefixed names, variables, words and brackets, the way the SPARQL grammar
does, so that keywords inside strings, IRIs or comments are never mistaken for code. Where the scan
and the grammar could disagree (an unterminated string), the scan shows more text as code, so it
errs towards refusing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kzct.config import Limits
from kzct.engine.errors import QueryTooDeep, QueryTooLong, ServiceRefused, UpdateRefused

_PN_LOCAL_ESC = r"""\\[_~.\-!$&'()*+,;=/?#@%]"""
TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<lstring>\"\"\"(?:[^"\\]|\\[^\n\r]|"(?!""))*(?:\"\"\"|\Z)
                 |'''(?:[^'\\]|\\[^\n\r]|'(?!''))*(?:'''|\Z))
    | (?P<string>"(?:[^"\\\n\r]|\\[^\n\r])*"?|'(?:[^'\\\n\r]|\\[^\n\r])*'?)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<pname>[\w\-.]*:(?:[\w\-.:%]|""" + _PN_LOCAL_ESC + r""")*)
    | (?P<word>[A-Za-z_]\w*)
    | (?P<open>[({\[])
    | (?P<close>[)}\]])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@dataclass(frozen=True)
class Checked:
    """What the scan found: the query form (None if unknown), depth, SERVICE IRIs."""

    form: str | None
    depth: int
    services: tuple[str, ...]


def scan(text: str) -> list[tuple[str, str]]:
    """The significant tokens of ``text`` as (kind, text) pairs (no spaces or comments)."""
    return [
        (m.lastgroup, m.group())
        for m in TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


def check(text: str, limits: Limits) -> Checked:
    """Raise a ``QueryError`` if ``text`` breaks a limit, is an update or calls a SERVICE not allowed."""
    if len(text) > limits.max_query_length:
        raise QueryTooLong(f"the query has {len(text)} characters; the limit is {limits.max_query_length}")
    tokens = scan(text)
    depth = deepest = 0
    for kind, _ in tokens:
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limits.max_depth:
                    raise QueryTooDeep(f"the query nests brackets more than {limits.max_depth} deep")
        elif kind == "close":
            depth -= 1
    prefixes: dict[str, str] = {}
    form = None
    i = 0
    while i < len(tokens):  # the prologue: BASE <iri>, PREFIX p: <iri>
        kind, value = tokens[i]
        upper = value.upper()
        if kind == "word" and upper == "BASE":
            i += 2
            continue
        if kind == "word" and upper == "PREFIX" and i + 2 < len(tokens):
            prefixes[tokens[i + 1][1][:-1]] = tokens[i + 2][1][1:-1]
            i += 3
            continue
        if kind == "word":
            form = upper
        break
    if form in UPDATE_WORDS:
        raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
    services = []
    for j, (kind, value) in enumerate(tokens):
        if kind == "word" and value.upper() == "SERVICE":
            services.append(_service_target(tokens, j, prefixes, limits))
    return Checked(form if form in QUERY_FORMS else None, deepest, tuple(services))


def _service_target(tokens, j: int, prefixes: dict[str, str], limits: Limits) -> str:
    rest = tokens[j + 1 : j + 3]
    if rest and rest[0][0] == "word" and rest[0][1].upper() == "SILENT":
        rest = rest[1:]
    target = None
    if rest:
        kind, value = rest[0]
        if kind == "iri":
            target = value[1:-1]
        elif kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                target = prefixes[prefix] + local
    if target is None or target not in limits.service_allow:
        shown = f" <{target}>" if target else ""
        raise ServiceRefused(
            f"SERVICE{shown} is not allowed: this endpoint does not call other endpoints"
            + (" except those on its allow-list" if limits.service_allow else "")
        )
    return target
