#!/usr/bin/env bash
# Installs everything hapair needs on a fresh Debian machine, as root or as a user with
# sudo: Graphviz (dot) for the pictures, SPIN and gcc for the cross-checks, Chromium for
# the report's browser test (Debian packages), and the Python package with its test
# tools in this clone's own virtual environment, .venv (so it never touches another
# install, and works where the system Python refuses pip: PEP 668).  Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v spin >/dev/null 2>&1 || need+=(spin)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} (Debian packages)"
  $SUDO apt-get update -qq
  # (through env: sudo's env_reset would drop a variable set in front of it)
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# A .venv left without pip (made before python3-venv was installed) is made again.
.venv/bin/python -m pip --version >/dev/null 2>&1 || python3 -m venv --clear .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "setup: done (.venv/bin/python -m hapair ...)"
