#!/usr/bin/env bash
# Lints what the compiler does not: C++ formatting (clang-format, Google
# style) and the protos (buf lint, AIP/Buf style). buf comes from the npm
# package @bufbuild/buf, installed into .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang-format
fi
echo "lint: clang-format"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

echo "lint: buf"
if [[ ! -x .tools/node_modules/.bin/buf ]] && command -v npm >/dev/null; then
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund @bufbuild/buf >/dev/null 2>&1) ||
    echo "lint: could not install @bufbuild/buf from npm; proto lint not run" >&2
fi
if [[ -x .tools/node_modules/.bin/buf ]]; then
  .tools/node_modules/.bin/buf lint
else
  echo "lint: buf unavailable; proto lint not run" >&2
fi
echo "lint: ok"
