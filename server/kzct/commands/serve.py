"""kzct serve: the SPARQL endpoint under gunicorn or kzct's own front (never the Flask development server)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from kzct.cli import CommandError
from kzct.config import DEFAULT_QUERY_PROCESSES, DEFAULT_THREADS, Defaults, default_cache_mb, default_workers

# Above this much RDF, --store auto opens the shared on-disk store instead of parsing into every
# worker: measured in docs/performance.md (memory grows with the data times the workers in memory,
# while on disk the light queries of the benchmark ran at about half the speed).
AUTO_DISK_MB = 64

HELP = "serve the graph (or --data files) as a read-only SPARQL 1.1 endpoint at /sparql"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--workers", type=int, default=None,
                        help=f"worker processes (default {default_workers()})")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"connections each worker serves at once, kept alive (default {DEFAULT_THREADS})")
    parser.add_argument("--query-processes", type=int, default=DEFAULT_QUERY_PROCESSES,
                        help="queries each worker runs at once, each in its own killable process "
                             f"(default {DEFAULT_QUERY_PROCESSES})")
    parser.add_argument("--data", action="append", metavar="[GRAPH_IRI=]FILE_OR_DIR",
                        help="serve these RDF files instead of the project graph (repeatable); "
                             "GRAPH_IRI= loads a file into that named graph")
    parser.add_argument("--timeout", type=float, default=None,
                        help=f"seconds a query may run (default {Defaults.TIMEOUT:g})")
    parser.add_argument("--max-rows", type=int, default=None,
                        help="most rows or triples in one answer, 0 for no limit: a larger answer gets 507, "
                             "or its stream is broken off (default 0)")
    parser.add_argument("--trusted-proxy", action="append", metavar="ADDRESS",
                        help="a proxy or load balancer in front (repeatable): requests from it are "
                             "counted by the last X-Forwarded-For address, its connections are not "
                             "bounded per address")
    parser.add_argument("--stream-after", type=int, default=None, metavar="BYTES",
                        help="stream answers larger than this to /sparql instead of sending them whole "
                             f"(default {Defaults.STREAM_AFTER})")
    parser.add_argument("--engine", choices=("oxigraph", "rdflib"), default=None,
                        help="query engine; rdflib is the benchmark baseline only (default oxigraph)")
    parser.add_argument("--backend", metavar="URL", default=None,
                        help="run every query on this SPARQL 1.1 endpoint instead of a local store")
    parser.add_argument("--backend-default-graph", metavar="IRI", default=None,
                        help="the backend graph holding the served default graph (see docs/scaling.md)")
    parser.add_argument("--backend-graphs", metavar="IRIS", default=None,
                        help="the backend's named graphs to serve, space-separated (default: the project's "
                             "four; an empty string: none)")
    parser.add_argument("--store", choices=("auto", "memory", "disk"), default="auto",
                        help="memory: parse the data into each worker (fastest); disk: open the shared "
                             "on-disk store read-only (least memory, instant restarts, larger than RAM); "
                             f"auto (default): disk when the input files pass {AUTO_DISK_MB} MB")
    parser.add_argument("--memory", action="store_const", const="memory", dest="store",
                        help="the same as --store memory")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="folder of the on-disk stores, built by kzct load or here when missing "
                             "(default build/stores)")
    parser.add_argument("--cache-mb", type=int, default=None,
                        help="megabytes of exact answers kept, shared by all workers; 0 turns the cache "
                             f"off (default {default_cache_mb()} on this machine)")
    parser.add_argument("--public-url", default=None,
                        help="the URL clients reach this server at (behind a proxy); links and the base "
                             "of relative IRIs use it (default: the address it listens on)")
    parser.add_argument("--read-timeout", type=float, default=None,
                        help="seconds a client has to send a whole request before 408 (default 10)")
    parser.add_argument("--access-log", action="store_true", help="log every request line")
    parser.add_argument("--server", choices=("uvloop", "gunicorn"), default="uvloop",
                        help="HTTP server: kzct's own event-loop front on uvloop, which answers cached "
                             "answers without a thread (default), or gunicorn with kzct's hardened worker")


def options(args: argparse.Namespace) -> dict:
    for name in ("workers", "threads", "query_processes"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
    config = {"QUERY_PROCESSES": args.query_processes,
              "CACHE_MB": default_cache_mb() if args.cache_mb is None else max(args.cache_mb, 0)}
    if args.data:
        config["DATA"] = args.data
    if args.backend:
        config["BACKEND"] = args.backend
        if args.backend_default_graph:
            config["BACKEND_DEFAULT_GRAPH"] = args.backend_default_graph
        if args.backend_graphs is not None:
            config["BACKEND_GRAPHS"] = args.backend_graphs
    elif args.store == "disk" or (args.store == "auto" and _input_mb(args.data) > AUTO_DISK_MB):
        from kzct.paths import STORES_DIR

        config["STORE_DIR"] = str(args.store_dir or STORES_DIR)
    if args.timeout is not None:
        config["TIMEOUT"] = args.timeout
    if args.max_rows is not None:
        config["MAX_ROWS"] = args.max_rows
    if args.trusted_proxy:
        config["TRUSTED_PROXIES"] = " ".join(args.trusted_proxy)
    if args.stream_after is not None:
        config["STREAM_AFTER"] = args.stream_after
    if args.engine:
        config["ENGINE"] = args.engine
    if args.public_url:
        config["PUBLIC_URL"] = args.public_url
    return config


def _input_mb(data: list[str] | None) -> float:
    from kzct.dataset import DatasetError, file_sources, project_sources

    try:
        sources = file_sources(data) if data else project_sources()
    except DatasetError:
        return 0.0  # create_app reports it
    return sum(s.path.stat().st_size for s in sources) / 1e6


def run(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from kzct.dataset import DatasetError
    from kzct.web import early_errors
    from kzct.web.app import create_app
    from kzct.web.download import build_before_fork, downloads_of

    config = options(args)
    from kzct.engine import sandbox

    try:
        sandbox.check()
    except sandbox.SandboxError as exc:
        raise CommandError(f"cannot serve safely: {exc}") from exc
    try:
        app = create_app(config)
    except DatasetError as exc:
        raise CommandError(str(exc)) from exc
    engine = app.extensions["kzct.engine"]
    timeout = engine.limits.timeout
    # The dumps are written by a process of their own while the workers answer queries.
    build_before_fork(app)

    def post_worker_init(worker) -> None:
        engine.start()  # fork this worker's query processes before its threads start
        downloads_of(app).start()  # this worker's thread that waits for the dumps and opens them

    def when_ready(server) -> None:
        for sock in server.LISTENERS:
            log.info("SPARQL endpoint at http://%s/sparql (pid %d)", _address(sock), os.getpid())

    if args.server == "uvloop":
        _serve_front(app, args, lambda: post_worker_init(None))
        return 0

    settings = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers or default_workers(),
        # Threads keep connections open between requests (HTTP keep-alive) and wait on the query
        # processes, which do the work; the GIL is released while a thread waits.
        # gunicorn's gthread worker with read deadlines, write timeouts and a bound on connections
        # per client address (kzct.web.worker).
        "worker_class": "kzct.web.worker.Worker",
        "threads": args.threads,
        "keepalive": 5,
        "preload_app": True,  # load the store once; workers share it copy-on-write
        "timeout": int(timeout) + 30,  # gunicorn's own last resort, after the query timeout
        "graceful_timeout": 5,
        "limit_request_line": 8190,
        "accesslog": "-" if args.access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "post_worker_init": post_worker_init,
        "when_ready": when_ready,
        "proc_name": "kzct-serve",
        "control_socket_disable": True,
    }

    from kzct.web import worker

    if args.read_timeout is not None:
        worker.Worker.read_timeout = args.read_timeout
    worker.Worker.trusted = app.config["TRUSTED_PROXY_SET"]

    class Server(BaseApplication):
        def load_config(self):
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    early_errors.install()
    Server().run()
    return 0


def _serve_front(app, args: argparse.Namespace, on_start) -> None:
    from kzct.untrusted import MAX_BYTES
    from kzct.web import front, front_serve

    max_body = max(int(app.config["MAX_CONTENT_LENGTH"]), int(app.config.get("VALIDATE_MAX_BYTES", MAX_BYTES)))

    def make_front(host: str, port: int) -> front.Front:
        return front.Front(app, app.extensions["kzct.cache"], host, port, args.threads, max_body,
                           read_timeout=args.read_timeout or front.READ_TIMEOUT, access_log=args.access_log)

    try:
        front_serve.serve(make_front, args.host, args.port, args.workers or default_workers(), on_start,
                          stuck_after=app.extensions["kzct.engine"].limits.timeout + 30)
    except (OSError, RuntimeError) as exc:
        raise CommandError(str(exc)) from exc


def _address(sock) -> str:
    host, port = sock.sock.getsockname()[:2]
    return f"{host}:{port}"
