#!/usr/bin/env bash
# Cost of retries when nothing fails: one node, one echo backend behind two destinations, the same
# requests to clusters that differ only in their retry metadata, interleaved by round.
#
#   bench/retries.sh [--duration SECONDS] [--connections N] [--rounds N]
#
# Routes: /off (ClusterLB.Retry.Attempts=0), /on (the defaults: connect failures and resets, 2 attempts),
# /status (also 502 and 503: the response transform that holds such answers back runs on every answer),
# each with GET; /put-off and /put-on send PUT with a 1 KiB body (kept in memory for a retry when on).
# Prints a markdown table: requests/s, p50/p99 latency, and the node's CPU per request in
# microseconds (utime+stime of the node process from /proc over the run, divided by requests).
set -euo pipefail
script=retries.sh help_lines=2,12p duration=8
source "$(dirname "$0")/common.sh"

dotnet "$(bin src/ClusterLB.EchoBackend ClusterLB.EchoBackend)" --name backend --urls http://127.0.0.1:5371 >"$work/backend.log" 2>&1 &
pids+=($!)
cluster() { # id, then retry metadata as key=value
  local id=$1; shift
  echo "--ReverseProxy:Clusters:$id:Destinations:d1:Address=http://127.0.0.1:5371/" "--ReverseProxy:Clusters:$id:Destinations:d2:Address=http://127.0.0.1:5371/"
  for kv in "$@"; do echo "--ReverseProxy:Clusters:$id:Metadata:ClusterLB.Retry.$kv"; done
}
route() { # id, cluster
  echo "--ReverseProxy:Routes:$1:ClusterId=$2" "--ReverseProxy:Routes:$1:Match:Path=/$1/{**rest}" "--ReverseProxy:Routes:$1:Transforms:0:PathRemovePrefix=/$1"
}
mkdir -p "$work/node"
# shellcheck disable=SC2046
(cd "$work/node" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$(bin src/ClusterLB.Node ClusterLB.Node)" \
  --ClusterLB:NodeName=retries --ClusterLB:DataDirectory="$work/node/data" \
  --Urls=http://127.0.0.1:8371 --ClusterLB:AdminUrl=http://127.0.0.1:9371 --ClusterLB:Cluster:Port=0 \
  $(cluster off Attempts=0) $(cluster on) $(cluster status On=connect-failure,reset,502,503) \
  $(route off off) $(route on on) $(route status status) $(route put-off off) $(route put-on on)) >"$work/node.log" 2>&1 &
node_pid=$!
pids+=($node_pid)
wait_http http://127.0.0.1:9371/healthz/ready

cat >"$work/get.lua" <<'LUA'
LUA
cat >"$work/put.lua" <<'LUA'
wrk.method = "PUT"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
workloads="off:get on:get status:get put-off:put put-on:put"
for w in $workloads; do wrk -t2 -c"$connections" -d2s -s "$work/${w#*:}.lua" "http://127.0.0.1:8371/${w%%:*}/items?size=1024" >/dev/null; done

declare -A rows=()
for round in $(seq 1 "$rounds"); do
  for w in $workloads; do
    name=${w%%:*}; lua=${w#*:}
    rows[$name]+="$(measure "/$name round $round" "$work/$lua.lua" "http://127.0.0.1:8371/$name/items?size=1024")"$'\n'
  done
done

# Nothing failed, so nothing may have been retried.
status=$(curl -s -H "Authorization: Bearer $(cat "$work/node/data/admin.token")" http://127.0.0.1:9371/admin/status)
grep -q '"retried":[1-9]' <<<"$status" && echo "  retries happened: $status" >&2

echo "| route | retries | requests/s | p50 ms | p99 ms | node CPU µs/request |"
echo "|---|---|---:|---:|---:|---:|"
for w in $workloads; do
  name=${w%%:*}
  case $name in
    off) what="GET, off (Attempts=0)" ;; on) what="GET, defaults" ;; status) what="GET, also on 502/503" ;;
    put-off) what="PUT 1 KiB, off" ;; put-on) what="PUT 1 KiB, defaults (body kept)" ;;
  esac
  echo "| /$name | $what | $(median_row "${rows[$name]}") |"
done
