#!/usr/bin/env bash
# Configures and builds qudao into ./build (incremental on re-runs).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${QUDAO_BUILD_DIR:-build}
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DQUDAO_WERROR=${QUDAO_WERROR:-ON} "$@"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
