"""The canonical Turtle layout of the project (see STYLE.md), written from the parsed graph.

Layout: the file's leading comment lines, the PREFIX lines actually used (names from
``kzct.namespaces.PREFIXES``, sorted), then one block per subject in order of first appearance:
the subject alone on a line, predicates indented by four spaces (``a`` first, then the names,
then the rest sorted by their written form), objects sorted, and the ``.`` alone on a line.
Strings always go on their own line under the predicate, as do several objects (one a line)
and nested blank nodes; a single IRI, number, date or short list stays on the predicate's line.
Blank nodes used once are nested as ``[ ... ]`` (``[]`` as a subject), well-formed RDF lists as
``( ... )``; other blank nodes get labels ``_:b0``, ``_:b1``, ... Strings are written on one line
with escapes. A comment group standing just above a statement that starts at column 0 stays
above that subject's block; other comments are dropped (``dropped_comment_lines`` counts them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from kzct.namespaces import KZO, PREFIXES
from kzct.rdfparse import iter_triples

INDENT = "    "
NAME_PREDICATES = (SKOS.prefLabel, SKOS.altLabel, KZO.variantLabel, RDFS.label, DCTERMS.title,
                   SH.name, FOAF.name)
LOCAL_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
BARE_LITERALS = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}
PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*|):\s*<([^>]*)>", re.I | re.M)
SUBJECT_START = re.compile(r"<[^>\s]*>|\[|_:[^\s;,]+|[A-Za-z][\w.-]*:[^\s;,]*[^\s;,.]|[A-Za-z][\w.-]*:|:[^\s;,]*")
ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}

Triple = tuple[Node, Node, Node]


def leading_comments(text: str) -> list[str]:
    """The comment lines at the top of a file (blank lines inside kept, outer ones dropped)."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def block_comments(text: str) -> dict[object, list[str]]:
    """Comment lines standing just above a statement, keyed by its subject.

    The key is the subject IRI, or ``("anon", k)`` for the k-th statement whose subject is ``[``.
    Only statements that start at column 0 after a comment group are recognised.
    """
    prefixes = dict(PREFIX_DECL.findall(text))
    comments: dict[object, list[str]] = {}
    lines = text.splitlines()
    start = len(leading_comments(text)) and _header_end(lines)
    group: list[str] = []
    anon = 0
    for line in lines[start:]:
        if line.startswith("#"):
            group.append(line.rstrip())
            continue
        if not line.strip():
            continue
        match = SUBJECT_START.match(line)
        key: object = None
        if match and not PREFIX_DECL.match(line):
            token = match.group(0)
            if token.startswith("["):
                key = ("anon", anon)
                anon += 1
            elif token.startswith("<"):
                key = URIRef(token[1:-1])
            elif ":" in token and not token.startswith("_:"):
                prefix, local = token.split(":", 1)
                if prefix in prefixes:
                    key = URIRef(prefixes[prefix] + local)
        if group and key is not None:
            comments.setdefault(key, []).extend(group)
        group = []
    return comments


def _header_end(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if line.strip() and not line.lstrip().startswith("#"):
            return i
    return len(lines)


def dropped_comment_lines(text: str) -> int:
    """How many comment lines formatting would drop: those inside or after blocks (approximate)."""
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    kept = len([c for c in leading_comments(text) if c.lstrip().startswith("#")])
    kept += sum(len(group) for group in block_comments(text).values())
    return max(0, len(comments) - kept)


def format_turtle(text: str | bytes, file: str = "<string>") -> str:
    """``text`` in the canonical layout. Raises RdfSyntaxError if it does not parse."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    triples = list(iter_triples(text, "text/turtle", file=file))
    return serialize(triples, leading_comments(text), block_comments(text))


def serialize(triples: Iterable[Triple], header: Iterable[str] = (),
              comments: dict[object, list[str]] | None = None) -> str:
    writer = _Writer(triples)
    blocks = writer.blocks(comments or {})
    parts = []
    header = list(header)
    if header:
        parts.append("\n".join(header) + "\n")
    if writer.used:
        parts.append("".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in sorted(writer.used)))
    parts.extend("\n".join(block) + "\n" for block in blocks)
    return "\n".join(parts)


def quote_string(value: str) -> str:
    """A Turtle string; multi-line text (SPARQL in shapes, say) as a readable triple-quoted string."""
    if "\n" in value:
        return _long_string(value)
    out = []
    for ch in value:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _long_string(value: str) -> str:
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch in "\n\t":
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"""' + "".join(out) + '"""'


class _Writer:
    def __init__(self, triples: Iterable[Triple]) -> None:
        self.po: dict[Node, dict[Node, list[Node]]] = {}
        refs: Counter[Node] = Counter()
        seen: set[Triple] = set()
        object_order: list[Node] = []
        for s, p, o in triples:
            if (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            self.po.setdefault(s, {}).setdefault(p, []).append(o)
            if isinstance(o, BNode):
                if not refs[o]:
                    object_order.append(o)
                refs[o] += 1
        self.used: set[str] = set()
        self.refs = refs
        self.nested = self._nested_bnodes()
        self.roots = [s for s in self.po if s not in self.nested]
        self.labels: dict[Node, str] = {}
        for node in self.roots + object_order:
            shared = refs[node] > 1 or (refs[node] == 1 and node in self.po)
            if isinstance(node, BNode) and node not in self.nested and shared and node not in self.labels:
                self.labels[node] = f"_:b{len(self.labels)}"

    def _nested_bnodes(self) -> set[Node]:
        """Blank nodes written inside their only referrer; cycles are broken by labelling."""
        candidates = {o for o, n in self.refs.items() if n == 1 and o in self.po}
        nested: set[Node] = set()
        roots = [s for s in self.po if s not in candidates]
        while True:
            stack = list(roots)
            reached: set[Node] = set()
            while stack:
                node = stack.pop()
                for objects in self.po.get(node, {}).values():
                    for o in objects:
                        if o in candidates and o not in reached:
                            reached.add(o)
                            stack.append(o)
            nested = reached
            left = [s for s in self.po if s in candidates and s not in nested and s not in roots]
            if not left:
                return nested
            roots.append(left[0])
            candidates.discard(left[0])

    def blocks(self, comments: dict[object, list[str]]) -> list[list[str]]:
        blocks = []
        anon = 0
        for subject in self.roots:
            if isinstance(subject, BNode) and subject not in self.labels:
                key: object = ("anon", anon)
                anon += 1
                head = "[]"
            else:
                key, head = subject, self._term(subject)
            lines = [head] + self._predicates(subject) + ["."]
            if comments.get(key):
                blocks.append(comments[key])
            blocks.append(lines)
        return blocks

    def _predicates(self, subject: Node) -> list[str]:
        def key(p: Node) -> tuple[int, str]:
            if p == RDF.type:
                return (0, "")
            if p in NAME_PREDICATES:
                return (1 + NAME_PREDICATES.index(p), "")
            return (len(NAME_PREDICATES) + 1, self._term(p))

        lines: list[str] = []
        for p in sorted(self.po[subject], key=key):
            verb = "a" if p == RDF.type else self._term(p)
            rendered = sorted((self._object(o) for o in self.po[subject][p]), key="\n".join)
            single = rendered[0] if len(rendered) == 1 and len(rendered[0]) == 1 else None
            obj = self.po[subject][p][0]
            if single and not _string(obj):
                lines.append(f"{INDENT}{verb} {single[0]} ;")
                continue
            lines.append(f"{INDENT}{verb}")
            for i, obj_lines in enumerate(rendered):
                end = " ;" if i == len(rendered) - 1 else " ,"
                obj_lines = obj_lines[:-1] + [obj_lines[-1] + end]
                lines.extend(INDENT * 2 + line for line in obj_lines)
        return lines

    def _object(self, node: Node) -> list[str]:
        if node == RDF.nil:
            return ["()"]
        if node in self.nested:
            items = self._collection(node)
            if items is not None:
                rendered = [self._object(item) for item in items]
                if all(len(r) == 1 and r[0] not in ("[]", "()") for r in rendered):
                    return ["( " + " ".join(r[0] for r in rendered) + " )"] if rendered else ["()"]
                body = [INDENT + line for item in items for line in self._object(item)]
                return ["("] + body + [")"]
            inner = self._predicates(node)
            return ["[]"] if not inner else ["["] + inner + ["]"]
        return [self._term(node)]

    def _collection(self, node: Node) -> list[Node] | None:
        items: list[Node] = []
        seen: set[Node] = set()
        while node != RDF.nil:
            props = self.po.get(node, {})
            if (node in seen or node not in self.nested or set(props) != {RDF.first, RDF.rest}
                    or len(props[RDF.first]) != 1 or len(props[RDF.rest]) != 1):
                return None
            seen.add(node)
            items.append(props[RDF.first][0])
            node = props[RDF.rest][0]
        return items

    def _term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self._iri(node)
        if isinstance(node, BNode):
            return self.labels.get(node) or "[]"
        if isinstance(node, Literal):
            return self._literal(node)
        raise TypeError(f"cannot write {node!r}")

    def _iri(self, iri: str) -> str:
        best = None
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and LOCAL_NAME.fullmatch(iri[len(namespace):]):
                if best is None or len(namespace) > len(PREFIXES[best]):
                    best = prefix
        if best is None:
            return f"<{iri}>"
        self.used.add(best)
        return f"{best}:{iri[len(PREFIXES[best]):]}"

    def _literal(self, literal: Literal) -> str:
        lexical = str(literal)
        if literal.language:
            return f"{quote_string(lexical)}@{literal.language}"
        if literal.datatype is None:
            return quote_string(lexical)
        pattern = BARE_LITERALS.get(literal.datatype)
        if pattern and pattern.fullmatch(lexical):
            return lexical
        return f"{quote_string(lexical)}^^{self._iri(literal.datatype)}"


def _string(node: Node) -> bool:
    """A plain or language-tagged string: always on its own line under the predicate."""
    return isinstance(node, Literal) and node.datatype is None
