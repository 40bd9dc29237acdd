"""The Flask app factory."""

from __future__ import annotations

import atexit
import logging
from typing import Any, Mapping

from flask import Flask

from kzct.config import Defaults, Limits
from kzct.dataset import load
from kzct.engine import make_engine
from kzct.web import errors, health, http, sparql

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("KZCT")
    app.config.update(config or {})
    dataset = load(app.config["DATA"], app.config["ROOT"])
    engine = make_engine(dataset, Limits.from_config(app.config), app.config["ENGINE"])
    atexit.register(engine.close)
    app.extensions["kzct"] = dataset
    app.extensions["kzct.engine"] = engine
    log.info("loaded %d triples (%d named graphs), release %s",
             dataset.default_triples + sum(dataset.graphs.values()), len(dataset.graphs), dataset.release)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(health.bp)
    errors.register(app)
    http.register(app)
    return app
