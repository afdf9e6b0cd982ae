#!/usr/bin/env bash
# Checks that the Dockerfile's runtime stage installs every shared library
# the given binaries link directly (their NEEDED entries), mapped to the
# Debian package that ships it on this machine. A library from a package
# the runtime stage does not list fails the check, naming the package to
# add: the image's own `ldd` check would only find it when the image is
# built. ctest runs it on the binaries it built (tests/CMakeLists.txt).
#
#   scripts/check_image_libraries.sh BINARY...
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 BINARY..." >&2
  exit 2
fi
DOCKERFILE="$(cd "$(dirname "$0")/.." && pwd)/Dockerfile"

# In every debian:12-slim image (priority required).
BASE=(libc6 libstdc++6 libgcc-s1 zlib1g)

# The packages the runtime stage installs: the words of its apt-get
# install command, from the stage's FROM to the end of that RUN.
mapfile -t LISTED < <(awk '
  /^FROM debian:12-slim/ { stage = 1; next }
  stage && /apt-get install/ { install = 1 }
  install {
    for (i = 1; i <= NF; i++) if ($i ~ /^lib[a-z0-9.+-]+$|^ca-certificates$/) print $i
    if ($0 ~ /rm -rf/ || $0 !~ /\\$/) exit
  }' "$DOCKERFILE")
if ((${#LISTED[@]} == 0)); then
  echo "check_image_libraries: found no runtime apt-get install in Dockerfile" >&2
  exit 1
fi

listed() {
  local p
  for p in "${LISTED[@]}" "${BASE[@]}"; do [[ "$p" == "$1" ]] && return 0; done
  return 1
}

# The libraries the binaries link directly, each with its path here.
declare -A path_of
missing=0
for binary in "$@"; do
  if [[ ! -f "$binary" ]]; then
    echo "check_image_libraries: no binary $binary" >&2
    exit 1
  fi
  # Captured first, so a tool's failure ends the script (set -e).
  dynamic=$(readelf -d "$binary")
  resolved=$(ldd "$binary")
  needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic")
  if [[ -z "$needed" ]]; then
    echo "check_image_libraries: $binary links no shared library" >&2
    exit 1
  fi
  while read -r lib path; do
    if [[ -z "$path" || "$path" == "not" ]]; then
      echo "$binary: $lib is not found on this machine" >&2
      missing=1
    else
      path_of[$lib]=$(readlink -f "$path")
    fi
  done < <(awk 'NR == FNR { needed[$1] = 1; next }
                $1 in needed { print $1, $3 }' <(echo "$needed") - <<<"$resolved")
done

# One dpkg query for them all ("package[:arch][, package[:arch]]: path"
# per line); dpkg records a path under /usr/lib or /lib (merged /usr), so
# both forms are asked and kept under the /usr form. Of several owners
# (multi-arch), the first.
usr_form() { echo "/usr${1#/usr}"; }
declare -A package_of  # path, /usr form -> package
while read -r pkg path; do
  package_of[$(usr_form "$path")]=$pkg
done < <(for p in "${path_of[@]}"; do echo "$p"; echo "${p#/usr}"; done |
         { xargs dpkg -S 2>/dev/null || true; } |
         sed -n 's/^\([^:,]*\)[^ ]*: \(.*\)$/\1 \2/p')

declare -A unlisted  # package -> the libraries of it the binaries need
for lib in "${!path_of[@]}"; do
  path=${path_of[$lib]}
  pkg=${package_of[$(usr_form "$path")]:-}
  if [[ -z "$pkg" ]]; then
    echo "$lib ($path) belongs to no Debian package" >&2
    missing=1
  elif ! listed "$pkg"; then
    unlisted[$pkg]="${unlisted[$pkg]:-} $lib"
  fi
done
for pkg in "${!unlisted[@]}"; do
  echo "Dockerfile: the runtime stage does not install $pkg (for${unlisted[$pkg]})" >&2
  missing=1
done
if ((missing)); then exit 1; fi
echo "check_image_libraries: ${#LISTED[@]} runtime packages cover the ${#path_of[@]} libraries $# binaries link"
