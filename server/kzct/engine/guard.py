"""What a query process does around each evaluation: SERVICE found on the parse tree, errors made safe.

``guarded_execute`` runs in the query process (under its timeout and memory cap). A query whose
text mentions ``service`` in any case is parsed (``service_check``): in a sealed process any
SERVICE is refused with a clear 400 before evaluation; in a federating process every SERVICE must
be on the allow-list, or the query is refused. Errors never carry what a remote endpoint sent: a
failed evaluation in a federating process that involves SERVICE is reported without its text
(which may hold a remote error page), and one in a sealed process that hit the sandbox reads as
the SERVICE refusal it is.
"""

from __future__ import annotations

import logging

from kzct.config import Limits
from kzct.engine import precheck
from kzct.engine.errors import QueryFailed, ServiceRefused
from kzct.engine.request import QueryRequest, QueryResult
from kzct.engine.service_check import UNPARSED, service_targets

log = logging.getLogger(__name__)
SANDBOX_REFUSAL = "os error 13"  # EACCES from the seccomp filter, as the engine words it


def guarded_execute(backend, request: QueryRequest, limits: Limits, sealed: bool, send=None) -> QueryResult:
    mentions = precheck.mentions_service(request.query)
    if mentions:
        targets = service_targets(request.query, request.base_iri)
        if targets is not UNPARSED:
            refused = [t for t in targets if sealed or t not in limits.service_allow]
            if refused:
                raise ServiceRefused(precheck.refusal(refused[0], limits))
        elif not sealed:
            raise ServiceRefused("the query mentions SERVICE and could not be checked; "
                                 "this endpoint calls only the endpoints on its allow-list")
    try:
        return backend.execute(request, limits, send)
    except QueryFailed as exc:
        if not mentions:
            raise
        if sealed and SANDBOX_REFUSAL in str(exc):
            raise ServiceRefused(precheck.refusal(None, limits)) from None
        if not sealed:
            log.warning("SERVICE call failed: %.500s", exc)
            raise QueryFailed("a SERVICE endpoint did not answer as expected; "
                              "its reply is not shown") from None
        raise
