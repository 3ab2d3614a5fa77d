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
root=$(cd "$(dirname "$0")/.." && pwd)
duration=8 connections=32 rounds=3
die() { echo "bench/features.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--duration needs whole seconds"; duration=$2; shift ;;
    --connections) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--connections needs a number"; connections=$2; shift ;;
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a number"; rounds=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
command -v wrk >/dev/null || die "needs wrk (apt-get install wrk)"

work=$(mktemp -d "${TMPDIR:-/tmp}/clusterlb-features.XXXXXX")
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build "$root/src/ClusterLB.Node" -c Release -nologo -v quiet >/dev/null
dotnet build "$root/src/ClusterLB.EchoBackend" -c Release -nologo -v quiet >/dev/null
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; die "$1 did not come up (logs: $work)"; }

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
-- Every thread numbers its own requests under its own id, so no URL repeats: every request misses.
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
init = function() id = wrk.thread:get("id"); counter = 0 end
request = function()
  counter = counter + 1
  return wrk.format("GET", "/miss/items?size=1024&t=" .. id .. "&n=" .. counter)
end
LUA
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else if (v ~ /s$/) print v*1000; else print v }'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$node_pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# route:script pairs, each workload against a 1 KB echo answer
workloads="plain:plain hit:plain miss:unique compressed:accept filtered:plain limited:plain"
for w in $workloads; do wrk -t2 -c"$connections" -d2s -s "$work/${w#*:}.lua" "http://127.0.0.1:8361/${w%%:*}/items?size=1024" >/dev/null; done

declare -A rows=()
for round in $(seq 1 "$rounds"); do
  for w in $workloads; do
    name=${w%%:*}; script=${w#*:}
    before=$(cpu_ticks)
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/$script.lua" "http://127.0.0.1:8361/$name/items?size=1024" 2>&1)
    after=$(cpu_ticks)
    requests=$(awk '/requests in/{print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/{printf "%.0f", $2}' <<<"$out")
    p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")"); p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
    cpu_us=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -n "$errors" ] && echo "  /$name round $round: $errors" >&2
    rows[$name]+="$rps | $p50 | $p99 | $cpu_us"$'\n'
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
  median=$(printf '%s' "${rows[$name]}" | sort -t'|' -k1,1n | sed -n "$(( (rounds + 1) / 2 ))p")
  echo "| /$name | $what | $median |"
done
