#!/usr/bin/env bash
# The README's run command: installs dependencies, builds, and runs the whole
# platform in one process (`qudao dev`) on an embedded SQLite data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
exec "${QUDAO_BUILD_DIR:-build}/tools/qudao/qudao" dev --data_dir="${QUDAO_DATA_DIR:-$PWD/.qudao-data}" "$@"
