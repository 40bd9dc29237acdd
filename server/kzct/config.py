"""Defaults and limits of the endpoint, in one place.

Each setting can be overridden by an environment variable ``KZCT_<NAME>`` (for example
``KZCT_TIMEOUT=5``), and the values are announced in the Service Description.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping


class Defaults:
    """Flask config defaults; ``create_app`` reads ``KZCT_*`` variables over these."""

    # Where the data comes from: None serves ontology/ + graph/ + build/inferred.nt;
    # a list of "FILE_OR_DIR" or "GRAPH_IRI=FILE" strings serves those files instead.
    DATA: list[str] | None = None
    # A SPARQL 1.1 Protocol endpoint to run every query on instead of a local store (kzct.remote);
    # BACKEND_DEFAULT_GRAPH: the backend graph that holds kzct's default graph (None: the union of
    # BACKEND_GRAPHS); BACKEND_GRAPHS: the served named graphs, space-separated (None: the
    # project's four); BACKEND_CONNECTIONS: calls to it at once.
    BACKEND: str | None = None
    BACKEND_DEFAULT_GRAPH: str | None = None
    BACKEND_GRAPHS: str | None = None
    BACKEND_CONNECTIONS = 8
    # Where the shared on-disk stores live (kzct.store.shared); None: parse the data into memory
    # in every process. kzct serve uses build/stores unless --memory is given.
    STORE_DIR: str | None = None
    # Project mode only: a folder with ontology/, graph/ and inferred.nt instead of this repository.
    ROOT: str | None = None
    # The query engine: "oxigraph" (served) or "rdflib" (the benchmark baseline).
    ENGINE = "oxigraph"
    # Query processes per serving process: how many queries one gunicorn worker runs at once
    # (kzct serve: --query-processes, default 2); its other threads wait for one to come free.
    QUERY_PROCESSES = 1
    # Wall-clock seconds a query may run before its worker is killed and replaced.
    TIMEOUT = 10.0
    # Most result rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one answer; 0: no limit. A larger
    # answer is refused (507), or, if it was already being streamed, its transfer is broken off:
    # a client never gets a well-formed answer that looks complete.
    MAX_ROWS = 0
    # Bytes after which /sparql streams an answer (chunked, in bounded memory) instead of sending it
    # whole with its length; the whole answer, its transfer included, must end within TIMEOUT.
    STREAM_AFTER = 4 * 1024 * 1024
    # Most bytes in an answer held whole (named queries, pages, a remote backend); larger: 507.
    MAX_ANSWER_BYTES = 128 * 1024 * 1024
    # Megabytes of memory one query process may add to what it shares with its server (0: none).
    QUERY_MEMORY_MB = 1024
    # Seconds a query waits for a free query process before 503 + Retry-After; counted in TIMEOUT.
    QUEUE_WAIT = 5.0
    # Query processes of one serving process that one client address may hold at once
    # (0: half of them, at least 1).
    CLIENT_SHARE = 0
    # Longest query text in characters (GET: 414, POST: 413).
    MAX_QUERY_LENGTH = 100_000
    # Largest request body in bytes (413).
    MAX_CONTENT_LENGTH = 1_000_000
    # Deepest nesting of (), {} and [] in a query (400).
    MAX_DEPTH = 64
    # SERVICE endpoints a query may call, as full IRIs separated by spaces; empty: none.
    SERVICE_ALLOW = ""
    # Megabytes of answers kept, shared by every process of one server (kzct.cache.answers); 0: none.
    # kzct serve sizes it for the machine unless --cache-mb is given.
    CACHE_MB = 0
    # Addresses of proxies or load balancers in front of this server, separated by spaces: from
    # them the client is the last address of X-Forwarded-For (each client gets its own share of the
    # query processes), and their connections are not bounded per address. Empty: none trusted.
    TRUSTED_PROXIES = ""
    # The server's public URL (scheme, host, port, path) for every link it writes and the base of
    # relative IRIs in queries; None: the address it listens on. Never the request's Host header.
    PUBLIC_URL: str | None = None
    # Seconds a download or the VoID description waits for the dumps while they are written
    # before it answers 503 with Retry-After.
    DUMP_WAIT = 5.0


@dataclass(frozen=True)
class Limits:
    """The limits one query runs under."""

    timeout: float = Defaults.TIMEOUT
    max_rows: int = Defaults.MAX_ROWS
    max_query_length: int = Defaults.MAX_QUERY_LENGTH
    max_depth: int = Defaults.MAX_DEPTH
    service_allow: frozenset[str] = field(default_factory=frozenset)
    max_answer_bytes: int = Defaults.MAX_ANSWER_BYTES
    stream_after: int = Defaults.STREAM_AFTER
    memory_mb: int = Defaults.QUERY_MEMORY_MB
    queue_wait: float = Defaults.QUEUE_WAIT
    client_share: int = Defaults.CLIENT_SHARE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Limits":
        allow = config.get("SERVICE_ALLOW", "") or ""
        if isinstance(allow, str):
            allow = allow.split()
        return cls(
            timeout=float(config.get("TIMEOUT", Defaults.TIMEOUT)),
            max_rows=int(config.get("MAX_ROWS", Defaults.MAX_ROWS)),
            max_query_length=int(config.get("MAX_QUERY_LENGTH", Defaults.MAX_QUERY_LENGTH)),
            max_depth=int(config.get("MAX_DEPTH", Defaults.MAX_DEPTH)),
            service_allow=frozenset(allow),
            max_answer_bytes=int(config.get("MAX_ANSWER_BYTES", Defaults.MAX_ANSWER_BYTES)),
            stream_after=max(int(config.get("STREAM_AFTER", Defaults.STREAM_AFTER)), 1024),
            memory_mb=int(config.get("QUERY_MEMORY_MB", Defaults.QUERY_MEMORY_MB)),
            queue_wait=float(config.get("QUEUE_WAIT", Defaults.QUEUE_WAIT)),
            client_share=int(config.get("CLIENT_SHARE", Defaults.CLIENT_SHARE)),
        )


def default_workers() -> int:
    """Gunicorn workers when ``--workers`` is not given: one per CPU plus 1, at most 9.

    Each worker is one Python process (one GIL) parsing HTTP and running Flask; the queries run
    in its query processes, so more workers than CPUs only add memory and context switches.
    """
    return min((os.cpu_count() or 1) + 1, 9)


DEFAULT_THREADS = 32  # requests a gunicorn worker reads and answers at once (idle kept-alive connections take none)
DEFAULT_QUERY_PROCESSES = 2  # queries a gunicorn worker runs at once, each in its own process


def default_cache_mb() -> int:
    """``kzct serve``'s answer cache when ``--cache-mb`` is not given: 5% of the memory, 64 to 1024 MB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    except (ValueError, OSError):
        total = 4096
    return max(64, min(1024, total // 20))
