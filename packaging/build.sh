#!/usr/bin/env bash
# Build the single-file binary: packaging/build.sh  ->  dist/ourmoney (dist/ourmoney.exe on Windows)
#
# Installs the project with its [desktop] and [package] extras into .venv (see bin/_venv.sh),
# then runs PyInstaller on ourmoney.spec. Linux needs GTK/WebKitGTK and the PyGObject build
# packages first (see packaging/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bin/_venv.sh
. ./bin/_venv.sh
ourmoney_venv "[dev,desktop,package]"
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller ourmoney.spec >&2
binary=dist/ourmoney
[ -f dist/ourmoney.exe ] && binary=dist/ourmoney.exe
echo "$binary"
