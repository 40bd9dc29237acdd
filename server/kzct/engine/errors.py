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


class Busy(QueryError):
    """Every query process stayed busy for the longest wait allowed; try again later."""

    kind = "busy"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientGone(QueryError):
    """The client closed its connection while its query ran; the query was stopped."""

    kind = "gone"


class QueryMemory(QueryError):
    """The query needed more memory than its process may use; the process was replaced."""

    kind = "memory"

    @staticmethod
    def message(limits) -> str:
        return (f"the query needed more than the {limits.memory_mb} MB a query may use and was "
                "stopped; narrow it or add LIMIT")


class AnswerTooLarge(QueryError):
    """The answer is larger than the endpoint sends; nothing was sent rather than a cut answer."""

    kind = "too-large"


KINDS.update({cls.kind: cls for cls in (Busy, ClientGone, QueryMemory, AnswerTooLarge)})


class StreamBroken(Exception):
    """A streamed answer could not be finished (its deadline, a limit, an error, a dead process).

    Raised by ``QueryResult.chunks`` after some of the answer was sent, so it is not a
    ``QueryError`` with a status: the web layer breaks the transfer instead, which every HTTP
    client reports as a failed download, never as a complete answer.
    """
