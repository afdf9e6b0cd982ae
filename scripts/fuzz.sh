#!/usr/bin/env bash
# Runs every fuzz target for a set time (seconds each; default 60) with
# clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer. Seed
# corpora live in fuzz/corpus/<target>; what a run discovers stays in
# build-fuzz/corpus/<target> for the next run. A crash leaves its input in
# build-fuzz/crashes/ and fails the script: turn it into a regression test
# by adding the input to the target's seed corpus (the regular test run
# replays every seed) and fixing the bug.
#
#   scripts/fuzz.sh 60
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
scripts/deps.sh
missing=()
for p in clang-15 libfuzzer-15-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi

BUILD=build-fuzz
TARGETS=(money_fuzzer text_validation_fuzzer page_token_fuzzer json_fuzzer
         http_request_fuzzer payment_term_fuzzer waterfall_fuzzer)
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-15 -DCMAKE_CXX_COMPILER=clang++-15 \
    -DQUDAO_FUZZ=ON -DQUDAO_BUILD_TESTS=OFF -DQUDAO_BUILD_BENCH=OFF \
    -DQUDAO_WERROR=OFF \
    "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
fi
cmake --build "$BUILD" -j "$(nproc)" --target "${TARGETS[@]}"

mkdir -p "$BUILD/crashes"
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t"
  echo "fuzz: $t for ${SECONDS_EACH}s"
  if ! "$BUILD/fuzz/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
      -artifact_prefix="$BUILD/crashes/$t-" \
      "$BUILD/corpus/$t" "fuzz/corpus/$t" > "$BUILD/$t.log" 2>&1; then
    failed+=("$t")
    tail -40 "$BUILD/$t.log"
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$BUILD/$t.log" |
    sed "s/^/  $t /" || true
done
if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]} (inputs in $BUILD/crashes/)" >&2
  exit 1
fi
echo "fuzz: every target ran ${SECONDS_EACH}s without a crash"
