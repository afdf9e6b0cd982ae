#!/usr/bin/env bash
# The README's run command: installs dependencies, builds, and runs the whole
# platform in one process (`qudao dev`) on an embedded SQLite data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
# Redis when present: use a local redis-server (Debian's package runs one on
# 6379) as the shared cache; without it the cache is in-process.
if [[ -z "${QUDAO_REDIS_URL:-}" ]] && command -v redis-cli >/dev/null &&
  [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]; then
  export QUDAO_REDIS_URL=redis://127.0.0.1:6379
fi
exec "${QUDAO_BUILD_DIR:-build}/tools/qudao/qudao" dev --data_dir="${QUDAO_DATA_DIR:-$PWD/.qudao-data}" "$@"
