#!/usr/bin/env bash
# Replication and failover timings on a real 3-node cluster on loopback (see docs/benchmarks.md).
# Usage: bench/cluster-timings.sh [rounds] [overrides] [destinations]
#   overrides: also measure N replicated affinity overrides (needs dotnet-gcdump, installed from the NuGet feed into bench/.tools)
#   destinations: how many destinations to put under 1 s active health checks (default 1000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-100}
overrides=${2:-0}
destinations=${3:-1000}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "cluster-timings.sh: rounds must be a positive number, got '$rounds'" >&2; exit 2; }
[[ "$overrides" =~ ^[0-9]+$ ]] || { echo "cluster-timings.sh: overrides must be a number, got '$overrides'" >&2; exit 2; }
[[ "$destinations" =~ ^[1-9][0-9]*$ ]] || { echo "cluster-timings.sh: destinations must be a positive number, got '$destinations'" >&2; exit 2; }
export CLUSTERLB_RUN_DIR=$(mktemp -d /tmp/clusterlb-timings.XXXXXX)
trap '"$root/deploy/local/cluster.sh" down >/dev/null 2>&1 || true' EXIT INT TERM
if [ "$overrides" -gt 0 ] && ! command -v wrk >/dev/null; then   # load for the override measurement, from Debian
  [ "$(id -u)" = 0 ] && sudo="" || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [ "$overrides" -gt 0 ]; then   # the managed heap per override is read with dotnet-gcdump
  export CLUSTERLB_GCDUMP="$root/bench/.tools/dotnet-gcdump"
  [ -x "$CLUSTERLB_GCDUMP" ] || dotnet tool install --tool-path "$root/bench/.tools" dotnet-gcdump --version 10.0.750501 >/dev/null
fi
# Room above N, so that the shards do not start evicting before N are held.
[ "$overrides" -gt 0 ] && export ClusterLB__Affinity__MaxOverrides=$((overrides * 13 / 10)) || true

dotnet build "$root/ClusterLB.sln" -c Release -nologo -v quiet >/dev/null
"$root/deploy/local/cluster.sh" up 3 >/dev/null
for n in 1 2 3; do
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:909$n/healthz/ready" >/dev/null && break; sleep 0.3; done
done
dotnet "$root/bench/ClusterTimings/bin/Release/net10.0/ClusterTimings.dll" "$CLUSTERLB_RUN_DIR" "$rounds" "$overrides" "$destinations"
