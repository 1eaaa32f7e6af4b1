#!/usr/bin/env bash
# Installs everything hapair needs on a fresh Debian machine: Graphviz (dot) for the
# pictures, SPIN for the cross-checks, Chromium for the report's browser test, and the
# Python package with its test tools.  Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v spin >/dev/null 2>&1 || need+=(spin)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
echo "setup: done"
