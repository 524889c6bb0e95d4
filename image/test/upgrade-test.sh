#!/usr/bin/env bash
# Upgrade test: boots version 1 on slot A (an image that trusts the test's signing key), checking first what the
# boot test checks (check_first_boot: example configuration, health, token, version). Through the management API
# (curl on the forwarded port) it uploads a file whose signature is by the right key but of another file, which the
# installer refuses before writing anything, then version 2's upgrade file with its own signature: the appliance installs it into slot B and comes up healthy on it, its API
# naming version 2. Then a USB stick (QMP hot-plug) with a broken version 3 (its daemon dies at start): it goes
# into slot A, fails its health check on each of its 3 tries, and systemd-boot returns by itself to slot B, which
# reports the rollback.
# Env: FULCRUM_REUSE_IMAGE=1 reuses image/target/fulcrum-V1.raw, FULCRUM_REUSE_UPGRADES=1 the two upgrade files;
# BOOT_TIMEOUT per boot (default 300 s).
source "$(dirname "$0")/lib.sh"
v1="${FULCRUM_TEST_VERSION:-0.1.0-boottest}"
v2="0.1.0-upgrade2"
v3="0.1.0-broken3"
out="${FULCRUM_IMAGE_OUT:-$image_dir/target}"

built_at=$(date +%s)
raw="$(build_image "$v1")"
say "image built in $(( $(date +%s) - built_at ))s"
# The two upgrade files are built while version 1 boots, at the lowest CPU and I/O priority so that the VM's
# emulation (and the daemon's watchdog in it) is not starved.
build_upgrades() {
  local v extra
  for v in "$v2" "$v3"; do
    if [ ! -f "$out/fulcrum-$v.rootfs.zst" ] || [ -z "${FULCRUM_REUSE_UPGRADES:-}" ]; then
      extra=(); [ "$v" = "$v3" ] && extra=(--broken)
      nice -n 19 ionice -c 3 "$image_dir/build.sh" --version "$v" --out "$out" --rootfs-only \
        --sign-key "$(signing_key)" "${extra[@]}" || return 1
    fi
  done
}

# A FAT stick labelled FULCRUM-UPG holding one upgrade file and its checksum (as an operator would prepare it).
make_stick() {
  local version="$1" stick="$work/stick-$1.img" file="$out/fulcrum-$1.rootfs.zst"
  local kib=$(( $(stat -c %s "$file") / 1024 + 16384 ))
  mkfs.vfat -C -n FULCRUM-UPG "$stick" "$kib" >/dev/null
  MTOOLS_SKIP_CHECK=1 mcopy -i "$stick" "$file" "$file.sha256" "$file.sig" ::
  echo "$stick"
}
plug_stick() {
  qmp "{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"stick-$1\",\"driver\":\"raw\",\"read-only\":true,\"file\":{\"driver\":\"file\",\"filename\":\"$2\",\"read-only\":true}}}" \
      "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"usb-storage\",\"bus\":\"xhci.0\",\"drive\":\"stick-$1\",\"id\":\"usb-$1\",\"removable\":true}}" >/dev/null
}
unplug_stick() {
  qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"usb-$1\"}}" >/dev/null
}

cp --sparse=always "$raw" "$work/disk.raw"
start_vm "$work/disk.raw"
build_upgrades >"$work/build-upgrades.log" 2>&1 &
upgrades_pid=$!
check_first_boot "$v1"
upgrades_started=$(date +%s)
wait "$upgrades_pid" || { cat "$work/build-upgrades.log"; fail "building the upgrade files failed"; }
say "upgrade files ready $(( $(date +%s) - built_at ))s after the start ($(( $(date +%s) - upgrades_started ))s waited for them after the first boot)"

upload() { # FILE SIGNATURE-FILE: POST /api/v1/upgrade; prints the HTTP status, then the body
  curl -sS --max-time 600 -w '\n%{http_code}' -H "Authorization: Bearer $token" \
    -H "X-Fulcrum-Sha256: $(cut -d' ' -f1 "$1.sha256")" -H "X-Fulcrum-Signature: $(base64 -w0 "$2")" \
    --data-binary @"$1" "$(api_url /api/v1/upgrade)"
}

# 0. A signature by the right key but of another file: the installer refuses it before writing anything. The
# signature is checked right after the sha256, before the content, so a small random file with its own sha256
# tests this as well as a release would (and uploads in a second instead of a minute under emulation).
mark=$(serial_lines)
head -c 65536 /dev/urandom >"$work/forged.rootfs.zst"
(cd "$work" && sha256sum forged.rootfs.zst >forged.rootfs.zst.sha256)
reply="$(upload "$work/forged.rootfs.zst" "$out/fulcrum-$v2.rootfs.zst.sig")"
say "upload with a wrong signature: $(tr '\n' ' ' <<<"$reply")"
[ "$(tail -1 <<<"$reply")" = 202 ] || fail "the upload itself should be accepted (checksum right), got: $reply"
wait_for_line "FULCRUM-UPGRADE-FAILED signature check failed" 300 "$mark"
slots="$(api "$(api_url /api/v1/upgrade)")" || fail "GET /api/v1/upgrade failed after the refused upload"
grep -q "$v2" <<<"$slots" && fail "slot table names $v2 after a refused signature: $slots"

# 1. A good upgrade through the API: slot B, boot-counted, confirmed by the health check.
mark=$(serial_lines)
upgrade_started=$(date +%s)
reply="$(upload "$out/fulcrum-$v2.rootfs.zst" "$out/fulcrum-$v2.rootfs.zst.sig")"
say "uploaded $v2 in $(( $(date +%s) - upgrade_started ))s: $(tr '\n' ' ' <<<"$reply")"
[ "$(tail -1 <<<"$reply")" = 202 ] || fail "upload of $v2 refused: $reply"
wait_for_line "FULCRUM-UPGRADE installed version=$v2 slot=b" "$BOOT_TIMEOUT" "$mark"
wait_for_line "FULCRUM-READY version=$v2 slot=b" "$BOOT_TIMEOUT" "$mark"
wait_for_healthy "$v2" 120
say "upgraded to $v2 on slot B: $(( $(date +%s) - upgrade_started ))s from the upload to healthy"
mark=$(serial_lines)
# systemd-bless-boot confirms slot B right after the health check; the next upgrade needs that.
deadline=$(( $(date +%s) + 60 ))
until slots="$(api "$(api_url /api/v1/upgrade)")" && python3 -c 'import json,sys; s=json.loads(sys.argv[1])["slots"]; sys.exit(0 if any(l.startswith("b ") and sys.argv[2] in l and "trusted" in l for l in s.splitlines()) else 1)' "$slots" "$v2"; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "slot b should hold $v2, trusted, within 60s: $slots"
  sleep 2
done
say "GET /api/v1/upgrade: $slots"

# 2. A broken upgrade: three failed tries on slot A, then back to slot B without anyone's help.
plug_stick 3 "$(make_stick "$v3")"
rollback_started=$(date +%s)
say "stick with broken $v3 plugged in"
wait_for_line "FULCRUM-UPGRADE installed version=$v3 slot=a" "$BOOT_TIMEOUT" "$mark"
for try in 1 2 3; do
  wait_for_line "FULCRUM-UNHEALTHY version=$v3 slot=a" "$BOOT_TIMEOUT" "$mark"
  mark=$(( $(grep -a -n "FULCRUM-UNHEALTHY version=$v3" "$serial" | sed -n "${try}p" | cut -d: -f1) ))
done
wait_for_line "FULCRUM-ROLLBACK failed=$v3 running=$v2 slot=b" "$BOOT_TIMEOUT" "$mark"
wait_for_line "FULCRUM-READY version=$v2 slot=b" "$BOOT_TIMEOUT" "$mark"
wait_for_healthy "$v2" 120
say "rolled back to $v2 on slot B $(( $(date +%s) - rollback_started ))s after plugging the broken stick"
if tail -n +"$mark" "$serial" | grep -a -q "FULCRUM-UPGRADE installed version=$v3"; then
  fail "the failed version was installed again after the rollback"
fi
say "PASS: bad signature refused, upgrade A->B through the API and automatic rollback from a broken release; total $(( $(date +%s) - test_started ))s"
