#!/usr/bin/env bash
# roqet (Debian's rasqal-utils), the command-line SPARQL client tests/test_sparql_clients.py drives.
#
#   .ci/rasqal.sh install      install rasqal-utils when roqet is missing (apt-get, as root or with sudo)
set -euo pipefail

install() {
    if command -v roqet >/dev/null; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "rasqal.sh: roqet is missing; installing rasqal-utils needs root or sudo" >&2
            return 2
        fi
        sudo="sudo"
    fi
    echo "rasqal.sh: installing rasqal-utils" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rasqal-utils >&2
}

case "${1:-}" in
    install) install ;;
    *) echo "usage: $0 install" >&2; exit 2 ;;
esac
