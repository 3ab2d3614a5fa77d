#!/usr/bin/env bash
# Cost of metrics: two nodes, the same echo backend and route, one with ClusterLB:Metrics:Enabled=true
# (OpenTelemetry collecting every instrument, scraped at /metrics every 5 s as Prometheus would) and
# one with it off; the same wrk load against each, interleaved by round.
#
#   bench/metrics.sh [--duration SECONDS] [--connections N] [--rounds N]
#
# Prints a markdown table: requests/s, p50/p99 latency and the node's CPU per request in microseconds
# (utime+stime of the node process from /proc over the run, divided by requests), median of the rounds.
set -euo pipefail
script=metrics.sh help_lines=2,10p duration=8
source "$(dirname "$0")/common.sh"

dotnet "$(bin src/ClusterLB.EchoBackend ClusterLB.EchoBackend)" --name backend --urls http://127.0.0.1:5381 >"$work/backend.log" 2>&1 &
pids+=($!)
start_node() { # name, proxy port, admin port, metrics on|off
  mkdir -p "$work/$1"
  (cd "$work/$1" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$(bin src/ClusterLB.Node ClusterLB.Node)" \
    --ClusterLB:NodeName="$1" --ClusterLB:DataDirectory="$work/$1/data" --ClusterLB:Metrics:Enabled="$4" \
    --Urls=http://127.0.0.1:"$2" --ClusterLB:AdminUrl=http://127.0.0.1:"$3" --ClusterLB:Cluster:Port=0 \
    --ReverseProxy:Clusters:c:Destinations:d:Address=http://127.0.0.1:5381/ \
    --ReverseProxy:Routes:r:ClusterId=c "--ReverseProxy:Routes:r:Match:Path={**rest}") >"$work/$1.log" 2>&1 &
  echo $!
}
on_pid=$(start_node on 8381 9381 true); pids+=("$on_pid")
off_pid=$(start_node off 8382 9382 false); pids+=("$off_pid")
wait_http http://127.0.0.1:9381/healthz/ready
wait_http http://127.0.0.1:9382/healthz/ready
token=$(cat "$work/on/data/admin.token")
curl -sf -o /dev/null -H "Authorization: Bearer $token" http://127.0.0.1:9381/metrics || die "no /metrics on the node with metrics on"
(while sleep 5; do curl -s -o /dev/null -H "Authorization: Bearer $token" http://127.0.0.1:9381/metrics; done) &
pids+=($!)

cat >"$work/get.lua" <<'LUA'
LUA
for port in 8381 8382; do wrk -t2 -c"$connections" -d2s "http://127.0.0.1:$port/items?size=1024" >/dev/null; done

declare -A rows=()
for round in $(seq 1 "$rounds"); do
  for target in on off; do
    if [ "$target" = on ]; then node_pid=$on_pid port=8381; else node_pid=$off_pid port=8382; fi
    rows[$target]+="$(measure "metrics $target round $round" "$work/get.lua" "http://127.0.0.1:$port/items?size=1024")"$'\n'
  done
done

echo "| metrics | requests/s | p50 ms | p99 ms | node CPU µs/request |"
echo "|---|---:|---:|---:|---:|"
for target in on off; do echo "| $target | $(median_row "${rows[$target]}") |"; done
