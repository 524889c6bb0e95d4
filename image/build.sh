#!/usr/bin/env bash
# Builds the Fulcrum appliance disk image without loop devices or mounts:
#   target/fulcrum-VERSION.raw        GPT: ESP (systemd-boot), root slot A (filled), root slot B (empty), data
#   target/fulcrum-VERSION.raw.zst    the same, compressed (what an operator downloads and dd's)
#   target/fulcrum-VERSION.rootfs.zst the root file system alone: what `fulcrum-upgrade` writes into a slot
#   *.sha256                          checksums in sha256sum format
# Usage: image/build.sh [--version V] [--out DIR] [--jar FILE] [--sign-key KEY] [--rootfs-only] [--broken]
# Reproducible: two builds with the same SOURCE_DATE_EPOCH, cached Debian base and jar are identical except for the
# CDS archive of Fulcrum's classes (usr/lib/fulcrum/fulcrum.jsa), which FULCRUM_IMAGE_APPCDS=0 leaves out.
#   --sign-key KEY  an ed25519 private key (PEM): signs the upgrade file (fulcrum-VERSION.rootfs.zst.sig, raw
#                  signature by openssl pkeyutl -sign -rawin) and, in a disk image, puts the public key on the data
#                  partition as upgrade/trusted.pem, so that the appliance accepts only upgrades signed by it
#   --rootfs-only  only the upgrade file (fulcrum-VERSION.rootfs.zst), not the disk image
#   --broken  (tests only) a version whose daemon exits at start, to prove that an upgrade to it rolls back.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
source "$here/scripts/layout.sh"

version=""
out="$here/target"
jar=""
broken=0
rootfs_only=0
sign_key=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --broken) broken=1; shift ;;
    --sign-key) sign_key="$2"; shift 2 ;;
    --rootfs-only) rootfs_only=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
log() { echo "build.sh: [$(( $(date +%s) - started ))s] $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "build.sh: needs root (debootstrap and chroot)" >&2
  exit 1
fi
for tool in debootstrap mkfs.ext4 mkfs.vfat mcopy sfdisk zstd; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool missing: run .ci/install-packages" >&2; exit 1; }
done

export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [ -z "$version" ]; then
  version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$repo/pom.xml" | head -1)"
fi
# Everything time-stamped in the image takes this time: the last commit's, unless the caller fixes it.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 1767225600)}"
export E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH"
export LC_ALL=C TZ=UTC

if [ -z "$jar" ]; then
  jar="$repo/controlplane/target/fulcrum.jar"
  if [ ! -f "$jar" ]; then
    log "building fulcrum.jar"
    (cd "$repo" && ./mvnw -q -B -ntp -DskipTests -pl controlplane -am package) >&2
  fi
fi
[ -f "$jar" ] || { echo "build.sh: no $jar" >&2; exit 1; }

mkdir -p "$out"
# A tmpfs staging tree: its readdir order is creation order, so mkfs.ext4 -d lays files out the same way on any
# machine (on a host ext4 it would follow that file system's hash seed).
stage="$(mktemp -d "${FULCRUM_IMAGE_TMP:-/dev/shm}/fulcrum-image.XXXXXX")"
cleanup() { umount -q "$stage/root/proc" 2>/dev/null || true; rm -rf --one-file-system "$stage"; }
trap cleanup EXIT
root="$stage/root"
mkdir -p "$root"

# mkfs.ext4 -d copies each file's ctime, which no one can set, and atime, which the build's reads move: set both
# afterwards in the image itself.
clamp_ctimes() {
  (cd "$1" && { find . -mindepth 1 | sed 's|^\.||' | grep -v '"'; echo /; } \
    | sed "s|^\(.*\)\$|sif \"\1\" ctime @$SOURCE_DATE_EPOCH\nsif \"\1\" atime @$SOURCE_DATE_EPOCH|") \
    | debugfs -w -f - "$2" >/dev/null 2>&1
}

log "base system"
base="$("$here/scripts/bootstrap-base.sh")"
tar --numeric-owner --xattrs -C "$root" -xf "$base"

log "appliance files (version $version)"
cp -a "$here/rootfs/." "$root/"
printf '%s\n' "$version" >"$root/usr/lib/fulcrum/VERSION"
sed -i -e "s/^PRETTY_NAME=.*/PRETTY_NAME=\"Fulcrum $version (Debian 12)\"/" "$root/usr/lib/os-release"
printf 'IMAGE_ID=fulcrum\nIMAGE_VERSION=%s\n' "$version" >>"$root/usr/lib/os-release"
printf 'fulcrum\n' >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tfulcrum\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
: >"$root/etc/machine-id"   # generated at first boot: two appliances must not share one
cat >"$root/etc/fstab" <<FSTAB
# The root file system is the slot systemd-boot started (root=PARTUUID= on the kernel command line).
PARTUUID=$PARTUUID_ESP  /boot/efi  vfat  umask=0077,noatime,nofail  0 2
PARTUUID=$PARTUUID_DATA /data      ext4  noatime,nofail             0 2
/data/log               /var/log   none  bind,nofail,x-systemd.requires-mounts-for=/data  0 0
FSTAB
mkdir -p "$root/boot/efi" "$root/data"
sed "s/@VERSION@/$version/" "$here/rootfs/etc/issue" >"$root/etc/issue"

log "Java runtime (jlink)"
modules="$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$jar")"
# jdk.crypto.ec is gone in 25 (merged into java.base); jdk.zipfs lets the CLI read its own jar's resources.
"$JAVA_HOME/bin/jlink" --add-modules "$modules,jdk.zipfs" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --generate-cds-archive --output "$root/usr/lib/fulcrum/jre" | grep -v '^\[' >&2 || true
[ -x "$root/usr/lib/fulcrum/jre/bin/java" ] || { echo "build.sh: jlink failed" >&2; exit 1; }
cp "$jar" "$root/usr/lib/fulcrum/fulcrum.jar"
if [ "$broken" -eq 1 ]; then
  # A release whose daemon dies at start: what the rollback test installs.
  printf '#!/bin/sh\necho "fulcrum: this test build is broken on purpose" >&2\nexit 1\n' >"$root/usr/bin/fulcrum"
fi
printf '%s\n' "$modules,jdk.zipfs" >"$root/usr/lib/fulcrum/jre-modules"

log "users, services, trimming"
chroot "$root" /bin/sh -e <<CHROOT
export LC_ALL=C
# The operator: password "fulcrum", to be changed at the first login (passwd -e).
useradd --create-home --shell /bin/bash --groups sudo --password '$ADMIN_PASSWORD_HASH' admin
passwd -q -e admin >/dev/null
passwd -q -l root >/dev/null
systemctl -q enable systemd-networkd.service fulcrum-firstboot.service fulcrum.service fulcrum-health.service
systemctl -q mask apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true
dpkg --purge apt >/dev/null 2>&1 || true
CHROOT
# Kernel modules an L4 appliance never loads: graphics, sound, radios, cameras (about half the module tree).
kver="$(ls "$root/usr/lib/modules")"
for dir in drivers/gpu drivers/media drivers/staging drivers/net/wireless drivers/bluetooth drivers/iio \
  drivers/input/joystick drivers/input/touchscreen drivers/isdn drivers/infiniband/hw sound net/wireless \
  net/mac80211 net/bluetooth; do
  rm -rf "$root/usr/lib/modules/$kver/kernel/$dir"
done
chroot "$root" depmod "$kver"
rm -rf "$root/usr/share/doc/"* "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/lintian" \
  "$root/var/cache/debconf/"*-old "$root/var/lib/dpkg/"*-old "$root/var/log/"* "$root/boot/"*.old \
  "$root/vmlinuz.old" "$root/initrd.img.old" "$root/etc/kernel/postinst.d/zz-systemd-boot"
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C.UTF-8' ! -name locale.alias -exec rm -rf {} +
mkdir -p "$root/usr/share/doc/fulcrum"
cp "$repo/docs/operations.md" "$root/usr/share/doc/fulcrum/" 2>/dev/null || true

log "initramfs"
# Without the kernel postinst hooks, which would look for an ESP on the build machine.
chroot "$root" mkinitramfs -o "/boot/initrd.img-$kver" "$kver" 2>&1 | grep -v '^W: ' >&2 || true
[ -s "$root/boot/initrd.img-$kver" ] || { echo "build.sh: mkinitramfs failed" >&2; exit 1; }

# Clamp every time stamp to SOURCE_DATE_EPOCH.
find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"

if [ "${FULCRUM_IMAGE_APPCDS:-1}" = 1 ]; then
log "class data sharing archive"
# Class loading dominates start-up (more so on a slow CPU): a CDS archive of the JDK (jlink's) plus one of
# Fulcrum's classes, dumped in the image's own root so that the jar's path, size and time stamp match at run time.
sed 's/@INTERFACE@/eth1/' "$root/usr/share/fulcrum/example.yaml" >"$root/tmp/example.yaml"
mount -t proc proc "$root/proc"   # the JVM finds its libraries through /proc/self/exe
chroot "$root" /usr/lib/fulcrum/jre/bin/java -XX:ArchiveClassesAtExit=/usr/lib/fulcrum/fulcrum.jsa \
  -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \
  --add-opens java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow \
  -jar /usr/lib/fulcrum/fulcrum.jar config check /tmp/example.yaml >&2 || true
umount "$root/proc"
rm -f "$root/tmp/example.yaml"
if [ -s "$root/usr/lib/fulcrum/fulcrum.jsa" ]; then
  touch -d "@$SOURCE_DATE_EPOCH" "$root/usr/lib/fulcrum/fulcrum.jsa"
else
  log "warning: no CDS archive (start-up will be slower)"
fi
fi
rm -f "$root/var/cache/ldconfig/aux-cache"   # a cache with build-time inode data; rebuilt when needed

log "root file system"
used_mib=$(( $(du -s --block-size=1M "$root" | cut -f1) ))
root_mib=$(( (used_mib * 13 / 10 + 64 + 15) / 16 * 16 ))
if [ "$root_mib" -gt "$SLOT_MIB" ]; then
  echo "build.sh: root file system needs ${root_mib} MiB, a slot has $SLOT_MIB" >&2
  exit 1
fi
root_uuid="$(printf 'fulcrum-root-%s' "$version" | sha256sum | sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-8\4-\5/')"
rm -f "$stage/root.img"
mkfs.ext4 -q -F -L fulcrum-root -U "$root_uuid" -E "hash_seed=$EXT4_HASH_SEED,root_owner=0:0" -I 256 \
  -d "$root" "$stage/root.img" "${root_mib}M"
clamp_ctimes "$root" "$stage/root.img"

rootfs="$out/fulcrum-$version.rootfs.zst"
zstd -q -f -T0 -10 "$stage/root.img" -o "$rootfs"
(cd "$out" && sha256sum "$(basename "$rootfs")" >"$(basename "$rootfs").sha256")
rm -f "$rootfs.sig"
if [ -n "$sign_key" ]; then
  openssl pkeyutl -sign -inkey "$sign_key" -rawin -in "$rootfs" -out "$rootfs.sig"
  log "signed: $rootfs.sig"
fi
if [ "$rootfs_only" -eq 1 ]; then
  log "done: upgrade file $rootfs ($(du -m "$rootfs" | cut -f1) MiB), root ${root_mib} MiB"
  exit 0
fi

log "ESP"
mkdir -p "$stage/esp"
esp="$stage/esp.img"
mkfs.vfat -C --invariant -F 32 -n ESP -i "$ESP_VOLUME_ID" "$esp" $(( ESP_MIB * 1024 )) >/dev/null
export MTOOLS_SKIP_CHECK=1
for dir in EFI EFI/BOOT EFI/systemd loader loader/entries fulcrum fulcrum/a fulcrum/b; do
  mmd -i "$esp" "::$dir"
done
cp "$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$stage/esp/BOOTX64.EFI"
cp "$root/boot/vmlinuz-$kver" "$stage/esp/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$stage/esp/initrd.img"
cat >"$stage/esp/loader.conf" <<LOADER
# The first entry in systemd-boot's order that matches wins: newest generation first, entries whose boot
# counter ran out (+0-N) last. fulcrum-upgrade relies on this; see docs/operations.md.
default fulcrum-*
timeout 3
editor no
auto-entries no
auto-firmware no
console-mode keep
LOADER
cmdline="$(cat "$root/usr/lib/fulcrum/kernel-cmdline")"
cat >"$stage/esp/entry.conf" <<ENTRY
title Fulcrum $version (slot a)
version $version
linux /fulcrum/a/vmlinuz
initrd /fulcrum/a/initrd.img
options root=PARTUUID=$PARTUUID_ROOT_A fulcrum.slot=a $cmdline
ENTRY
touch -d "@$SOURCE_DATE_EPOCH" "$stage/esp/"*
mcopy -m -i "$esp" "$stage/esp/BOOTX64.EFI" ::EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$esp" "$stage/esp/BOOTX64.EFI" ::EFI/systemd/systemd-bootx64.efi
mcopy -m -i "$esp" "$stage/esp/loader.conf" ::loader/loader.conf
mcopy -m -i "$esp" "$stage/esp/entry.conf" ::loader/entries/fulcrum-0001-a.conf
mcopy -m -i "$esp" "$stage/esp/vmlinuz" ::fulcrum/a/vmlinuz
mcopy -m -i "$esp" "$stage/esp/initrd.img" ::fulcrum/a/initrd.img

log "data partition"
mkdir -p "$stage/data/log/journal" "$stage/data/upgrade"
printf '%s\n' "$version" >"$stage/data/upgrade/installed-a"
if [ -n "$sign_key" ]; then
  openssl pkey -in "$sign_key" -pubout -out "$stage/data/upgrade/trusted.pem"
fi
find "$stage/data" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkfs.ext4 -q -F -L fulcrum-data -U "$FSUUID_DATA" -E "hash_seed=$EXT4_HASH_SEED,root_owner=0:0" \
  -d "$stage/data" "$stage/data.img" "${DATA_MIB}M"
clamp_ctimes "$stage/data" "$stage/data.img"

log "disk"
raw="$out/fulcrum-$version.raw"
rm -f "$raw"
truncate -s "$DISK_MIB"M "$raw"
sfdisk -q "$raw" <<TABLE
label: gpt
label-id: $DISK_GUID
unit: sectors
first-lba: 2048
start=$(( ESP_START_MIB * 2048 )), size=$(( ESP_MIB * 2048 )), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$PARTUUID_ESP, name="esp"
start=$(( ROOT_A_START_MIB * 2048 )), size=$(( SLOT_MIB * 2048 )), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$PARTUUID_ROOT_A, name="fulcrum-root-a"
start=$(( ROOT_B_START_MIB * 2048 )), size=$(( SLOT_MIB * 2048 )), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$PARTUUID_ROOT_B, name="fulcrum-root-b"
start=$(( DATA_START_MIB * 2048 )), size=$(( DATA_MIB * 2048 )), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$PARTUUID_DATA, name="fulcrum-data"
TABLE
dd if="$esp" of="$raw" bs=1M seek="$ESP_START_MIB" conv=notrunc,sparse status=none
dd if="$stage/root.img" of="$raw" bs=1M seek="$ROOT_A_START_MIB" conv=notrunc,sparse status=none
dd if="$stage/data.img" of="$raw" bs=1M seek="$DATA_START_MIB" conv=notrunc,sparse status=none

log "compressing"
zstd -q -f -T0 -3 "$raw" -o "$raw.zst"
for f in "$raw" "$raw.zst"; do
  (cd "$out" && sha256sum "$(basename "$f")" >"$(basename "$f").sha256")
done
log "done: $raw ($(du -m --apparent-size "$raw" | cut -f1) MiB, $(du -m "$raw.zst" | cut -f1) MiB compressed), root ${root_mib} MiB; upgrade file $rootfs"
