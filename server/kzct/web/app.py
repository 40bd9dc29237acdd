"""The Flask app factory."""

from __future__ import annotations

import atexit
import logging
from typing import Any, Mapping

from flask import Flask

from kzct.catalogue import load_catalogue
from kzct.config import Defaults, Limits
from kzct.dataset import load
from kzct.engine import make_engine
from kzct.paths import QUERIES_DIR
from kzct.web import download, errors, health, http, layout, pages, queries, search, sparql, ui, validate, void

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("KZCT")
    app.config.update(config or {})
    dataset = load(app.config["DATA"], app.config["ROOT"])
    engine = make_engine(dataset, Limits.from_config(app.config), app.config["ENGINE"],
                         children=int(app.config["QUERY_PROCESSES"]))
    atexit.register(engine.close)
    app.extensions["kzct"] = dataset
    app.extensions["kzct.engine"] = engine
    app.extensions["kzct.catalogue"] = load_catalogue(QUERIES_DIR)
    log.info("loaded %d triples (%d named graphs), release %s",
             dataset.default_triples + sum(dataset.graphs.values()), len(dataset.graphs), dataset.release)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(download.bp)
    app.register_blueprint(void.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(validate.bp)
    app.register_blueprint(search.bp)
    layout.register(app)
    errors.register(app)
    http.register(app)
    return app
