"""Light-query latency while the server is under hostile load (slow clients and a runaway flood).

    python bench/hostile.py [--seconds 20] [--slow 30] [--runaways 6] [--serve-args "..."] [--root DIR]

Starts ``kzct serve`` on the project graph with its defaults (127.0.0.1, a free port), then runs
three phases of ``--seconds`` each: quiet; ``--slow`` connections from 127.0.0.1 that send one
header line every 3 s (and reconnect when dropped) plus ``--runaways`` runaway queries at a time
from 127.0.0.1; and the same again. Throughout, one client on 127.0.0.2 (another address on the
loopback network) sends a light ``ASK`` after another, each on a new connection, and its latencies
are reported per phase (p50, p99, max, failures), with the load average beside them. Everything
listens on and connects to 127.0.0.1/8 only; the server is stopped by its process id.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
LIGHT = b"GET /sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def start_server(extra: list[str], root: Path = ROOT) -> tuple[subprocess.Popen, str, str, str]:
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    env = {**os.environ, "PYTHONPATH": str(root / "server")}
    process = subprocess.Popen([sys.executable, "-m", "kzct.cli", "serve", "--port", "0", *extra],
                               stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = Path(log.name).read_text(errors="replace")
        match = re.search(r"SPARQL endpoint at http://(127\.0\.0\.1):(\d+)/sparql", text)
        if match and "Booting worker" in text:
            time.sleep(1)
            return process, match.group(1), match.group(2), log.name
        if process.poll() is not None:
            raise SystemExit(f"kzct serve exited:\n{text}")
        time.sleep(0.1)
    raise SystemExit("kzct serve did not start")


def one_request(host: str, port: int, source: str, payload: bytes, timeout: float) -> bytes:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
        sock.sendall(payload)
        reply = b""
        while len(reply) < 12:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply[:12]
    finally:
        sock.close()


def slow_client(host: str, port: int, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            sock = socket.create_connection((host, port), timeout=30)
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            i = 0
            while not stop.is_set():
                stop.wait(3)
                sock.sendall(f"X-Slow-{i}: 1\r\n".encode())
                i += 1
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except (OSError, UnboundLocalError):
                pass


def runaway_client(host: str, port: int, stop: threading.Event) -> None:
    from urllib.parse import quote

    payload = (f"GET /sparql?query={quote(RUNAWAY)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").encode()
    while not stop.is_set():
        try:
            one_request(host, port, "127.0.0.1", payload, 60)
        except OSError:
            stop.wait(0.2)


def measure(host: str, port: int, seconds: float) -> dict:
    latencies, failures = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            status = one_request(host, port, "127.0.0.2", LIGHT, 30)
            ok = status.startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        elapsed = time.monotonic() - start
        if ok:
            latencies.append(elapsed * 1000)
        else:
            failures += 1
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    return {"n": len(latencies), "failures": failures,
            "p50": statistics.median(latencies) if latencies else float("nan"), "p99": p99,
            "max": latencies[-1] if latencies else float("nan"), "load": os.getloadavg()[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--runaways", type=int, default=6)
    parser.add_argument("--serve-args", default="", help="extra arguments for kzct serve")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="serve from this checkout (another version, to compare; default: this one)")
    args = parser.parse_args()
    process, host, port, log = start_server(shlex.split(args.serve_args), args.root.resolve())
    port = int(port)
    rows = []
    try:
        rows.append(("quiet", measure(host, port, args.seconds)))
        stop = threading.Event()
        threads = [threading.Thread(target=slow_client, args=(host, port, stop), daemon=True)
                   for _ in range(args.slow)]
        threads += [threading.Thread(target=runaway_client, args=(host, port, stop), daemon=True)
                    for _ in range(args.runaways)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        rows.append((f"{args.slow} slow clients + {args.runaways} runaways", measure(host, port, args.seconds)))
        stop.set()
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
        os.unlink(log)
    print("| phase | light ASKs | failed | p50 ms | p99 ms | max ms | load avg (1 min) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['n']} | {r['failures']} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['load']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
