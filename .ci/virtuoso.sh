#!/usr/bin/env bash
# Virtuoso Open Source 7 as a peer engine for the federation tests.
#
#   .ci/virtuoso.sh install      install Debian's virtuoso-opensource-7-bin when virtuoso-t is missing
#   .ci/virtuoso.sh start [DIR]  install if needed, then start Virtuoso bound to 127.0.0.1 on two free
#                                ports with its own database folder and ini under DIR (default: a new
#                                temporary folder), wait until it answers, grant the SPARQL user what
#                                SERVICE needs, and print KEY=VALUE lines:
#                                VIRTUOSO_PID, VIRTUOSO_SQL_PORT, VIRTUOSO_HTTP_PORT, VIRTUOSO_DIR
#   .ci/virtuoso.sh stop PID     stop that Virtuoso process (by its process id only)
#   .ci/virtuoso.sh load SQL_PORT DIR FILE DEFAULT_GRAPH
#                                bulk-load an N-Quads (or N-Triples) FILE, for example the dump of
#                                `kzct dump`, into the Virtuoso started with DIR: quads keep their
#                                graphs, triples without one go into DEFAULT_GRAPH (the graph that
#                                `kzct serve --backend-default-graph` names); prints the graphs loaded
#
# The dba password is the default of a new database ("dba"); the server listens on 127.0.0.1 only.
# For bench/endpoint.py, start reads two optional variables (unset, the values are as for the tests):
#   VIRTUOSO_DIRS_ALLOWED  more folders the server may read files from (comma-separated; DIR always)
#   VIRTUOSO_HTTP_THREADS  HTTP server threads and connections (default 5; SQL connections 5 more, at least 10)
#   VIRTUOSO_MAX_ROWS      ResultSetMaxRows (default 10000; Virtuoso cuts longer answers silently, so a
#                          store kzct serves in front of gets a limit above kzct's own MAX_ROWS)
set -euo pipefail

install() {
    if command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "virtuoso.sh: virtuoso-t is missing and installing it needs root or sudo" >&2
            return 2
        fi
        sudo="sudo"
    fi
    echo "virtuoso.sh: installing virtuoso-opensource-7-bin" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7-bin >&2
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

isql() {  # isql PORT SQL...
    local port=$1
    shift
    isql-vt "127.0.0.1:$port" dba dba "exec=$*" </dev/null
}

start() {
    install
    local dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/kzct-virtuoso-XXXXXX")}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local sql_port http_port
    local dirs_allowed=$dir${VIRTUOSO_DIRS_ALLOWED:+,$VIRTUOSO_DIRS_ALLOWED}
    local http_threads=${VIRTUOSO_HTTP_THREADS:-5}
    local sql_clients=$((http_threads + 5 > 10 ? http_threads + 5 : 10))
    sql_port=$(free_port)
    http_port=$(free_port)
    while [ "$http_port" = "$sql_port" ]; do http_port=$(free_port); done
    cat >"$dir/virtuoso.ini" <<INI
[Database]
DatabaseFile = $dir/db.db
ErrorLogFile = $dir/virtuoso.log
TransactionFile = $dir/db.trx
xa_persistent_file = $dir/db.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = $dir/db-temp.db
TransactionFile = $dir/db-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:$sql_port
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = $sql_clients
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = $dirs_allowed
Charset = UTF-8

[HTTPServer]
ServerPort = 127.0.0.1:$http_port
ServerRoot = $dir
MaxClientConnections = $http_threads
ServerThreads = $http_threads

[SPARQL]
ResultSetMaxRows = ${VIRTUOSO_MAX_ROWS:-10000}
MaxQueryExecutionTime = 60
DefaultGraph = urn:kzct:virtuoso:default
INI
    (cd "$dir" && exec virtuoso-t -f -c "$dir/virtuoso.ini" >"$dir/stdout.log" 2>&1) &
    local pid=$!
    local i
    for i in $(seq 1 120); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "virtuoso.sh: virtuoso-t exited; its log:" >&2
            tail -n 30 "$dir/virtuoso.log" "$dir/stdout.log" >&2 || true
            return 1
        fi
        if isql "$sql_port" "status();" >/dev/null 2>&1 \
            && python3 - "$http_port" <<'PY' 2>/dev/null
import sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/sparql?query=ASK%7B%7D"
with urllib.request.urlopen(url, timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
        then
            break
        fi
        sleep 0.5
    done
    if [ "$i" = 120 ]; then
        echo "virtuoso.sh: Virtuoso did not answer within 60 s" >&2
        kill "$pid" || true
        return 1
    fi
    # The /sparql endpoint runs as the SQL user "SPARQL", which may not call SERVICE by default.
    isql "$sql_port" 'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL"; GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";' >&2
    echo "VIRTUOSO_PID=$pid"
    echo "VIRTUOSO_SQL_PORT=$sql_port"
    echo "VIRTUOSO_HTTP_PORT=$http_port"
    echo "VIRTUOSO_DIR=$dir"
}

stop() {
    local pid=${1:?usage: virtuoso.sh stop PID}
    kill "$pid" 2>/dev/null || return 0
    local i
    for i in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
}

load() {
    local port=${1:?usage: virtuoso.sh load SQL_PORT DIR FILE DEFAULT_GRAPH} dir=${2:?} file=${3:?} graph=${4:?}
    local name
    name=$(basename "$file")
    mkdir -p "$dir/load"
    cp "$file" "$dir/load/$name"
    isql "$port" "DELETE FROM DB.DBA.LOAD_LIST; ld_dir('$dir/load', '$name', '$graph'); rdf_loader_run(); checkpoint;" >&2
    local state
    state=$(isql "$port" "SELECT ll_state, ll_error FROM DB.DBA.LOAD_LIST;")
    if ! grep -q "^2 *NULL" <<<"$state"; then
        echo "virtuoso.sh: loading $name failed:" >&2
        echo "$state" >&2
        return 1
    fi
    isql "$port" "SPARQL SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'http') && !CONTAINS(STR(?g), 'openlinksw') && !CONTAINS(STR(?g), 'localhost')) } GROUP BY ?g;"
}

case "${1:-}" in
    install) install ;;
    load) shift; load "$@" ;;
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    *) echo "usage: .ci/virtuoso.sh install | start [DIR] | stop PID | load SQL_PORT DIR FILE GRAPH" >&2; exit 2 ;;
esac
