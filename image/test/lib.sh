# Shared by boot-test.sh and upgrade-test.sh: one appliance under qemu (TCG, q35, OVMF), its serial console in a
# file, QMP on a unix socket, management port forwarded to the host's loopback.
set -euo pipefail
test_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image_dir="$(cd "$test_dir/.." && pwd)"
repo_dir="$(cd "$image_dir/.." && pwd)"
OVMF_CODE="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
OVMF_VARS="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"
BOOT_TIMEOUT="${BOOT_TIMEOUT:-300}"
# The management API's port in the guest (issue 4); forwarded to 127.0.0.1:$MGMT_HOST_PORT.
MGMT_GUEST_PORT="${MGMT_GUEST_PORT:-8080}"
MGMT_HOST_PORT="${MGMT_HOST_PORT:-$(( 20000 + RANDOM % 20000 ))}"

work="$(mktemp -d /tmp/fulcrum-image-test.XXXXXX)"
serial="$work/serial.log"
qmp_socket="$work/qmp.sock"
qemu_pid=""
test_started=$(date +%s)

say() { echo "$(basename "$0"): [$(( $(date +%s) - test_started ))s] $*"; }

cleanup() {
  local rc=$?
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -f "$serial" ]; then
    echo "---- serial console (last 150 lines) ----"
    tail -n 150 "$serial" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
    echo "---- end of serial console; full log kept in $work ----"
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

# start_vm DISK: boots DISK (a copy: the test writes to it). A plain CPU model on purpose: with -cpu max, TCG
# advertises AVX2 and more, which the guest's JVM then uses under emulation; boot to healthy took 83-119 s with
# it and 65-75 s with Nehalem (docs/benchmarks.md). RDRAND and a virtio RNG fed from the host seed the guest's
# random pool at once, as a real server's CPU does: without them udev's getrandom() spun on jitter entropy under
# emulation until the kernel reported RCU stalls and the boot never finished (a CI run on a loaded machine).
start_vm() {
  local disk="$1"
  cp "$OVMF_VARS" "$work/vars.fd"
  qemu-system-x86_64 -machine q35 -accel tcg -cpu Nehalem,+rdrand -smp 2 -m 1536 \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
    -drive file="$disk",format=raw,if=none,id=disk0,cache=unsafe -device virtio-blk-pci,drive=disk0,bootindex=1 \
    -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:"$MGMT_HOST_PORT"-:"$MGMT_GUEST_PORT" \
    -nic user,model=virtio-net-pci,restrict=on \
    -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0 \
    -device qemu-xhci,id=xhci \
    -display none -monitor none -serial file:"$serial" \
    -qmp unix:"$qmp_socket",server=on,wait=off &
  qemu_pid=$!
  vm_started=$(date +%s)
}

# wait_for_line PATTERN [TIMEOUT] [FROM_LINE]: waits until the serial log has a line matching PATTERN (after line
# FROM_LINE); prints the line and leaves it in $found. Call it directly, not in $(...): a failure must end the test, not a subshell.
wait_for_line() {
  local pattern="$1" timeout="${2:-$BOOT_TIMEOUT}" from="${3:-0}" deadline line
  deadline=$(( $(date +%s) + timeout ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$qemu_pid" 2>/dev/null || fail "qemu exited while waiting for '$pattern'"
    line="$(tail -n +"$(( from + 1 ))" "$serial" 2>/dev/null | tr -d '\r' | grep -a -m1 -E "$pattern" || true)"
    if [ -n "$line" ]; then
      found="$line"
      say "$line"
      return 0
    fi
    sleep 2
  done
  fail "no line matching '$pattern' on the serial console within ${timeout}s"
}

serial_lines() { wc -l <"$serial"; }

# The management API through the forwarded port. api_token reads the token the appliance showed on its console at
# the first boot (FULCRUM-API-TOKEN), as an operator on the serial console would.
api_url() { echo "http://127.0.0.1:$MGMT_HOST_PORT$1"; }
api_token() {
  wait_for_line 'FULCRUM-API-TOKEN [A-Za-z0-9_=-]+' 60 >/dev/null
  token="$(tr -d '\r' <"$serial" | grep -a -o -m1 'FULCRUM-API-TOKEN [A-Za-z0-9_=-]*' | cut -d' ' -f2)"
  [ -n "$token" ] || fail "no API token on the console"
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
