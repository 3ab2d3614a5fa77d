#!/usr/bin/env bash
# Cost of each reverse-proxy function: one node, one echo backend, one route per function that
# differs from /plain only in that function, the same requests to each, interleaved by round.
#
#   bench/features.sh [--duration SECONDS] [--connections N] [--rounds N]
#
# Routes: /plain (nothing), /hit (response cache, one URL: every request after the first is a hit),
# /miss (response cache, a new URL per request: every request is a miss that is stored),
# /compressed (gzip/Brotli, client accepts them), /filtered (request filter with every built-in rule
# set), /limited (cluster-wide token bucket far above the load: the cost of asking the limiter).
# Prints a markdown table: requests/s, p50/p99 latency, and the node's CPU per request in
# microseconds (utime+stime of the node process from /proc over the run, divided by requests).
set -euo pipefail
script=features.sh help_lines=2,13p duration=8
source "$(dirname "$0")/common.sh"

dotnet "$(bin src/ClusterLB.EchoBackend ClusterLB.EchoBackend)" --name backend --urls http://127.0.0.1:5361 >"$work/backend.log" 2>&1 &
pids+=($!)
route() { # id, then extra settings
  local id=$1; shift
  echo "--ReverseProxy:Routes:$id:ClusterId=app" "--ReverseProxy:Routes:$id:Match:Path=/$id/{**rest}" "--ReverseProxy:Routes:$id:Transforms:0:PathRemovePrefix=/$id" "$@"
}
mkdir -p "$work/node"
# shellcheck disable=SC2046
(cd "$work/node" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$(bin src/ClusterLB.Node ClusterLB.Node)" \
  --ClusterLB:NodeName=features --ClusterLB:DataDirectory="$work/node/data" \
  --Urls=http://127.0.0.1:8361 --ClusterLB:AdminUrl=http://127.0.0.1:9361 --ClusterLB:Cluster:Port=0 \
  --ClusterLB:Compression:MinimumSize=512 \
  --ClusterLB:Policies:OutputCache:pages:DefaultTtl=01:00:00 --ClusterLB:Policies:OutputCache:pages:MaxBytes=268435456 \
  --ClusterLB:Policies:RequestFiltering:strict:RuleSets:0=PathTraversal --ClusterLB:Policies:RequestFiltering:strict:RuleSets:1=SqlInjection \
  --ClusterLB:Policies:RequestFiltering:strict:RuleSets:2=CrossSiteScripting --ClusterLB:Policies:RequestFiltering:strict:RuleSets:3=ShellInjection \
  --ClusterLB:Policies:RateLimiting:generous:Kind=TokenBucket --ClusterLB:Policies:RateLimiting:generous:PermitLimit=100000000 \
  --ClusterLB:Policies:RateLimiting:generous:TokensPerPeriod=100000000 --ClusterLB:Policies:RateLimiting:generous:ReplenishmentPeriod=00:00:01 \
  $(route plain) \
  $(route hit --ReverseProxy:Routes:hit:OutputCachePolicy=pages) \
  $(route miss --ReverseProxy:Routes:miss:OutputCachePolicy=pages) \
  $(route compressed --ReverseProxy:Routes:compressed:Metadata:ClusterLB.Compression=on) \
  $(route filtered --ReverseProxy:Routes:filtered:Metadata:ClusterLB.RequestFilter=strict) \
  $(route limited --ReverseProxy:Routes:limited:RateLimiterPolicy=generous) \
  --ReverseProxy:Clusters:app:Destinations:b1:Address=http://127.0.0.1:5361/) >"$work/node.log" 2>&1 &
node_pid=$!
pids+=($node_pid)
wait_http http://127.0.0.1:9361/healthz/ready
[ "$(curl -s -o /dev/null -w '%header{x-cache}' http://127.0.0.1:8361/hit/items?size=1024 && curl -s -o /dev/null -w '%header{x-cache}' 'http://127.0.0.1:8361/hit/items?size=1024')" = MISSHIT ] \
  || die "the /hit route does not cache (logs: $work)"

cat >"$work/accept.lua" <<'LUA'
wrk.headers["Accept-Encoding"] = "gzip, br"
LUA
cat >"$work/plain.lua" <<'LUA'
LUA
cat >"$work/unique.lua" <<'LUA'
-- Each thread draws its own prefix (its Lua state's table addresses differ) and numbers its
-- requests under it, so no URL repeats: every request misses.
init = function()
  prefix = string.format("%x-%d", tonumber(tostring({}):match("0x(%x+)"), 16) or 0, math.random(1, 1000000000))
  counter = 0
end
request = function()
  counter = counter + 1
  return wrk.format("GET", "/miss/items?size=1024&p=" .. prefix .. "&n=" .. counter)
end
LUA
# route:script pairs, each workload against a 1 KB echo answer
workloads="plain:plain hit:plain miss:unique compressed:accept filtered:plain limited:plain"
for w in $workloads; do wrk -t2 -c"$connections" -d2s -s "$work/${w#*:}.lua" "http://127.0.0.1:8361/${w%%:*}/items?size=1024" >/dev/null; done

declare -A rows=()
for round in $(seq 1 "$rounds"); do
  for w in $workloads; do
    name=${w%%:*}; script=${w#*:}
    row=$(measure "/$name round $round" "$work/$script.lua" "http://127.0.0.1:8361/$name/items?size=1024")
    if [ "$name" = miss ]; then # every /miss request must have missed: check with the node's counters
      hits=$(curl -s -H "Authorization: Bearer $(cat "$work/node/data/admin.token")" http://127.0.0.1:9361/admin/status | sed -E 's/.*"hits":([0-9]+).*/\1/')
      [ "$hits" = "${last_hits:-$hits}" ] || echo "  /miss round $round: $((hits - last_hits)) hits, expected none" >&2
    fi
    [ "$name" = hit ] || [ "$name" = miss ] && last_hits=$(curl -s -H "Authorization: Bearer $(cat "$work/node/data/admin.token")" http://127.0.0.1:9361/admin/status | sed -E 's/.*"hits":([0-9]+).*/\1/')
    rows[$name]+="$row"$'\n'
  done
done

echo "| route | function | requests/s | p50 ms | p99 ms | node CPU µs/request |"
echo "|---|---|---:|---:|---:|---:|"
for w in $workloads; do
  name=${w%%:*}
  case $name in
    plain) what="none (proxying)" ;; hit) what="response cache, hit" ;; miss) what="response cache, miss + store" ;;
    compressed) what="Brotli compression" ;; filtered) what="request filter, 4 rule sets" ;; limited) what="cluster-wide rate limit (not reached)" ;;
  esac
  echo "| /$name | $what | $(median_row "${rows[$name]}") |"
done
