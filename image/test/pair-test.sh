#!/usr/bin/env bash
# Pair test: two appliances flashed from one image, each seeded (image/seed-data.sh) with the operator's files of
# docs/operations.md: /data/fulcrum.yaml (the example's data plane, service and pool, plus a vrrp: instance on eth1
# and a sync: section), /data/sync.key (the same key on both) and /data/network/ (each box's own address on the
# VRRP link eth1 and on the sync link eth2). Two qemu VMs (TCG, UEFI) joined by two point-to-point links (unix
# datagram sockets: eth1 to eth1, eth2 to eth2); management on each VM's own user-mode eth0, its API forwarded to
# a loopback port. Through each API (token from each console): lb1 (priority 150) is MASTER and lb2 BACKUP of VRID
# 51, and the sync link is up (lb1 completed a resync for lb2's authenticated session; nothing refused). Then lb1's
# qemu is killed (a power failure) and lb2 must report MASTER within FAILOVER_TIMEOUT (default 60 s), its sync
# following it. Prints boot-to-healthy, pair formation and failover times.
# Env: FULCRUM_REUSE_IMAGE=1 boots an existing image/target/fulcrum-VERSION.raw; BOOT_TIMEOUT (default 300 s);
# VM_SMP vCPUs per VM (default 2).
source "$(dirname "$0")/lib.sh"
version="${FULCRUM_TEST_VERSION:-0.1.0-boottest}"
FAILOVER_TIMEOUT="${FAILOVER_TIMEOUT:-60}"
PAIR_TIMEOUT="${PAIR_TIMEOUT:-180}"

raw="$(build_image "$version")"
say "image: $raw"

# What an operator writes for each box (docs/operations.md, "Pair two appliances"), then seeds into its copy.
openssl rand -hex 32 >"$work/sync.key"
seed() { # NAME PRIORITY OWN-NUMBER PEER-NUMBER
  local dir="$work/seed-$1"
  mkdir -p "$dir/network"
  { sed -e 's/@INTERFACE@/eth1/' -e '/^# /d' "$image_dir/rootfs/usr/share/fulcrum/example.yaml"
    cat <<YAML

vrrp:
  - { name: VI_4, interface: eth1, vrid: 51, priority: $2, advert-interval: 1s,
      virtual-addresses: ["192.0.2.10/32"] }

sync:
  local: "10.200.9.$3:7946"
  peer: "10.200.9.$4:7946"
  key-file: /data/sync.key
YAML
  } >"$dir/fulcrum.yaml"
  install -m 600 "$work/sync.key" "$dir/sync.key"
  printf '[Match]\nName=eth1\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nAddress=10.200.1.%s/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nConfigureWithoutCarrier=yes\n' \
    "$3" >"$dir/network/15-vrrp.network"
  printf '[Match]\nName=eth2\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nAddress=10.200.9.%s/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nConfigureWithoutCarrier=yes\n' \
    "$3" >"$dir/network/16-sync.network"
  cp --sparse=always "$raw" "$work/$1.raw"
  "$image_dir/seed-data.sh" "$work/$1.raw" "$dir" >&2
}
seed lb1 150 1 2
seed lb2 100 2 1

# The two links, point to point: each VM's end is a unix datagram socket sending to the other's.
links() { # OWN PEER NUMBER
  local link
  for link in vrrp sync; do
    printf -- '-netdev\ndgram,id=%s,local.type=unix,local.path=%s,remote.type=unix,remote.path=%s\n' \
      "$link" "$work/$link-$1.sock" "$work/$link-$2.sock"
    printf -- '-device\nvirtio-net-pci,netdev=%s,mac=52:54:00:f1:%02x:%02x\n' "$link" "$([ $link = vrrp ] && echo 1 || echo 2)" "$3"
  done
}
mapfile -t lb1_nics < <(links lb1 lb2 1)
mapfile -t lb2_nics < <(links lb2 lb1 2)
started=$(date +%s)
start_vm "$work/lb1.raw" lb1 "${lb1_nics[@]}"
start_vm "$work/lb2.raw" lb2 "${lb2_nics[@]}"
vm=""
say "lb1 API on 127.0.0.1:${vm_port[lb1]}, lb2 API on 127.0.0.1:${vm_port[lb2]} (VM_SMP=$VM_SMP)"

declare -a healthy_at
for name in lb1 lb2; do
  use_vm "$name"
  wait_for_healthy
  api_token
  wait_for_healthy "$version" 60
  healthy_at[${name#lb}]=$(date +%s)
  say "healthy $(( $(date +%s) - vm_started ))s after qemu started"
  grep -a -q 'fulcrum: network: /data/network/16-sync.network' "$serial" || fail "$name did not take /data/network"
  grep -a -q 'no configuration found' "$serial" && fail "$name wrote the example configuration over the seeded one"
done
vm=""

# vrrp_state NAME: the state of VRID 51 in NAME's GET /api/v1/vrrp (or "none").
vrrp_state() {
  use_vm "$1"
  python3 -c 'import json,sys
try: v=json.loads(sys.argv[1])
except ValueError: v=[]
print(next((i["state"] for i in v if i.get("vrid")==51), "none"))' "$(api --max-time 5 "$(api_url /api/v1/vrrp)" 2>/dev/null || true)"
}
# sync_field NAME FIELD: a field of the sync object in NAME's GET /api/v1/status.
sync_field() {
  use_vm "$1"
  python3 -c 'import json,sys
try: print(json.loads(sys.argv[1])["sync"][sys.argv[2]])
except (ValueError, KeyError): print("none")' "$(api --max-time 5 "$(api_url /api/v1/status)" 2>/dev/null || true)" "$2"
}

deadline=$(( $(date +%s) + PAIR_TIMEOUT ))
while :; do
  s1="$(vrrp_state lb1)"; s2="$(vrrp_state lb2)"
  r1="$(sync_field lb1 resyncs)"
  [ "$s1" = master ] && [ "$s2" = backup ] && [ "$r1" != none ] && [ "$r1" -ge 1 ] && break
  [ "$(date +%s)" -lt "$deadline" ] || fail "no pair within ${PAIR_TIMEOUT}s of both being healthy: lb1 $s1 (sync resyncs $r1), lb2 $s2"
  sleep 1
done
vm=""
paired_at=$(date +%s)
say "pair formed: lb1 master, lb2 backup of VRID 51, sync resync done; $(( paired_at - started ))s after both qemu started, $(( paired_at - healthy_at[2] ))s after the second was healthy"
for name in lb1 lb2; do
  use_vm "$name"
  say "GET /api/v1/vrrp: $(api "$(api_url /api/v1/vrrp)")"
  status="$(api "$(api_url /api/v1/status)")"
  say "GET /api/v1/status: $status"
  python3 - "$status" "$name" <<'PY' || fail "$name: sync is not as a paired $name's should be: $status"
import json, sys
sync = json.loads(sys.argv[1])["sync"]
want = {"lb1": ("master", "10.200.9.2:7946"), "lb2": ("backup", "10.200.9.1:7946")}[sys.argv[2]]
sys.exit(0 if sync["enabled"] and (sync["role"], sync["peer"]) == want and sync["refused"] == 0 else 1)
PY
done
vm=""

# lb1 loses power: lb2 takes over after Master_Down_Interval (3 x 1 s + skew) plus whatever emulation adds.
stop_vm lb1
killed_at=$(date +%s%N)
say "lb1 killed (qemu SIGKILL)"
deadline=$(( $(date +%s) + FAILOVER_TIMEOUT ))
while [ "$(vrrp_state lb2)" != master ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "lb2 did not become master within ${FAILOVER_TIMEOUT}s of lb1's death (state $(vrrp_state lb2))"
  sleep 0.2
done
failover_ms=$(( ($(date +%s%N) - killed_at) / 1000000 ))
say "lb2 master ${failover_ms} ms after lb1 was killed (as seen through its API, polled every 0.2 s)"
deadline=$(( $(date +%s) + 30 ))
until [ "$(sync_field lb2 role)" = master ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "lb2's sync did not follow it to master: $(sync_field lb2 role)"
  sleep 1
done
use_vm lb2
wait_for_healthy "$version" 60
say "PASS: pair formed $(( paired_at - started ))s from qemu start (lb1 healthy $(( healthy_at[1] - started ))s, lb2 $(( healthy_at[2] - started ))s), failover ${failover_ms} ms (qemu TCG, -smp $VM_SMP per VM, no KVM); total $(( $(date +%s) - test_started ))s"
