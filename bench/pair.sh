#!/usr/bin/env bash
# Before/after for one change: the node built from another source tree (A, e.g. a worktree of main)
# against the node of this tree (B), both running at once over the same nginx backends, measured in
# alternating pairs so that the machine's drift hits both alike.
#
#   bench/pair.sh OTHER_TREE [--rounds N] [--duration SECONDS] [--rate REQUESTS_PER_SECOND]
#
# Each round runs wrk -t2 -c64 GET 1 KB against A and B in turn, A first in odd rounds (with --rate:
# hey at that fixed rate, 30 connections). Per run: requests/s, CPU µs per request (utime+stime from /proc), p99, and bytes
# allocated per request (the runtime's allocation counter on /metrics; the steadiest number here).
# Both nodes run ClusterLB's defaults: one node, SQLite, metrics on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench/pair.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "needs the other source tree (see --help)"
case "$1" in -h|--help) sed -n '2,11p' "$0"; exit 0 ;; esac
other=$(cd "$1" 2>/dev/null && pwd) || die "no such directory '$1'"
[ -f "$other/src/ClusterLB.Node/ClusterLB.Node.csproj" ] || die "'$1' is not a ClusterLB source tree"
shift
rounds=6 duration=6 rate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a whole number above 0, got '${2:-}'"; rounds=$2; shift ;;
    --duration) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--duration needs whole seconds above 0, got '${2:-}'"; duration=$2; shift ;;
    --rate) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] && [ "$2" -ge 100 ] && [ "$2" -le 100000 ] || die "--rate must be 100-100000 requests/s, got '${2:-}'"; rate=$2; shift ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
for tool in wrk hey nginx; do command -v $tool >/dev/null || die "needs $tool (apt-get install wrk hey nginx-light)"; done

work=$(mktemp -d /tmp/clusterlb-pair.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/backend-nginx.pid" ] && kill "$(cat "$work/backend-nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
cleanup_keep() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; [ -f "$work/backend-nginx.pid" ] && kill "$(cat "$work/backend-nginx.pid")" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

for tree in "$other" "$root"; do
  dotnet build "$tree/src/ClusterLB.Node" -c Release -nologo -v quiet >"$work/build.log" 2>&1 || die "$tree does not build: $(grep -m1 -E 'error|NU1301' "$work/build.log")"
done
chmod 755 "$work"; mkdir -p "$work/static" # nginx workers read it as an unprivileged user
head -c 1024 /dev/zero | tr '\0' x >"$work/static/1024"
sed "s|@WORK@|$work|g" "$root/bench/backend-nginx.conf" >"$work/backend.conf"
nginx -c "$work/backend.conf" -p "$work" -g "pid $work/backend-nginx.pid;"

args=(--ReverseProxy:Routes:all:ClusterId=app "--ReverseProxy:Routes:all:Match:Path={**rest}" --ReverseProxy:Clusters:app:LoadBalancingPolicy=RoundRobin)
for j in 1 2 3; do args+=("--ReverseProxy:Clusters:app:Destinations:b$j:Address=http://127.0.0.1:$((5300 + j))/"); done
start() { # name, tree, proxy port, admin port
  mkdir -p "$work/$1"
  (cd "$work/$1" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$2/src/ClusterLB.Node/bin/Release/net10.0/ClusterLB.Node.dll" \
    "${args[@]}" --ClusterLB:NodeName="$1" --ClusterLB:DataDirectory="$work/$1/data" \
    --Urls="http://127.0.0.1:$3" --ClusterLB:AdminUrl="http://127.0.0.1:$4" --ClusterLB:Cluster:Port=0) >"$work/$1.log" 2>&1 &
  pids+=($!); echo $! >"$work/$1.pid"
}
start A "$other" 8421 9421
start B "$root" 8422 9422
for url in http://127.0.0.1:5301/?size=1024 http://127.0.0.1:9421/healthz/ready http://127.0.0.1:9422/healthz/ready; do
  up=0
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$url" && { up=1; break; }; sleep 0.1; done
  [ $up = 1 ] || { trap - EXIT; cleanup_keep; die "$url did not come up (logs: $work)"; }
done
for port in 8421 8422; do wrk -t2 -c64 -d15s "http://127.0.0.1:$port/?size=1024" >/dev/null; done # JIT and connection pools

ticks() { awk '{print $14 + $15}' "/proc/$(cat "$work/$1.pid")/stat"; }
allocated() { # prints nothing when /metrics cannot be read; that run's B/req is then nan
  { curl -sf -H "Authorization: Bearer $(cat "$work/$1/data/admin.token")" "http://127.0.0.1:$2/metrics" || true; } |
    awk '/^dotnet_gc_heap_total_allocated_bytes_total/{print $2}'
}
clk=$(getconf CLK_TCK)
echo -e "round\tbuild\treq/s\tCPU µs/req\tp99 ms\tB/req"
for r in $(seq 1 "$rounds"); do
  for n in $([ $((r % 2)) = 1 ] && echo A B || echo B A); do # who goes first alternates too
    port=$([ $n = A ] && echo 8421 || echo 8422); admin=$((port + 1000))
    m0=$(allocated $n $admin); t0=$(ticks $n)
    if [ -n "$rate" ]; then
      hey -z "${duration}s" -c 30 -q $((rate / 30)) -o csv "http://127.0.0.1:$port/?size=1024" >"$work/hey.csv" 2>/dev/null || true
      t1=$(ticks $n); m1=$(allocated $n $admin)
      total=$(awk -F, 'NR > 1 && $7 == 200' "$work/hey.csv" | wc -l)
      p99=$(awk -F, 'NR > 1 && $7 == 200 { print $1 * 1000 }' "$work/hey.csv" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", v[int(NR * 0.99)] }')
    else
      out=$(wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port/?size=1024")
      t1=$(ticks $n); m1=$(allocated $n $admin)
      total=$(awk '/requests in/{print $1}' <<<"$out")
      p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else v = v * 1000; printf "%.2f", v }' <<<"$out")
    fi
    awk -v r="$r" -v n=$n -v total="$total" -v d="$duration" -v t=$((t1 - t0)) -v k="$clk" -v p99="$p99" -v m0="$m0" -v m1="$m1" \
      'BEGIN { printf "%s\t%s\t%.0f\t%.1f\t%s\t%s\n", r, n, total / d, t / k * 1e6 / total, p99, (m0 == "" || m1 == "") ? "nan" : sprintf("%.0f", (m1 - m0) / total) }'
  done
done | tee "$work/rows.tsv"
for n in A B; do
  awk -F'\t' -v n=$n '$2 == n' "$work/rows.tsv" | /usr/bin/python3 -c '
import sys, statistics as s
rows = [l.rstrip("\n").split("\t") for l in sys.stdin]
col = lambda i: [float(r[i]) for r in rows]
print(sys.argv[1], "medians: %.0f req/s (%.0f-%.0f), %.1f µs CPU/request (%.1f-%.1f), p99 %.2f ms, %.0f B/request" % (
    s.median(col(2)), min(col(2)), max(col(2)), s.median(col(3)), min(col(3)), max(col(3)), s.median(col(4)), s.median(col(5))))' \
    "$([ $n = A ] && echo "A ($other)" || echo "B ($root)")"
done
