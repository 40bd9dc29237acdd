"""The pages of ``/validate``: the form for people and the report as HTML, in the site's layout
(``templates/validate.html``, ``templates/validate-report.html``) under ``layout.CSP``."""

from __future__ import annotations

from flask import render_template

from kzct.rdfparse import MEDIA_TYPES
from kzct.web.layout import CSP  # noqa: F401  (validate.py sets it on its pages)


def form_page(max_bytes: int, url: str) -> str:
    """The form at GET /validate; ``url`` is where it posts, shown in the curl example."""
    return render_template("validate.html", max_bytes=max_bytes, url=url, media_types=MEDIA_TYPES)


def report_page(conforms: bool, text: str, label: str) -> str:
    """The report as a page: the verdict with its counts once, then the results by focus node."""
    body, _, summary = text.rpartition("\n")
    if not summary.startswith(("conforms", "does not conform")):
        body, summary = text, ""
    counts = summary.partition(": ")[2]
    return render_template("validate-report.html", conforms=conforms, text=body, counts=counts, label=label)
