"""The Flask app factory."""

from __future__ import annotations

import atexit
import logging
from typing import Any, Mapping

from flask import Flask

from kzct.cache.answers import AnswerCache
from kzct.catalogue import load_catalogue
from kzct.config import Defaults, Limits
from kzct.dataset import load
from kzct.engine import make_engine
from kzct.paths import QUERIES_DIR
from kzct.web.public_base import PublicBase
from kzct.web import (download, errors, health, http, layout, linked, pages, queries, search, shapes, sparql,
                      store, ui, validate, void)

log = logging.getLogger(__name__)


def distinct_triples(dataset) -> int:
    """Triples served, each once: a union default graph holds the named graphs' triples again."""
    if dataset.union_default:
        return dataset.default_triples
    return dataset.default_triples + sum(dataset.graphs.values())


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("KZCT")
    app.config.update(config or {})
    trusted = app.config.get("TRUSTED_PROXIES") or ""
    app.config["TRUSTED_PROXY_SET"] = frozenset(trusted.split() if isinstance(trusted, str) else trusted)
    if app.config.get("BACKEND"):
        from kzct.remote import load_remote

        graphs = app.config.get("BACKEND_GRAPHS")
        dataset = load_remote(app.config["BACKEND"], app.config.get("BACKEND_DEFAULT_GRAPH"),
                              graphs.split() if isinstance(graphs, str) else graphs,  # "": none
                              pool=int(app.config["BACKEND_CONNECTIONS"]), timeout=float(app.config["TIMEOUT"]),
                              queue_wait=float(app.config["QUEUE_WAIT"]))
    else:
        dataset = load(app.config["DATA"], app.config["ROOT"], app.config.get("STORE_DIR"))
    engine = make_engine(dataset, Limits.from_config(app.config), app.config["ENGINE"],
                         children=int(app.config["QUERY_PROCESSES"]))
    atexit.register(engine.close)
    app.extensions["kzct"] = dataset
    app.extensions["kzct.engine"] = engine
    app.extensions["kzct.catalogue"] = load_catalogue(QUERIES_DIR)
    log.info("loaded %d triples (%d named graphs), release %s, %s", distinct_triples(dataset),
             len(dataset.graphs), dataset.release,
             f"store {dataset.location}" if dataset.location
             else f"backend {app.config['BACKEND']}" if app.config.get("BACKEND") else "in memory")
    app.register_blueprint(sparql.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(download.bp)
    app.register_blueprint(store.bp)
    app.register_blueprint(void.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(linked.bp)
    app.register_blueprint(shapes.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(validate.bp)
    app.register_blueprint(search.bp)
    layout.register(app)
    errors.register(app)
    http.register(app)
    cache = AnswerCache(app.wsgi_app, dataset.release, int(app.config["CACHE_MB"]),
                        int(app.config["MAX_CONTENT_LENGTH"]))
    atexit.register(cache.close)
    app.extensions["kzct.cache"] = cache
    app.wsgi_app = PublicBase(cache, app.config.get("PUBLIC_URL"))
    return app
