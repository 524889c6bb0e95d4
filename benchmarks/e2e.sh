#!/usr/bin/env bash
# End-to-end packet-rate benchmark: trafgen -> balancer (one arm) -> sink, through Fulcrum on AF_XDP, Fulcrum on
# AF_PACKET, kernel forwarding + nftables DNAT, and a bare XDP redirect (the ceiling). Needs root.
# Usage: sudo benchmarks/e2e.sh [--rounds 3] [--window 5] [--warmup 3] [--modes spread,one-core] [--help]
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"

if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: needs root (network namespaces, XDP, raw sockets): sudo $0 $*" >&2
  exit 1
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then JAVA_HOME="$candidate"; break; fi
  done
fi
export JAVA_HOME

# trafgen (netsniff-ng), nft, ethtool
"$here/.ci/install-packages"

# The harness jar and the lab jar the launcher runs (with the daemon's fulcrum.jar), rebuilt when sources are newer.
jar="$here/benchmarks/target/benchmarks.jar"
cli="$here/controlplane/lab/target/fulcrum-lab.jar"
if [ ! -f "$jar" ] || [ ! -f "$cli" ] || [ -n "$(find "$here" -path "$here/*/target" -prune -o \( -name '*.java' -o -name 'pom.xml' \) -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "e2e: building..." >&2
  (cd "$here" && ./mvnw -q -B -ntp -DskipTests -pl benchmarks -am package) >&2
  touch "$jar"
fi
# The fulcrum launcher rebuilds when any source is newer than its jar; the build above is current, so say so
# (otherwise every Fulcrum scenario would start with a Maven run on the CPUs being measured).
touch "$cli"

exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$jar" io.fulcrum.benchmarks.e2e.PacketRateHarness --fulcrum "$here/fulcrum" "$@"
