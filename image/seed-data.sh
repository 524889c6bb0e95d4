#!/usr/bin/env bash
# Writes an appliance's own files into the data partition (/data) of a disk image before it is flashed, so that
# the box boots with its configuration: each server of a pair gets its copy of the image, seeded with its files.
#   image/seed-data.sh fulcrum-V.raw DIR
# DIR holds what /data should hold, e.g. fulcrum.yaml, sync.key, network/15-pair.network (docs/operations.md);
# every file lands at the same path under /data, owned by root, with its mode in DIR (chmod 600 the key first).
# No loop device or mount: the partition is copied out with dd, written with debugfs (e2fsprogs), read back to
# check every file, and copied in again. Files already there are replaced; nothing else is touched.
set -euo pipefail
if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -d "$2" ]; then
  echo "usage: $0 IMAGE.raw DIR" >&2
  exit 2
fi
image="$1"
dir="$(cd "$2" && pwd)"
for tool in sfdisk debugfs dd; do
  command -v "$tool" >/dev/null || { echo "seed-data.sh: $tool missing (fdisk, e2fsprogs, coreutils)" >&2; exit 1; }
done

# The data partition by its GPT name, so that the layout of any release works.
line="$(sfdisk -d "$image" | grep 'name="fulcrum-data"' || true)"
[ -n "$line" ] || { echo "seed-data.sh: $image has no fulcrum-data partition" >&2; exit 1; }
start="$(sed -E 's/.*start= *([0-9]+).*/\1/' <<<"$line")"
size="$(sed -E 's/.*size= *([0-9]+).*/\1/' <<<"$line")"

work="$(mktemp -d /tmp/fulcrum-seed.XXXXXX)"
trap 'rm -rf "$work"' EXIT
dd if="$image" of="$work/data.img" bs=4M iflag=skip_bytes,count_bytes skip=$(( start * 512 )) \
  count=$(( size * 512 )) conv=sparse status=none

commands="$work/commands"
: >"$commands"
(cd "$dir" && find . -mindepth 1 -type d | sed 's|^\./||' | sort) | while read -r d; do
  echo "mkdir /$d" >>"$commands"
done
files="$(cd "$dir" && find . -type f | sed 's|^\./||' | sort)"
[ -n "$files" ] || { echo "seed-data.sh: $dir holds no files" >&2; exit 1; }
while read -r f; do
  mode="$(stat -c %a "$dir/$f")"
  printf 'rm "/%s"\nwrite "%s" "/%s"\nsif "/%s" uid 0\nsif "/%s" gid 0\nsif "/%s" mode 0100%s\n' \
    "$f" "$dir/$f" "$f" "$f" "$f" "$f" "$mode" >>"$commands"
done <<<"$files"
# debugfs reports "File not found" for the rm of a new file and "File exists" for a directory: harmless.
debugfs -w -f "$commands" "$work/data.img" >/dev/null 2>&1

while read -r f; do
  debugfs -R "cat \"/$f\"" "$work/data.img" 2>/dev/null >"$work/check"
  cmp -s "$work/check" "$dir/$f" || { echo "seed-data.sh: /data/$f did not read back the same" >&2; exit 1; }
done <<<"$files"
e2fsck -fn "$work/data.img" >/dev/null 2>&1 || { echo "seed-data.sh: the data file system does not check clean" >&2; exit 1; }
dd if="$work/data.img" of="$image" bs=4M oflag=seek_bytes seek=$(( start * 512 )) conv=notrunc,sparse status=none
echo "seed-data.sh: wrote $(wc -l <<<"$files") file(s) into /data of $image: $(tr '\n' ' ' <<<"$files")"
