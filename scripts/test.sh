#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, runs every test.
# Tests start their own PostgreSQL and Redis servers on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
cd "${QUDAO_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
