#!/usr/bin/env bash
# Boot test: builds the image, boots it under qemu (TCG, UEFI) and waits for the management API (the guest's port
# 8080 forwarded to a loopback port) to answer GET /api/v1/health with 200, as a monitoring probe would (no token).
# Then, with the token the appliance showed on its serial console at the first boot, reads its version and slots
# from the API. Prints the boot-to-healthy time and the image sizes; on failure, the serial console's tail.
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
token=""
wait_for_healthy
boot_seconds=$(( $(date +%s) - vm_started ))
[ "$health" = '{"status":"healthy"}' ] || fail "without a token, health should tell the verdict alone, got: $health"

api_token
say "token from the console: ${token:0:6}..."
status_code="$(curl -s -o /dev/null -w '%{http_code}' "$(api_url /api/v1/status)")"
[ "$status_code" = 401 ] || fail "GET /api/v1/status without a token answered $status_code, not 401"
wait_for_healthy "$version" 30
grep -q '"problems":\[\]' <<<"$health" || fail "healthy but with problems: $health"
status="$(api "$(api_url /api/v1/status)")"
grep -q "\"version\":\"$version\"" <<<"$status" || fail "GET /api/v1/status does not name version $version: $status"
say "GET /api/v1/status: $status"
slots="$(api "$(api_url /api/v1/upgrade)")"
python3 -c 'import json,sys; s=json.loads(sys.argv[1])["slots"]; sys.exit(0 if any(l.startswith("a ") and "running" in l for l in s.splitlines()) else 1)' "$slots" \
  || fail "GET /api/v1/upgrade does not show slot a running: $slots"
grep -a -q 'no configuration found: wrote a harmless example' "$serial" || fail "first boot did not announce the example configuration"
wait_for_line "FULCRUM-READY version=$version slot=a" 120

raw_mib=$(( $(stat -c %s "$raw") / 1048576 ))
zst_mib=$(( $(stat -c %s "$raw.zst") / 1048576 ))
rootfs_mib=$(( $(stat -c %s "${raw%.raw}.rootfs.zst") / 1048576 ))
say "PASS: boot to healthy (API) ${boot_seconds}s (qemu TCG, no KVM); image ${raw_mib} MiB raw, ${zst_mib} MiB .raw.zst, upgrade file ${rootfs_mib} MiB; build ${build_seconds}s"
