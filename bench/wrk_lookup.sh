#!/usr/bin/env bash
# wrk (a C load generator; Debian: apt-get install wrk) against kzct (its front and gunicorn, cache on)
# and the Oxigraph server on the 10x file (bench/endpoint.py --scales 10 writes it), the label lookup,
# each twice. Needs the bench extra (oxigraph). Servers on 127.0.0.1, stopped by process id.
cd "$(dirname "$0")/.."
set -u
Q=$(.venv/bin/python -c "
import sys, urllib.parse; sys.path.insert(0,'bench'); from endpoint import PROLOGUE, QUERIES
print(urllib.parse.urlencode({'query': PROLOGUE + QUERIES['label-lookup']}))")
WORK=$(mktemp -d)
PORT=$(.venv/bin/python -c "from kzct.processes import free_port; print(free_port())")
.venv/bin/oxigraph load --location "$WORK/oxigraph" --file build/bench/kzct-x10.nt > /dev/null 2>&1
.venv/bin/oxigraph serve-read-only --location "$WORK/oxigraph" --bind "127.0.0.1:$PORT" > "$WORK/oxigraph.log" 2>&1 &
OX=$!
for server in uvloop gunicorn; do
  .venv/bin/kzct serve --port 0 --data build/bench/kzct-x10.nt --store disk --server $server > $WORK/kzct-$server.log 2>&1 &
done
sleep 8
for server in uvloop gunicorn; do
  URL=$(grep -o "SPARQL endpoint at http://127.0.0.1:[0-9]*" $WORK/kzct-$server.log | head -1 | grep -o "http.*")
  curl -s -o /dev/null "$URL/sparql?$Q"
  echo "== kzct --server $server, cache on (load $(cut -d' ' -f1 /proc/loadavg))"
  wrk -t2 -c8 -d5s -H "Accept: application/sparql-results+json" "$URL/sparql?$Q" | grep -E "Requests/sec|Latency|Non-2xx"
done
echo "== Oxigraph server (load $(cut -d' ' -f1 /proc/loadavg))"
wrk -t2 -c8 -d5s -H "Accept: application/sparql-results+json" "http://127.0.0.1:$PORT/query?$Q" | grep -E "Requests/sec|Latency|Non-2xx"
for server in uvloop gunicorn; do
  URL=$(grep -o "SPARQL endpoint at http://127.0.0.1:[0-9]*" $WORK/kzct-$server.log | head -1 | grep -o "http.*")
  echo "== kzct --server $server again (load $(cut -d' ' -f1 /proc/loadavg))"
  wrk -t2 -c8 -d5s -H "Accept: application/sparql-results+json" "$URL/sparql?$Q" | grep -E "Requests/sec|Latency|Non-2xx"
done
echo "== Oxigraph server again (load $(cut -d' ' -f1 /proc/loadavg))"
wrk -t2 -c8 -d5s -H "Accept: application/sparql-results+json" "http://127.0.0.1:$PORT/query?$Q" | grep -E "Requests/sec|Latency|Non-2xx"
kill $OX
for server in uvloop gunicorn; do kill $(grep -o "(pid [0-9]*)" $WORK/kzct-$server.log | head -1 | grep -o "[0-9]*"); done
rm -rf "$WORK"
