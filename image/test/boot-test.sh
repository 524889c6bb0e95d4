#!/usr/bin/env bash
# Boot test: builds the image, boots it under qemu (TCG, UEFI) and waits for the appliance to say on its serial
# console that Fulcrum runs (FULCRUM-READY, printed by fulcrum-health.service via fulcrum-ready).
# Prints the boot-to-healthy time and the image sizes.
# Env: FULCRUM_REUSE_IMAGE=1 boots an existing image/target/fulcrum-VERSION.raw; BOOT_TIMEOUT (default 300 s).
source "$(dirname "$0")/lib.sh"
version="${FULCRUM_TEST_VERSION:-0.1.0-boottest}"

built_at=$(date +%s)
raw="$(build_image "$version")"
build_seconds=$(( $(date +%s) - built_at ))
say "image built in ${build_seconds}s: $raw"

cp --sparse=always "$raw" "$work/disk.raw"
start_vm "$work/disk.raw"
say "qemu started (pid $qemu_pid, management port 127.0.0.1:$MGMT_HOST_PORT -> guest $MGMT_GUEST_PORT)"
wait_for_line 'FULCRUM-READY version='
ready="$found"
boot_seconds=$(( $(date +%s) - vm_started ))
grep -q "version=$version slot=a" <<<"$ready" || fail "expected version $version on slot a, got: $ready"
grep -a -q 'no configuration found: wrote a harmless example' "$serial" || fail "first boot did not announce the example configuration"

raw_mib=$(( $(stat -c %s "$raw") / 1048576 ))
zst_mib=$(( $(stat -c %s "$raw.zst") / 1048576 ))
rootfs_mib=$(( $(stat -c %s "${raw%.raw}.rootfs.zst") / 1048576 ))
say "PASS: boot to healthy ${boot_seconds}s (qemu TCG, no KVM); image ${raw_mib} MiB raw, ${zst_mib} MiB .raw.zst, upgrade file ${rootfs_mib} MiB; build ${build_seconds}s"
