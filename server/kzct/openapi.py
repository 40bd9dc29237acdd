"""An OpenAPI 3.1 document for the named queries, generated from the catalogue headers."""

from __future__ import annotations

from typing import Any, Mapping

from kzct import __version__, formats
from kzct.catalogue import NamedQuery, Param

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def param_schema(param: Param) -> dict[str, Any]:
    if param.type == "xsd:date":
        schema: dict[str, Any] = {"type": "string", "format": "date"}
    elif param.type == "xsd:gYear":
        schema = {"type": "string", "pattern": "^[0-9]{4}$"}
    elif param.type == "xsd:integer":
        schema = {"type": "integer"}
        if param.minimum is not None:
            schema["minimum"] = param.minimum
        if param.maximum is not None:
            schema["maximum"] = param.maximum
    elif param.type == "enum":
        schema = {"type": "string", "enum": list(param.values)}
    else:
        schema = {"type": "string", "minLength": 1}
    if param.default is not None:
        schema["default"] = int(param.default) if param.type == "xsd:integer" else param.default
    return schema


def operation(query: NamedQuery) -> dict[str, Any]:
    content: dict[str, Any] = {
        f.media_type: {"schema": {"$ref": "#/components/schemas/SparqlResults"}} if f.name == "json"
        else {"schema": {"type": "string"}}
        for f in formats.RESULTS
    }
    if query.computed:
        content["application/json"] = {"schema": {"type": "object"}}
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": (p.description + "; " if p.description else "") + f"type {p.expected}",
            "schema": param_schema(p),
            **({"example": int(p.example) if p.type == "xsd:integer" else p.example}
               if p.example is not None else {}),
        }
        for p in query.params
    ]
    parameters.append({
        "name": "format", "in": "query", "required": False,
        "description": "result format instead of Accept: json, xml, csv, tsv",
        "schema": {"type": "string"},
    })
    return {
        "operationId": query.name,
        "summary": query.summary,
        "description": query.description + f"\n\nColumns: {', '.join(query.columns)}.",
        "tags": list(query.tags),
        "parameters": parameters,
        "responses": {
            "200": {"description": "the rows, one column per header column", "content": content},
            "400": {"description": "a parameter is missing or has the wrong type", "content": PROBLEM},
            "406": {"description": "no acceptable result format", "content": PROBLEM},
        },
    }


def document(catalogue: Mapping[str, NamedQuery], server_url: str = "/") -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/queries": {"get": {
            "operationId": "listQueries",
            "summary": "The catalogue of named queries",
            "responses": {"200": {"description": "every named query with its parameters",
                                  "content": {"application/json": {"schema": {"type": "array"}},
                                              "text/html": {"schema": {"type": "string"}}}}},
        }},
    }
    for name, query in sorted(catalogue.items()):
        paths[f"/queries/{name}"] = {"get": operation(query)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kzct named queries",
            "version": __version__,
            "description": "Common questions about the kzct knowledge graph as stable URLs. Each "
                           "operation is one file of the queries/ catalogue; parameters are bound as "
                           "typed RDF terms.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {
            "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                       "status": {"type": "integer"}, "detail": {"type": "string"}}},
            "SparqlResults": {"type": "object", "required": ["head"],
                              "properties": {"head": {"type": "object"}, "results": {"type": "object"}}},
        }},
    }
