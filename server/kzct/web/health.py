"""``/health``: the server answers, with its query processes counted, without waiting for one.

Health never runs a query: a server whose query processes are all busy with runaways is still
up, and says so (``busy`` equals ``processes``) at once instead of queueing behind them.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    dataset = current_app.extensions["kzct"]
    engine = current_app.extensions["kzct.engine"]
    start = time.perf_counter()
    return jsonify(
        status="ok",
        engine=engine.backend.name,
        release=dataset.release,
        triples=dataset.default_triples,
        graphs=dataset.graphs,
        query_processes=engine.state(),
        cache=current_app.extensions["kzct.cache"].counts(),
        ms=round((time.perf_counter() - start) * 1000, 2),
    ), 200
