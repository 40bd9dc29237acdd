#!/usr/bin/env bash
# Browser tests' prerequisites: Debian's headless Chromium and its WebDriver, installed when missing.
# Run as root (CI). Afterwards: .venv/bin/pytest -m browser
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo ".ci/browser.sh: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}') already installed"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo ".ci/browser.sh: chromium and chromium-driver are missing; run this script as root to install them" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
/usr/bin/chromium --version
/usr/bin/chromedriver --version
