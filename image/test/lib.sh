# Shared by the image tests: appliances under qemu (TCG, q35, OVMF), each with its serial console in a file, QMP
# on a unix socket and its management port forwarded to the host's loopback. One VM (boot and upgrade tests) or
# several (pair test): start_vm names each, use_vm NAME points the helpers below at one of them.
set -euo pipefail
test_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image_dir="$(cd "$test_dir/.." && pwd)"
repo_dir="$(cd "$image_dir/.." && pwd)"
OVMF_CODE="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
OVMF_VARS="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"
BOOT_TIMEOUT="${BOOT_TIMEOUT:-300}"
VM_SMP="${VM_SMP:-2}"
# The management API's port in the guest (issue 4); forwarded to 127.0.0.1:$MGMT_HOST_PORT (one per VM).
MGMT_GUEST_PORT="${MGMT_GUEST_PORT:-8080}"

work="$(mktemp -d /tmp/fulcrum-image-test.XXXXXX)"
# The current VM's (use_vm): serial log, QMP socket, qemu's pid, forwarded port, API token.
serial="$work/serial.log"
qmp_socket="$work/qmp.sock"
qemu_pid=""
MGMT_HOST_PORT="${MGMT_HOST_PORT:-$(( 20000 + RANDOM % 20000 ))}"
token=""
vm=""
declare -A vm_serial vm_qmp vm_pid vm_port vm_token vm_started_at
vm_names=()
test_started=$(date +%s)

say() { echo "$(basename "$0"): [$(( $(date +%s) - test_started ))s]${vm:+ $vm:} $*"; }

cleanup() {
  local rc=$? name
  for name in "${vm_names[@]}"; do
    stop_vm "$name"
  done
  if [ "$rc" -ne 0 ]; then
    for name in "${vm_names[@]}"; do
      [ -f "${vm_serial[$name]}" ] || continue
      echo "---- serial console of $name (last 150 lines) ----"
      tail -n 150 "${vm_serial[$name]}" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
      echo "---- end of $name's serial console ----"
    done
    echo "full logs kept in $work"
  elif [ -z "${KEEP_LOGS:-}" ]; then
    rm -rf "$work"
  else
    echo "logs kept in $work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { say "FAIL: $*"; exit 1; }

# The test's release key (ed25519): images are built with it, so the booted appliance trusts it and refuses
# upgrades it did not sign. Made once per output directory, like a vendor's key.
signing_key() {
  local out="${FULCRUM_IMAGE_OUT:-$image_dir/target}"
  mkdir -p "$out"
  [ -f "$out/test-signing-key.pem" ] || openssl genpkey -algorithm ed25519 -out "$out/test-signing-key.pem" 2>/dev/null
  echo "$out/test-signing-key.pem"
}

# Builds the image unless FULCRUM_IMAGE_DIR already holds fulcrum-$1.raw; prints the raw image's path.
build_image() {
  local version="$1"; shift
  local out="${FULCRUM_IMAGE_OUT:-$image_dir/target}"
  if [ ! -f "$out/fulcrum-$version.raw" ] || [ -z "${FULCRUM_REUSE_IMAGE:-}" ]; then
    "$image_dir/build.sh" --version "$version" --out "$out" --sign-key "$(signing_key)" "$@" >&2
  fi
  echo "$out/fulcrum-$version.raw"
}

# start_vm DISK [NAME [QEMU-ARGS...]]: boots DISK (a copy: the test writes to it) as VM NAME (default "vm") and
# makes it the current one. Its first NIC (eth0) is management, user-mode with the API port forwarded; QEMU-ARGS
# replace the default second NIC (eth1, user-mode without a route out) with the caller's NICs. A plain CPU model on
# purpose: with -cpu max, TCG advertises AVX2 and more, which the guest's JVM then uses under emulation; boot to
# healthy took 83-119 s with it and 65-75 s with Nehalem (docs/benchmarks.md). RDRAND and a virtio RNG fed from the
# host seed the guest's random pool at once, as a real server's CPU does: without them udev's getrandom() spun on
# jitter entropy under emulation until the kernel reported RCU stalls and the boot never finished (a CI run on a
# loaded machine).
start_vm() {
  local disk="$1" name="${2:-vm}" port
  shift; [ $# -gt 0 ] && shift
  local nics=("$@")
  [ ${#nics[@]} -gt 0 ] || nics=(-nic user,model=virtio-net-pci,restrict=on)
  if [ ${#vm_names[@]} -eq 0 ]; then
    port="$MGMT_HOST_PORT"
    vm_serial[$name]="$work/serial.log"
    vm_qmp[$name]="$work/qmp.sock"
  else
    port=$(( 20000 + RANDOM % 20000 ))
    while printf '%s\n' "${vm_port[@]}" | grep -qx "$port"; do port=$(( 20000 + RANDOM % 20000 )); done
    vm_serial[$name]="$work/serial-$name.log"
    vm_qmp[$name]="$work/qmp-$name.sock"
  fi
  vm_port[$name]="$port"
  vm_token[$name]=""
  vm_names+=("$name")
  cp "$OVMF_VARS" "$work/vars-$name.fd"
  qemu-system-x86_64 -name "$name" -machine q35 -accel tcg -cpu Nehalem,+rdrand -smp "$VM_SMP" -m 1536 \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
    -drive if=pflash,format=raw,unit=1,file="$work/vars-$name.fd" \
    -drive file="$disk",format=raw,if=none,id=disk0,cache=unsafe -device virtio-blk-pci,drive=disk0,bootindex=1 \
    -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:"$port"-:"$MGMT_GUEST_PORT" \
    "${nics[@]}" \
    -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0 \
    -device qemu-xhci,id=xhci \
    -display none -monitor none -serial file:"${vm_serial[$name]}" \
    -qmp unix:"${vm_qmp[$name]}",server=on,wait=off &
  vm_pid[$name]=$!
  vm_started_at[$name]=$(date +%s)
  use_vm "$name"
}

# use_vm NAME: the helpers below (wait_for_line, api, wait_for_healthy, qmp) talk to VM NAME from now on.
use_vm() {
  [ -z "$vm" ] || vm_token[$vm]="$token"
  vm="$1"
  serial="${vm_serial[$vm]}"
  qmp_socket="${vm_qmp[$vm]}"
  qemu_pid="${vm_pid[$vm]}"
  MGMT_HOST_PORT="${vm_port[$vm]}"
  token="${vm_token[$vm]}"
  vm_started="${vm_started_at[$vm]}"
}

# stop_vm NAME: pulls the plug (SIGKILL: no shutdown, as a power failure); nothing if it is not running.
stop_vm() {
  local pid="${vm_pid[$1]:-}"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

# wait_for_line PATTERN [TIMEOUT] [FROM_LINE]: waits until the serial log has a line matching PATTERN (after line
# FROM_LINE); prints the line and leaves it in $found. Call it directly, not in $(...): a failure must end the test, not a subshell.
wait_for_line() {
  local pattern="$1" timeout="${2:-$BOOT_TIMEOUT}" from="${3:-0}" deadline line size=-1 now changed_at
  deadline=$(( $(date +%s) + timeout ))
  changed_at=$(date +%s)
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$qemu_pid" 2>/dev/null || fail "qemu exited while waiting for '$pattern'"
    line="$(tail -n +"$(( from + 1 ))" "$serial" 2>/dev/null | tr -d '\r' | grep -a -m1 -E "$pattern" || true)"
    if [ -n "$line" ]; then
      found="$line"
      say "$line"
      return 0
    fi
    now=$(date +%s)
    if [ "$(stat -c %s "$serial" 2>/dev/null || echo 0)" != "$size" ]; then
      size="$(stat -c %s "$serial" 2>/dev/null || echo 0)"
      changed_at=$now
    elif [ $(( now - changed_at )) -ge "$FIRMWARE_STALL_SECONDS" ] && firmware_stalled; then
      reset_stalled_firmware
      deadline=$(( now + timeout ))
      changed_at=$now
    fi
    sleep 2
  done
  fail "no line matching '$pattern' on the serial console within ${timeout}s"
}

# Under emulation the firmware sometimes stops in systemd-boot's countdown (the console's last words "Boot in 1 s.",
# no kernel line after them). On a server the hardware watchdog, which systemd arms for the reboot
# (RebootWatchdogSec) and a BMC keeps across the reset, restarts such a machine; qemu's i6300esb is reset with the
# machine, so the test plays that watchdog: it resets a VM whose console stood still FIRMWARE_STALL_SECONDS in the
# boot menu (at most 3 times a VM), and says so. A hang in the kernel or in userspace is not touched: it fails the test.
FIRMWARE_STALL_SECONDS="${FIRMWARE_STALL_SECONDS:-90}"
declare -A vm_firmware_resets=()
firmware_stalled() {
  local tail
  tail="$(tail -c 400 "$serial" 2>/dev/null | tr -d '\r\0')"
  grep -a -q -E 'Boot in [0-9]+ s\.' <<<"$tail" && ! grep -a -q -E 'EFI stub|Linux version' <<<"$tail"
}
reset_stalled_firmware() {
  local resets="${vm_firmware_resets[$vm]:-0}"
  [ "$resets" -lt 3 ] || fail "the firmware stalled in the boot menu $resets times"
  vm_firmware_resets[$vm]=$(( resets + 1 ))
  say "FIRMWARE STALL: the console stood still ${FIRMWARE_STALL_SECONDS}s in the boot menu; resetting the VM (as a server's hardware watchdog would)"
  qmp '{"execute":"system_reset"}' >/dev/null
}

serial_lines() { wc -l <"$serial"; }

# The management API through the forwarded port. api_token reads the token the appliance showed on its console at
# the first boot (FULCRUM-API-TOKEN), as an operator on the serial console would.
api_url() { echo "http://127.0.0.1:$MGMT_HOST_PORT$1"; }
api_token() {
  wait_for_line 'FULCRUM-API-TOKEN [A-Za-z0-9_=-]+' 60 >/dev/null
  token="$(tr -d '\r' <"$serial" | grep -a -o -m1 'FULCRUM-API-TOKEN [A-Za-z0-9_=-]*' | cut -d' ' -f2)"
  [ -n "$token" ] || fail "no API token on the console"
  vm_token[$vm]="$token"
}
api() { curl -sS --max-time 20 -H "Authorization: Bearer $token" "$@"; }

# wait_for_healthy [VERSION] [TIMEOUT]: polls GET /api/v1/health until it answers 200 (and, with the token known and
# VERSION given, names VERSION). Leaves the body in $health.
wait_for_healthy() {
  local want="${1:-}" timeout="${2:-$BOOT_TIMEOUT}" deadline code
  deadline=$(( $(date +%s) + timeout ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$qemu_pid" 2>/dev/null || fail "qemu exited while waiting for the API to answer healthy"
    if [ -n "${token:-}" ]; then
      health="$(curl -s --max-time 10 -H "Authorization: Bearer $token" -w '\n%{http_code}' "$(api_url /api/v1/health)" || true)"
    else
      health="$(curl -s --max-time 10 -w '\n%{http_code}' "$(api_url /api/v1/health)" || true)"
    fi
    code="$(tail -1 <<<"$health")"
    health="$(sed '$d' <<<"$health")"
    if [ "$code" = 200 ] && { [ -z "$want" ] || grep -q "\"version\":\"$want\"" <<<"$health"; }; then
      say "GET /api/v1/health: 200 $health"
      return 0
    fi
    sleep 3
  done
  fail "GET /api/v1/health did not answer 200${want:+ with version $want} within ${timeout}s (last: ${code:-none} $health)"
}

# check_first_boot VERSION: what an operator sees at the first boot of a freshly flashed appliance (no
# /data/fulcrum.yaml): the example configuration written and announced, GET /api/v1/health answering 200 without a
# token with the verdict alone, the token from the console, GET /api/v1/status refused without it (401) and naming
# VERSION with it, slot a running, FULCRUM-READY on the console. Call it right after start_vm; sets $boot_seconds
# (qemu start to the API answering healthy).
check_first_boot() {
  local version="$1" status_code status slots
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
  python3 -c 'import json,sys; s=json.loads(sys.argv[1])["slots"].splitlines(); sys.exit(0 if any(l.startswith("a ") and "running" in l for l in s) and any(l.startswith("b ") and "empty" in l for l in s) else 1)' "$slots" \
    || fail "GET /api/v1/upgrade does not show slot a running and slot b empty: $slots"
  grep -a -q 'FULCRUM-UPGRADE-FAILED' "$serial" && fail "an upgrade failure on the console, and no upgrade was asked for"
  grep -a -q 'no configuration found: wrote a harmless example' "$serial" || fail "first boot did not announce the example configuration"
  wait_for_line "FULCRUM-READY version=$version slot=a" 120
  say "first boot: example configuration, health without and with the token, version $version, slot a running: ${boot_seconds}s to healthy"
}

# qmp JSON...: sends each QMP command in turn and prints the replies.
qmp() {
  python3 - "$qmp_socket" "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
def call(cmd):
    f.write(json.dumps(cmd) + "\n"); f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply or "error" in reply:
            return reply
call({"execute": "qmp_capabilities"})
for arg in sys.argv[2:]:
    reply = call(json.loads(arg))
    print(json.dumps(reply))
    if "error" in reply:
        sys.exit(1)
PY
}
