"""The data-release ETag on a response, and 304 when the client already has that release."""

from __future__ import annotations

from flask import Response, current_app, request


def release_tag() -> str:
    return current_app.extensions["kzct"].release


def conditional(response: Response) -> Response:
    """Set ``ETag: W/"<release>"`` and answer 304 Not Modified to a matching ``If-None-Match``."""
    response.set_etag(release_tag(), weak=True)
    return response.make_conditional(request)
