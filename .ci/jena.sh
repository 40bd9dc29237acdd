#!/usr/bin/env bash
# Apache Jena ARQ (Debian's libapache-jena-java) as a peer engine for the federation tests.
#
#   .ci/jena.sh install                 install libapache-jena-java and default-jre-headless when missing
#   .ci/jena.sh classpath               print the classpath that runs ARQ (installing first if needed)
#   .ci/jena.sh query DATA_FILE QUERY_FILE
#                                       run the query with ARQ over DATA_FILE, SPARQL JSON results on
#                                       stdout (arq.sparql --data DATA_FILE --query QUERY_FILE --results=json)
#
# The classpath is the jars of the Debian dependency closure of libapache-jena-java, minus the SLF4J
# bindings and bridges that clash (slf4j-simple stays: log lines go to stderr), plus a folder of
# message bundles. Debian's jena-core 4.5.0 renames Jena's shaded Xerces classes to the package
# "xerces" but leaves their .properties bundles under org/apache/jena/ext/xerces, so the first XSD
# datatype fails with "RuntimeException: internal error" (XSSimpleTypeDecl.applyFacets1); a copy of
# the bundles under xerces/ fixes that. The folder and the Java policy file are generated under
# $KZCT_JENA_DIR (default: ${XDG_CACHE_HOME:-~/.cache}/kzct-jena).
#
# The Java process runs under a security policy that lets it connect to 127.0.0.1 only: a SERVICE
# to any other host fails with "access denied (java.net.URLPermission ...)"; it may read files,
# not write them.
set -euo pipefail

JENA_DIR=${KZCT_JENA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kzct-jena}
# SLF4J jars that must not be on the classpath together with slf4j-api + slf4j-simple.
SLF4J_CLASHES='/(jcl-over-slf4j|jul-to-slf4j|log4j-over-slf4j|slf4j-(jcl|jdk14|log4j12|migrator|nop))\.jar$'

installed() {
    command -v java >/dev/null \
        && dpkg-query -W -f='${Status}' libapache-jena-java 2>/dev/null | grep -q 'install ok installed'
}

install() {
    if installed; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "jena.sh: libapache-jena-java or java is missing; installing needs root or sudo" >&2
            return 2
        fi
        sudo="sudo"
    fi
    echo "jena.sh: installing libapache-jena-java default-jre-headless" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libapache-jena-java default-jre-headless >&2
}

closure() {  # the installed *-java packages libapache-jena-java depends on, itself included
    local -A seen=()
    local queue=(libapache-jena-java) pkg dep
    while [ ${#queue[@]} -gt 0 ]; do
        pkg=${queue[0]}
        queue=("${queue[@]:1}")
        [ -n "${seen[$pkg]:-}" ] && continue
        seen[$pkg]=1
        echo "$pkg"
        for dep in $(dpkg-query -W -f='${Depends}' "$pkg" 2>/dev/null \
                | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//' | tr -d ' '); do
            case $dep in *-java) queue+=("$dep") ;; esac
        done
    done
}

prepare() {  # the message bundles under xerces/ and the policy file, in $JENA_DIR
    local bundles=$JENA_DIR/xerces-messages
    if [ ! -f "$bundles/xerces/impl/xpath/regex/message.properties" ]; then
        local tmp
        tmp=$(mktemp -d)
        (cd "$tmp" && unzip -q /usr/share/java/jena-core.jar 'org/apache/jena/ext/xerces/impl/*.properties' \
            && mkdir -p xerces && cp -r org/apache/jena/ext/xerces/impl xerces/)
        mkdir -p "$bundles"
        cp -r "$tmp/xerces" "$bundles/"
        rm -rf "$tmp"
    fi
    cat >"$JENA_DIR/local-only.policy" <<'POLICY'
grant {
    permission java.io.FilePermission "<<ALL FILES>>", "read";
    permission java.util.PropertyPermission "*", "read,write";
    permission java.lang.RuntimePermission "*";
    permission java.lang.reflect.ReflectPermission "*";
    permission java.util.logging.LoggingPermission "control";
    permission java.net.NetPermission "*";
    permission java.security.SecurityPermission "*";
    permission java.net.SocketPermission "127.0.0.1:1-65535", "connect,resolve";
    permission java.net.URLPermission "http://127.0.0.1:*/-", "*:*";
};
POLICY
}

classpath() {
    install
    prepare
    local jars
    jars=$(closure | while read -r pkg; do dpkg -L "$pkg"; done \
        | grep -E '^/usr/share/java/[^/]+\.jar$' | xargs readlink -f | sort -u | grep -v -E "$SLF4J_CLASHES")
    echo "$JENA_DIR/xerces-messages:$(echo "$jars" | paste -sd:)"
}

query() {
    local data=${1:?usage: jena.sh query DATA_FILE QUERY_FILE}
    local query=${2:?usage: jena.sh query DATA_FILE QUERY_FILE}
    local cp
    cp=$(classpath)
    exec java -Djava.security.manager -Djava.security.policy=="$JENA_DIR/local-only.policy" \
        -Djava.net.useSystemProxies=false -cp "$cp" \
        arq.sparql --data "$data" --query "$query" --results=json
}

case "${1:-}" in
    install) install ;;
    classpath) classpath ;;
    query) shift; query "$@" ;;
    *) echo "usage: .ci/jena.sh install | classpath | query DATA_FILE QUERY_FILE" >&2; exit 2 ;;
esac
