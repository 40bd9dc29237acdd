"""The catalogue of named queries: `queries/*.rq` files with a grlc-style `#+` header.

A header looks like::

    #+ summary: Organizations banned on a given date
    #+ description: Each organization whose ban took effect that day, with issuer and source.
    #+ tags: [organizations, designations]
    #+ params:
    #+   - {name: date, type: xsd:date, required: true, example: "2006-11-17"}
    #+ columns: [organization, label, issuer, source]

Parameters are checked against their declared type and bound as typed RDF terms in a ``VALUES``
row placed at the top of the ``WHERE`` group (so filters see them); a value never enters the query
as text of its own. A parameter that is not given is bound to ``UNDEF``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

import pyoxigraph as ox
import yaml

from kzct.namespaces import PREFIXES

XSD = PREFIXES["xsd"]
PARAM_TYPES = ("xsd:string", "xsd:date", "xsd:gYear", "xsd:integer", "iri", "enum")
NAME = re.compile(r"^[a-z][a-z0-9-]*$")
WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


class CatalogueError(ValueError):
    """A query file whose header is missing or malformed."""


class ParamError(ValueError):
    """A parameter value that is missing or does not match its declared type."""

    def __init__(self, param: str, expected: str, detail: str):
        super().__init__(detail)
        self.param = param
        self.expected = expected


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = False
    example: str | None = None
    description: str = ""
    default: str | None = None
    values: tuple[str, ...] = ()  # for enum
    cls: str | None = None  # for iri: the class the entity should have (a CURIE)
    minimum: int | None = None
    maximum: int | None = None

    @property
    def variable(self) -> str:
        return self.name.replace("-", "_")

    @property
    def expected(self) -> str:
        if self.type == "enum":
            return "one of " + ", ".join(self.values)
        if self.type == "iri":
            return "an IRI, a kz: name or a label" + (f" of a {self.cls}" if self.cls else "")
        if self.type == "xsd:integer" and self.minimum is not None and self.maximum is not None:
            return f"xsd:integer from {self.minimum} to {self.maximum}"
        return self.type


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    text: str
    computed: str | None = None  # the name of a Python computation that uses this query's rows
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def example_params(self) -> dict[str, str]:
        return {p.name: p.example for p in self.params if p.example is not None}

    @property
    def example_url(self) -> str:
        query = urlencode(self.example_params)
        return f"/queries/{self.name}" + (f"?{query}" if query else "")


def _header(text: str, path: Path) -> dict[str, Any]:
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        raise CatalogueError(f"{path.name}: no '#+' header")
    try:
        header = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict):
        raise CatalogueError(f"{path.name}: header must be a mapping")
    for key in ("summary", "description", "columns"):
        if key not in header:
            raise CatalogueError(f"{path.name}: header lacks '{key}'")
    return header


def _param(raw: Mapping[str, Any], path: Path) -> Param:
    kind = str(raw.get("type", ""))
    if kind not in PARAM_TYPES:
        raise CatalogueError(f"{path.name}: parameter {raw.get('name')!r} has unknown type {kind!r}")
    name = str(raw["name"])
    if not NAME.match(name):
        raise CatalogueError(f"{path.name}: bad parameter name {name!r}")
    return Param(
        name=name,
        type=kind,
        required=bool(raw.get("required", False)),
        example=None if raw.get("example") is None else str(raw["example"]),
        description=str(raw.get("description", "")),
        default=None if raw.get("default") is None else str(raw["default"]),
        values=tuple(str(v) for v in raw.get("values", ())),
        cls=raw.get("class"),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
    )


def parse_named_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header = _header(text, path)
    if not NAME.match(path.stem):
        raise CatalogueError(f"{path.name}: the file name must be a lower-case slug")
    params = tuple(_param(p, path) for p in header.get("params") or ())
    known = {"summary", "description", "tags", "params", "columns", "computed"}
    return NamedQuery(
        name=path.stem,
        path=path,
        summary=str(header["summary"]),
        description=str(header["description"]),
        tags=tuple(header.get("tags") or ()),
        params=params,
        columns=tuple(header["columns"]),
        text=text,
        computed=header.get("computed"),
        extra={k: v for k, v in header.items() if k not in known},
    )


def load_catalogue(folder: Path) -> dict[str, NamedQuery]:
    return {p.stem: parse_named_query(p) for p in sorted(folder.glob("*.rq"))}


Resolver = Callable[[str, str | None], ox.NamedNode]


def parse_value(param: Param, value: str, resolve: Resolver | None = None) -> ox.NamedNode | ox.Literal:
    """The typed RDF term for one raw parameter value, or ParamError."""

    def fail(why: str) -> ParamError:
        return ParamError(param.name, param.expected, f"parameter '{param.name}' {why}; expected {param.expected}")

    if param.type == "xsd:string":
        if len(value) > 500:
            raise fail("is too long")
        return ox.Literal(value)
    if param.type == "xsd:date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise fail(f"is {value!r}, not a date (YYYY-MM-DD)") from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise fail(f"is {value!r}, not a date (YYYY-MM-DD)")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if param.type == "xsd:gYear":
        if not re.fullmatch(r"\d{4}", value):
            raise fail(f"is {value!r}, not a year (YYYY)")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
    if param.type == "xsd:integer":
        if not re.fullmatch(r"[+-]?\d{1,9}", value):
            raise fail(f"is {value!r}, not an integer")
        number = int(value)
        if (param.minimum is not None and number < param.minimum) or (
            param.maximum is not None and number > param.maximum
        ):
            raise fail(f"is {number}, out of range")
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "enum":
        if value not in param.values:
            raise fail(f"is {value!r}")
        return ox.Literal(value)
    if param.type == "iri":
        if resolve is None:
            raise fail("cannot be resolved here")
        try:
            return resolve(value, param.cls)
        except LookupError as exc:
            raise ParamError(param.name, param.expected, f"parameter '{param.name}': {exc}") from None
    raise fail("has an unsupported type")  # pragma: no cover - PARAM_TYPES is closed


def bind(
    query: NamedQuery, raw: Mapping[str, str], resolve: Resolver | None = None
) -> dict[str, ox.NamedNode | ox.Literal | None]:
    """Check every parameter of ``query`` against ``raw`` values; unknown names are an error."""
    declared = {p.name for p in query.params}
    for name in raw:
        if name not in declared:
            raise ParamError(name, "no such parameter", f"unknown parameter '{name}' for {query.name}; "
                             f"it takes: {', '.join(sorted(declared)) or 'none'}")
    bound: dict[str, ox.NamedNode | ox.Literal | None] = {}
    for param in query.params:
        value = raw.get(param.name, param.default)
        if value is None or value == "":
            if param.required:
                raise ParamError(param.name, param.expected,
                                 f"parameter '{param.name}' is required; expected {param.expected}")
            bound[param.name] = None
            continue
        bound[param.name] = parse_value(param, value, resolve)
    return bound


def with_values(query: NamedQuery, bound: Mapping[str, ox.NamedNode | ox.Literal | None]) -> str:
    """The query text with one VALUES row of the bound terms at the top of its WHERE group."""
    if not query.params:
        return query.text
    match = WHERE_OPEN.search(query.text)
    if match is None:
        raise CatalogueError(f"{query.path.name}: no 'WHERE {{' to bind parameters in")
    names = " ".join("?" + p.variable for p in query.params)
    row = " ".join("UNDEF" if bound.get(p.name) is None else str(bound[p.name]) for p in query.params)
    values = f" VALUES ({names}) {{ ({row}) }}"
    return query.text[: match.end()] + values + query.text[match.end():]
