"""``/health``: the server answers, and its query worker answers a trivial query."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify

from kzct.engine import QueryError, QueryRequest

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    dataset = current_app.extensions["kzct"]
    engine = current_app.extensions["kzct.engine"]
    start = time.perf_counter()
    try:
        engine.run(QueryRequest("ASK {}"))
        status, code = "ok", 200
    except QueryError as exc:
        status, code = f"query worker: {exc}", 503
    return jsonify(
        status=status,
        engine=engine.backend.name,
        release=dataset.release,
        triples=dataset.default_triples,
        graphs=dataset.graphs,
        ms=round((time.perf_counter() - start) * 1000, 2),
    ), code
