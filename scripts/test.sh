#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, runs every test.
# Tests start their own PostgreSQL and Redis servers on free loopback ports.
#
#   scripts/test.sh [ctest args]       the whole suite (what CI runs)
#   scripts/test.sh --sanitize [args]  the unit, service and storage suites
#                                      built with ASan and UBSan (build-asan/);
#                                      run before resolving an issue, not in CI
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [[ "${1:-}" == "--sanitize" ]]; then
  shift
  export QUDAO_BUILD_DIR=${QUDAO_BUILD_DIR:-build-asan}
  scripts/build.sh \
    "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" \
    -DQUDAO_BUILD_BENCH=OFF
  cd "$QUDAO_BUILD_DIR"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/../scripts/lsan.supp:print_suppressions=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  # End-to-end tests run the (sanitized) binaries as processes too, but
  # take long; they run in the regular build.
  exec ctest --output-on-failure -j "$(nproc)" -LE e2e "$@"
fi
scripts/build.sh
cd "${QUDAO_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
