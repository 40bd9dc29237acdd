#!/usr/bin/env bash
# HAProxy (Debian's haproxy) as the load balancer of the replica tests (tests/test_replicas.py).
#
#   .ci/haproxy.sh install    install haproxy when it is missing (as root, or with sudo)
#
# The tests write their own configuration and start haproxy in the foreground on 127.0.0.1 only,
# stopped by its process id.
set -euo pipefail
if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then
    echo ".ci/haproxy.sh: $(/usr/sbin/haproxy -v 2>/dev/null | head -1)"
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo ".ci/haproxy.sh: haproxy is missing; run as root to install it" >&2; exit 2; }
    sudo="sudo"
fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy
/usr/sbin/haproxy -v | head -1
