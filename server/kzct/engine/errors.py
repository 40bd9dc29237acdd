"""What can go wrong with a query. The web layer maps each kind to an HTTP status."""

from __future__ import annotations


class QueryError(Exception):
    """Base class: ``str(error)`` is a short message safe to show to the client."""

    kind = "error"


class QuerySyntaxError(QueryError):
    """The query does not parse (the parser's message)."""

    kind = "syntax"


class UpdateRefused(QueryError):
    """The request is a SPARQL Update; the endpoint is read-only."""

    kind = "update"


class ServiceRefused(QueryError):
    """The query calls a SERVICE that is not on the allow-list."""

    kind = "service"


class QueryTooLong(QueryError):
    """The query text is longer than the limit."""

    kind = "too-long"


class QueryTooDeep(QueryError):
    """The query nests brackets deeper than the limit."""

    kind = "too-deep"


class NotAcceptable(QueryError):
    """No acceptable format for this query form."""

    kind = "not-acceptable"


class QueryTimeout(QueryError):
    """The query ran past the wall-clock limit; its worker was killed."""

    kind = "timeout"


class QueryFailed(QueryError):
    """The query could not be evaluated (an evaluation error, or its worker crashed)."""

    kind = "failed"


KINDS = {cls.kind: cls for cls in (
    QueryError, QuerySyntaxError, UpdateRefused, ServiceRefused, QueryTooLong, QueryTooDeep,
    NotAcceptable, QueryTimeout, QueryFailed,
)}
