#!/usr/bin/env bash
# Boot test: builds the image, boots it under qemu (TCG, UEFI) and waits for the management API (the guest's port
# 8080 forwarded to a loopback port) to answer GET /api/v1/health with 200, as a monitoring probe would (no token).
# Then, with the token the appliance showed on its serial console at the first boot, reads its version and slots
# from the API (check_first_boot in lib.sh; upgrade-test.sh makes the same checks on its first boot, which is why
# .ci/run does not run this test). Prints the boot-to-healthy time and the image sizes; on failure, the serial
# console's tail.
# Env: FULCRUM_REUSE_IMAGE=1 boots an existing image/target/fulcrum-VERSION.raw; BOOT_TIMEOUT (default 300 s).
source "$(dirname "$0")/lib.sh"
version="${FULCRUM_TEST_VERSION:-0.1.0-boottest}"

built_at=$(date +%s)
raw="$(build_image "$version")"
build_seconds=$(( $(date +%s) - built_at ))
say "image built in ${build_seconds}s: $raw"

cp --sparse=always "$raw" "$work/disk.raw"
start_vm "$work/disk.raw"
say "qemu started (pid $qemu_pid, management API 127.0.0.1:$MGMT_HOST_PORT -> guest $MGMT_GUEST_PORT)"
check_first_boot "$version"

raw_mib=$(( $(stat -c %s "$raw") / 1048576 ))
zst_mib=$(( $(stat -c %s "$raw.zst") / 1048576 ))
rootfs_mib=$(( $(stat -c %s "${raw%.raw}.rootfs.zst") / 1048576 ))
say "PASS: boot to healthy (API) ${boot_seconds}s (qemu TCG, no KVM); image ${raw_mib} MiB raw, ${zst_mib} MiB .raw.zst, upgrade file ${rootfs_mib} MiB; build ${build_seconds}s"
