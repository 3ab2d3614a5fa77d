#!/usr/bin/env bash
# Idle connections against one ClusterLB node on loopback (see docs/benchmarks.md): the node's memory
# with N idle connections open, how many it keeps, and the latency another client sees meanwhile.
#
#   bench/idle-connections.sh [connections] [tcp|http] [node settings...]
#
# tcp: connections that never send a byte; http: one request each, then idle keep-alive.
# Node settings are passed on, e.g. --Kestrel:Limits:MaxConcurrentConnections=5000.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
connections=${1:-10000}
mode=${2:-tcp}
shift $(( $# > 2 ? 2 : $# ))
[[ "$connections" =~ ^[1-9][0-9]*$ ]] || { echo "idle-connections.sh: connections must be a positive number, got '$connections'" >&2; exit 2; }
[[ "$mode" =~ ^(tcp|http)$ ]] || { echo "idle-connections.sh: mode must be tcp or http, got '$mode'" >&2; exit 2; }

# One descriptor per connection on each side, plus the runtime's own.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((connections + 1000)) ]; then
  echo "idle-connections.sh: the open-file limit is $(ulimit -n); $connections connections need $((connections + 1000))" >&2
  exit 2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/clusterlb-idle.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build "$root/ClusterLB.sln" -c Release -nologo -v quiet >/dev/null
backend=$(free_port) proxy=$(free_port) admin=$(free_port)
dotnet "$root/src/ClusterLB.EchoBackend/bin/Release/net10.0/ClusterLB.EchoBackend.dll" --name alpha --urls "http://127.0.0.1:$backend" >"$work/backend.log" 2>&1 &
pids+=($!)
(cd "$work" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  dotnet "$root/src/ClusterLB.Node/bin/Release/net10.0/ClusterLB.Node.dll" \
  --ClusterLB:DataDirectory="$work/data" --Urls="http://127.0.0.1:$proxy" \
  --ClusterLB:AdminUrl="http://127.0.0.1:$admin" --ClusterLB:Cluster:Port=0 \
  --ReverseProxy:Routes:all:ClusterId=app --ReverseProxy:Routes:all:Match:Path='/{**rest}' \
  --ReverseProxy:Clusters:app:Destinations:alpha:Address="http://127.0.0.1:$backend/" "$@") >"$work/node.log" 2>&1 &
node=$!
pids+=($node)
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$admin/healthz/ready" >/dev/null && break; sleep 0.3; done
curl -sf "http://127.0.0.1:$admin/healthz/ready" >/dev/null || { echo "idle-connections.sh: the node did not get ready" >&2; cat "$work/node.log" >&2; exit 1; }

dotnet "$root/bench/IdleConnections/bin/Release/net10.0/IdleConnections.dll" "http://127.0.0.1:$proxy" "$node" "$connections" "$mode"
