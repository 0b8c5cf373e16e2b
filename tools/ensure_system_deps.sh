#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (a real mosquitto broker, chromium), when absent.
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)  # reads screens back in tests
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # dashboard browser test
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${need[@]}" >/dev/null
