"""Checks a query's text before any parser sees it: length, nesting depth, updates, SERVICE.

This is the cheap first line, not the guarantee: the query processes cannot open a network
connection at all (``sandbox.py``), and every query that mentions ``service`` is parsed again in
its query process, where SERVICE is found on the algebra (``service_check.py``).

A single regular-expression scan, linear in the text (every token consumes a whole run of name
characters, so no position is scanned twice), splits the text into comments, strings, IRIs,
names, variables and brackets the way the SPARQL grammar does, so that keywords inside strings,
IRIs or comments are not mistaken for code. Where the scan and a parser could disagree (an
unterminated string, a keyword glued to a prefixed name such as ``SERVICE:x``, which Oxigraph reads
as ``SERVICE :x``, and ``SERVICESILENT`` as ``SERVICE SILENT``), the scan errs towards refusing:
any name that begins with ``service`` is a SERVICE call. Nesting is counted twice: on the tokens
(brackets, and runs of the prefix operators ``! - + ^`` that make a recursive-descent parser
recurse), and on the raw characters with a looser limit, so brackets hidden inside what the scan
took for a token still cannot reach the parser's stack.
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
    | (?P<name>\w[\w\-.]*(?::(?:[\w\-.:%]|""" + _PN_LOCAL_ESC + r""")*)?
              |:(?:[\w\-.:%]|""" + _PN_LOCAL_ESC + r""")*)
    | (?P<open>[({\[])
    | (?P<close>[)}\]])
    | (?P<prefixop>[!^+\-](?:\s*[!^+\-])*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
WORD = re.compile(r"[A-Za-z_]\w*\Z")
# Oxigraph's parser reads keywords glued to what follows ("SERVICESILENT <x>", "SERVICE:x"), so
# any name that begins with "service" counts as a SERVICE call.
SERVICE_AT = re.compile(r"service", re.IGNORECASE)
RAW_BRACKETS = re.compile(r"[({\[)}\]]")

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
RAW_DEPTH_FACTOR = 4  # brackets counted on raw characters may nest this many times the limit


@dataclass(frozen=True)
class Checked:
    """What the scan found: the query form (None if unknown), depth, SERVICE IRIs."""

    form: str | None
    depth: int
    services: tuple[str, ...]


def scan(text: str) -> list[tuple[str, str]]:
    """The significant tokens of ``text`` as (kind, text) pairs (no spaces or comments).

    Kinds: lstring, string, iri, var, word (a keyword or a bare name), pname (a prefixed name),
    number-like names are "other", open, close, prefixop, other.
    """
    tokens = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        value = m.group()
        if kind == "name":
            kind = "pname" if ":" in value else "word" if WORD.match(value) else "other"
        tokens.append((kind, value))
    return tokens


def check(text: str, limits: Limits) -> Checked:
    """Raise a ``QueryError`` if ``text`` breaks a limit, is an update or calls a SERVICE not allowed."""
    if len(text) > limits.max_query_length:
        raise QueryTooLong(f"the query has {len(text)} characters; the limit is {limits.max_query_length}")
    _check_raw_depth(text, limits.max_depth * RAW_DEPTH_FACTOR)
    tokens = scan(text)
    depth = deepest = 0
    for kind, value in tokens:
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            continue
        elif kind == "prefixop":
            if _operators(value) + depth > limits.max_depth:
                raise QueryTooDeep(f"the query nests operators more than {limits.max_depth} deep")
            continue
        else:
            continue
        if depth > deepest:
            deepest = depth
            if deepest > limits.max_depth:
                raise QueryTooDeep(f"the query nests brackets more than {limits.max_depth} deep")
    form, prefixes = _prologue(tokens)
    if form in UPDATE_WORDS:
        raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
    services = []
    for j, (kind, value) in enumerate(tokens):
        if kind in ("word", "pname") and SERVICE_AT.match(value):
            services.append(_service_target(tokens, j, prefixes, limits))
    return Checked(form if form in QUERY_FORMS else None, deepest, tuple(services))


def form_of(text: str) -> str | None:
    """The query form (SELECT, ASK, CONSTRUCT, DESCRIBE) after the prologue, or None."""
    form, _ = _prologue(scan(text))
    return form if form in QUERY_FORMS else None


def _prologue(tokens: list[tuple[str, str]]) -> tuple[str | None, dict[str, str]]:
    """The first keyword after BASE and PREFIX declarations (upper case), and the prefixes declared."""
    prefixes: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper()
        if kind == "word" and upper == "BASE":
            i += 2
        elif kind == "word" and upper == "PREFIX" and i + 2 < len(tokens):
            prefixes[tokens[i + 1][1][:-1]] = tokens[i + 2][1][1:-1]
            i += 3
        elif kind in ("word", "pname"):
            return upper.split(":", 1)[0], prefixes
        else:
            return None, prefixes
    return None, prefixes


def _operators(run: str) -> int:
    return sum(1 for c in run if not c.isspace())


def _check_raw_depth(text: str, limit: int) -> None:
    depth = 0
    for m in RAW_BRACKETS.finditer(text):
        if m.group() in "({[":
            depth += 1
            if depth > limit:
                raise QueryTooDeep(f"the query nests brackets more than {limit // RAW_DEPTH_FACTOR} deep")
        elif depth:
            depth -= 1


def _service_target(tokens, j: int, prefixes: dict[str, str], limits: Limits) -> str:
    kind, value = tokens[j]
    target = None
    glued = value[len("service"):]
    if kind == "pname" and glued.startswith(":"):  # SERVICE:local, read by Oxigraph as SERVICE :local
        if "" in prefixes:
            target = prefixes[""] + glued[1:]
    elif glued:  # SERVICESILENT, servicex:y: some glued spelling; refused without a target
        pass
    else:
        rest = tokens[j + 1 : j + 3]
        if rest and rest[0][0] in ("word", "pname") and re.match(r"silent(?::|\Z)", rest[0][1], re.I):
            rest = [] if ":" in rest[0][1] else rest[1:]
        if rest:
            kind, value = rest[0]
            if kind == "iri":
                target = value[1:-1]
            elif kind == "pname":
                prefix, _, local = value.partition(":")
                if prefix in prefixes:
                    target = prefixes[prefix] + local
    if target is None or target not in limits.service_allow:
        raise ServiceRefused(refusal(target, limits))
    return target


def refusal(target: str | None, limits: Limits) -> str:
    """The client-facing message for a SERVICE that may not be called."""
    shown = f" <{target}>" if target else ""
    return (f"SERVICE{shown} is not allowed: this endpoint does not call other endpoints"
            + (" except those on its allow-list" if limits.service_allow else ""))


def mentions_service(text: str) -> bool:
    """Whether ``service`` occurs anywhere in ``text``, in any case (the only way to write SERVICE)."""
    return "service" in text.casefold()
