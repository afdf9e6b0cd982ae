#!/usr/bin/env bash
# Installs qudao's build and test dependencies from Debian 12's packages.
# Idempotent: does nothing (and needs no network) when all are present.
#
#   scripts/deps.sh          what building, testing and benchmarking need
#   scripts/deps.sh --build  only what building the binaries needs (the
#                            Dockerfile's builder stage)
set -euo pipefail

BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev libcpp-httplib-dev libcli11-dev libboost-dev
  libssl-dev libjwt-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev
)
TEST_PACKAGES=(
  libbenchmark-dev libmicrohttpd-dev wrk openssl
  postgresql-15 redis-server tzdata
)

PACKAGES=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" != "--build" ]]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "qudao: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian packages start system-wide PostgreSQL and Redis services; qudao's
# tests start their own on free ports and need neither.
