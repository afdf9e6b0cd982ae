#!/usr/bin/env bash
# Installs qudao's build and test dependencies from Debian 12's packages.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev libcpp-httplib-dev libcli11-dev libboost-dev
  libmicrohttpd-dev wrk libssl-dev openssl libjwt-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 redis-server tzdata
)

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
