#!/bin/sh
# scripts/deps.sh: install the Debian 12 packages vtdemu needs to build and
# test.  Runs apt-get update first.  Needs root (uses sudo when not root and
# sudo exists).  Non-interactive.
set -eu
pkgs="meson ninja-build gcc g++ clang pkg-config libglib2.0-dev check libfdt-dev \
device-tree-compiler acpica-tools valgrind"
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "scripts/deps.sh: run as root (or install sudo) to install: $pkgs" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $pkgs
