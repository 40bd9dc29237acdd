"""Peer engines for ``bench/endpoint.py --peers``: other SPARQL servers on the same N-Triples file.

- ``oxigraph``: the Rust server of the ``oxigraph`` package (``pip install -e '.[bench]'``), loaded
  with ``oxigraph load`` into a store of its own, then ``oxigraph serve-read-only``; ``/query``.
  It runs without a query timeout (see ``Oxigraph``), so a cut request's query runs to its end.
- ``virtuoso``: Virtuoso 7 started by ``.ci/virtuoso.sh`` (with the data folder allowed and one HTTP
  thread per client), the file bulk-loaded with ``ld_dir``/``rdf_loader_run`` into one graph that
  the queries get as ``default-graph-uri`` (without it, Virtuoso's own system graphs join in).

Each peer offers what ``endpoint.Server`` does (``endpoint``, ``ready_seconds`` from start to the first
answer, load included, ``memory_mb()``, ``stop()``) and also ``command`` and ``load_seconds``. Every
process is started here, listens on 127.0.0.1 only, and is stopped by its process id.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from kzct.processes import descendants, free_port, tree_pss_mb  # noqa: F401 (used by endpoint.py)

ROOT = Path(__file__).resolve().parents[1]
GRAPH = "urn:kzct:bench"


class PeerUnavailable(RuntimeError):
    """The peer could not be started or loaded; the message says why, in one line."""


def wait_until_answering(url: str, alive, seconds: float = 600) -> None:
    """Until ``url`` answers ``ASK {}``; ``alive()`` false means the server has exited."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        if not alive():
            raise PeerUnavailable("the server exited before answering")
        time.sleep(0.1)
    raise PeerUnavailable(f"no answer from {url} within {seconds:.0f} s")


def error_line(path: Path) -> str:
    """The log's first line that names an error, else its last line."""
    lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "(no output)")


class Oxigraph:
    label = "oxigraph-server"

    def __init__(self, data: Path, workdir: Path, clients: int) -> None:
        binary = Path(sys.executable).with_name("oxigraph")
        binary = str(binary) if binary.exists() else shutil.which("oxigraph")
        if not binary:
            raise PeerUnavailable("no oxigraph command (pip install -e '.[bench]')")
        self.workdir = workdir
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        store, log = workdir / "store", workdir / "oxigraph.log"
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        self.started = time.monotonic()
        with log.open("w") as out:
            loaded = subprocess.run([binary, "load", "--location", str(store), "--file", str(data)],
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if loaded.returncode != 0:
            raise PeerUnavailable(f"oxigraph load failed: {error_line(log)}")
        self.load_seconds = time.monotonic() - self.started
        port = free_port()
        self.log = log.open("a")
        self.process = subprocess.Popen(
            [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.endpoint = f"http://127.0.0.1:{port}/query"
        try:
            wait_until_answering(self.endpoint, lambda: self.process.poll() is None)
        except PeerUnavailable as exc:
            self.stop()
            raise PeerUnavailable(f"{exc}: {error_line(log)}") from None
        self.ready_seconds = time.monotonic() - self.started
        # No --timeout-s: in 0.5.13 every query then leaves a thread asleep for the whole timeout, and
        # at some thousand requests a second the server runs out of threads and fails every request
        # (oxigraph/oxigraph#1874).
        self.command = f"{version} (`load`, then `serve-read-only`, no query timeout)"

    def memory_mb(self) -> float:
        return tree_pss_mb(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Virtuoso:
    label = "virtuoso"
    script = ROOT / ".ci" / "virtuoso.sh"

    def __init__(self, data: Path, workdir: Path, clients: int) -> None:
        self.workdir, self.pid = workdir, None
        shutil.rmtree(workdir, ignore_errors=True)
        threads = max(5, clients)
        env = {"VIRTUOSO_DIRS_ALLOWED": str(data.parent.resolve()), "VIRTUOSO_HTTP_THREADS": str(threads)}
        self.started = time.monotonic()
        done = subprocess.run([str(self.script), "start", str(workdir)], capture_output=True, text=True,
                              env={**os.environ, **env}, stdin=subprocess.DEVNULL, timeout=900)
        values = dict(re.findall(r"^(VIRTUOSO_\w+)=(.*)$", done.stdout, re.M))
        if done.returncode != 0 or "VIRTUOSO_PID" not in values:
            lines = (done.stderr.strip() or done.stdout.strip() or "(no output)").splitlines()
            raise PeerUnavailable(f".ci/virtuoso.sh start failed: {lines[-1]}")
        self.pid, self.sql_port = int(values["VIRTUOSO_PID"]), values["VIRTUOSO_SQL_PORT"]
        loading = time.monotonic()
        try:
            folder, name = str(data.parent.resolve()), data.name
            self.isql(f"DELETE FROM DB.DBA.LOAD_LIST; ld_dir('{folder}', '{name}', '{GRAPH}'); "
                      "rdf_loader_run(); checkpoint;")
            state = self.isql("SELECT ll_state, ll_error FROM DB.DBA.LOAD_LIST;")
            if not re.search(r"^\s*2\s+NULL\s*$", state, re.M):
                raise PeerUnavailable(f"bulk load of {name} did not finish: {' '.join(state.split()[-5:])}")
            self.load_seconds = time.monotonic() - loading
            self.endpoint = f"http://127.0.0.1:{values['VIRTUOSO_HTTP_PORT']}/sparql?default-graph-uri={GRAPH}"
            wait_until_answering(self.endpoint, lambda: Path(f"/proc/{self.pid}").exists())
        except (PeerUnavailable, subprocess.SubprocessError) as exc:
            self.stop()
            raise PeerUnavailable(str(exc)) from None
        self.ready_seconds = time.monotonic() - self.started
        version = re.search(r"Version (\S+)", self.isql("SELECT 1;"))
        self.command = (f"Virtuoso {version.group(1) if version else '7'} by `.ci/virtuoso.sh start`, "
                        f"{threads} HTTP threads, `ld_dir`/`rdf_loader_run`, ini limits of the script "
                        "(ResultSetMaxRows 10000, MaxQueryExecutionTime 60 s, NumberOfBuffers 10000)")

    def isql(self, sql: str) -> str:
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
                              capture_output=True, text=True, timeout=3600, stdin=subprocess.DEVNULL)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            message = [line for line in (done.stdout + done.stderr).splitlines() if "Error" in line]
            raise PeerUnavailable(f"isql: {message[0] if message else done.returncode}")
        return done.stdout

    def memory_mb(self) -> float:
        return tree_pss_mb(self.pid)

    def stop(self) -> None:
        if self.pid:
            subprocess.run([str(self.script), "stop", str(self.pid)], timeout=60, check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)


PEERS = {"oxigraph": Oxigraph, "virtuoso": Virtuoso}
