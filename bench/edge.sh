#!/usr/bin/env bash
# Cost of the proxy's edge features: one node, one echo backend, two routes that differ only in
# their metadata: /plain (no compression, no request filter) and /edge (gzip/Brotli on, and a request
# filter with every built-in rule set, an allowed-method list and a body limit). The same requests go
# to both, interleaved, so the difference is what compression and filtering cost.
#
#   bench/edge.sh [--duration SECONDS] [--connections N] [--rounds N]
#
# Workloads: GET a 1 KB and a 32 KB JSON answer with a query of four parameters, the client accepting
# gzip and Brotli; and the same 1 KB GET without Accept-Encoding (filters alone). Each workload runs
# --rounds times on each route, alternating routes; the row with the median requests/s is shown.
# Output: a markdown table on stdout.
set -euo pipefail
script=edge.sh help_lines=2,13p duration=10
source "$(dirname "$0")/common.sh"

dotnet "$(bin src/ClusterLB.EchoBackend ClusterLB.EchoBackend)" --name backend --urls http://127.0.0.1:5351 >"$work/backend.log" 2>&1 &
pids+=($!)
mkdir -p "$work/node"
(cd "$work/node" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$(bin src/ClusterLB.Node ClusterLB.Node)" \
  --ClusterLB:NodeName=edge --ClusterLB:DataDirectory="$work/node/data" \
  --Urls=http://127.0.0.1:8351 --ClusterLB:AdminUrl=http://127.0.0.1:9351 --ClusterLB:Cluster:Port=0 \
  --ClusterLB:Compression:MinimumSize=512 \
  --ClusterLB:Policies:RequestFiltering:strict:RuleSets:0=PathTraversal --ClusterLB:Policies:RequestFiltering:strict:RuleSets:1=SqlInjection \
  --ClusterLB:Policies:RequestFiltering:strict:RuleSets:2=CrossSiteScripting --ClusterLB:Policies:RequestFiltering:strict:RuleSets:3=ShellInjection \
  --ClusterLB:Policies:RequestFiltering:strict:AllowedMethods:0=GET --ClusterLB:Policies:RequestFiltering:strict:AllowedMethods:1=POST \
  --ClusterLB:Policies:RequestFiltering:strict:MaxRequestBodySize=1048576 \
  --ReverseProxy:Routes:plain:ClusterId=app --ReverseProxy:Routes:plain:Match:Path='/plain/{**rest}' \
  --ReverseProxy:Routes:plain:Transforms:0:PathRemovePrefix=/plain \
  --ReverseProxy:Routes:edge:ClusterId=app --ReverseProxy:Routes:edge:Match:Path='/edge/{**rest}' \
  --ReverseProxy:Routes:edge:Transforms:0:PathRemovePrefix=/edge \
  --ReverseProxy:Routes:edge:Metadata:ClusterLB.Compression=on --ReverseProxy:Routes:edge:Metadata:ClusterLB.RequestFilter=strict \
  --ReverseProxy:Clusters:app:Destinations:b1:Address=http://127.0.0.1:5351/) >"$work/node.log" 2>&1 &
pids+=($!)
wait_http http://127.0.0.1:9351/healthz/ready

query="user=alice&page=3&sort=created_at&filter=status%3Aactive"
encoding=$(curl -s -o /dev/null -w '%header{content-encoding}' -H 'Accept-Encoding: gzip, br' "http://127.0.0.1:8351/edge/items?size=32768&type=json&$query")
[ "$encoding" = br ] || die "the edge route did not compress (Content-Encoding '$encoding'; logs: $work)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8351/edge/items?id=1%20UNION%20SELECT%20x")" = 403 ] || die "the edge route did not filter"

cat >"$work/accept.lua" <<'LUA'
wrk.headers["Accept-Encoding"] = "gzip, br"
done = function(summary, latency, requests)
  io.write(string.format("bytes_per_request %.0f\n", summary.bytes / math.max(summary.requests, 1)))
end
LUA
cat >"$work/plain.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("bytes_per_request %.0f\n", summary.bytes / math.max(summary.requests, 1)))
end
LUA

for route in plain edge; do wrk -t2 -c"$connections" -d3s -s "$work/accept.lua" "http://127.0.0.1:8351/$route/items?size=1024&type=json&$query" >/dev/null; done

echo "| workload | route | requests/s | p50 ms | p99 ms | bytes/response |"
echo "|---|---|---:|---:|---:|---:|"
for workload in "json1k-accept:1024:accept" "json32k-accept:32768:accept" "json1k-identity:1024:plain"; do
  IFS=: read -r name size script <<<"$workload"
  declare -A rows=()
  for round in $(seq 1 "$rounds"); do
    for route in plain edge; do
      out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/$script.lua" "http://127.0.0.1:8351/$route/items?size=$size&type=json&$query" 2>&1)
      rps=$(awk '/Requests\/sec/{printf "%.0f", $2}' <<<"$out")
      p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")"); p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
      bytes=$(awk '/bytes_per_request/{print $2}' <<<"$out")
      errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
      rows[$route]+="$rps | $p50 | $p99 | $bytes"$'\n'
      [ -n "$errors" ] && echo "  $route $name round $round: $errors" >&2
    done
  done
  for route in plain edge; do
    median=$(printf '%s' "${rows[$route]}" | sort -t'|' -k1,1n | sed -n "$(( (rounds + 1) / 2 ))p")
    echo "| $name | /$route | $median |"
  done
  unset rows
done
