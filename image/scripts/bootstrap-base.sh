#!/usr/bin/env bash
# Prints the path of a cached tarball of a Debian 12 debootstrap tree with the packages of base-packages.txt,
# creating it first when the cache has none. The key covers suite, mirror and package list, so a changed list
# bootstraps again; a fresh machine just takes the ~5 minutes once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite="${FULCRUM_IMAGE_SUITE:-bookworm}"
mirror="${FULCRUM_IMAGE_MIRROR:-http://deb.debian.org/debian}"
cache="${FULCRUM_IMAGE_CACHE:-/var/cache/fulcrum-image}"
packages="$(grep -v '^#' "$here/base-packages.txt" | grep -v '^$' | sort | paste -sd, -)"
key="$(printf '%s\n%s\n%s\n' "$suite" "$mirror" "$packages" | sha256sum | cut -c1-12)"
tarball="$cache/base-$suite-$key.tar"
if [ -f "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
mkdir -p "$cache"
work="$(mktemp -d "$cache/bootstrap.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "bootstrap-base: debootstrap $suite ($packages) into $work; takes minutes the first time" >&2
# minbase: only Essential + apt; the appliance needs no more than the listed packages.
debootstrap --variant=minbase --include="$packages" "$suite" "$work/root" "$mirror" >&2
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar --numeric-owner --xattrs --sort=name -C "$work/root" -cf "$tarball.partial" .
mv "$tarball.partial" "$tarball"
echo "$tarball"
