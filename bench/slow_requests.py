"""Light-query latency while 60 connections send their request slowly (a script, not a test).

    python bench/slow_requests.py PORT header|body [--connections 60] [--requests 200]

Against a server already listening on 127.0.0.1:PORT: ``--connections`` connections from 127.0.0.1
either send a request head one header line a second (``header``) or declare a 100,000-byte POST
body and send one byte of it a second (``body``); meanwhile one client on 127.0.0.2 sends
``--requests`` light ``ASK {}`` requests one after another, each on a new connection, and the
script prints their p50, p99 and max latency (or the first request that got no answer in 10 s).
"""

from __future__ import annotations

import argparse
import socket
import threading
import time

HEAD = b"GET /health HTTP/1.1\r\n"
BODY = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100000\r\n\r\n"
ASK = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("mode", choices=("header", "body"))
    parser.add_argument("--connections", type=int, default=60)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    stop = threading.Event()

    def slow() -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", args.port))
            sock.sendall(HEAD if args.mode == "header" else BODY)
            while not stop.is_set():
                stop.wait(1)
                sock.sendall(b"X-Slow: 1\r\n" if args.mode == "header" else b"#")
        except OSError:
            pass

    for _ in range(args.connections):
        threading.Thread(target=slow, daemon=True).start()
    time.sleep(1)
    latencies = []
    try:
        for _ in range(args.requests):
            client = socket.socket()
            client.bind(("127.0.0.2", 0))
            client.settimeout(10)
            client.connect(("127.0.0.1", args.port))
            start = time.monotonic()
            client.sendall(ASK)
            try:
                reply = client.recv(100)
            except TimeoutError:
                print(f"{args.mode}: no answer in 10 s after {len(latencies)} answers")
                return 1
            finally:
                client.close()
            latencies.append((time.monotonic() - start) * 1000)
            if not reply.startswith(b"HTTP/1.1 200"):
                print(f"{args.mode}: {reply[:40]!r}")
                return 1
    finally:
        stop.set()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{args.mode}: p50 {latencies[len(latencies) // 2]:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
