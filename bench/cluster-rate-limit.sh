#!/usr/bin/env bash
# How closely three nodes keep one cluster-wide rate limit: even load, all load moved to one node, a node
# killed mid-run (see docs/benchmarks.md). Usage: bench/cluster-rate-limit.sh [limit per second]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
limit=${1:-200}
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || { echo "cluster-rate-limit.sh: limit must be a positive number, got '$limit'" >&2; exit 2; }
export CLUSTERLB_RUN_DIR=$(mktemp -d /tmp/clusterlb-rate-limit.XXXXXX)
trap '"$root/deploy/local/cluster.sh" down >/dev/null 2>&1 || true' EXIT INT TERM

dotnet build "$root/src/ClusterLB.Node" -c Release -nologo -v quiet >/dev/null
dotnet build "$root/src/ClusterLB.EchoBackend" -c Release -nologo -v quiet >/dev/null
dotnet build "$root/bench/ClusterRateLimit" -c Release -nologo -v quiet >/dev/null
"$root/deploy/local/cluster.sh" up 3 >/dev/null
for n in 1 2 3; do
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:909$n/healthz/ready" >/dev/null && break; sleep 0.3; done
done
dotnet "$root/bench/ClusterRateLimit/bin/Release/net10.0/ClusterRateLimit.dll" "$CLUSTERLB_RUN_DIR" "$limit"
