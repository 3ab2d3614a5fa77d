#!/usr/bin/env bash
# Side-by-side proxy benchmark on loopback: the same three echo backends behind each target,
# measured in one run with the targets interleaved per workload.
#
#   bench/run.sh [--quick] [--targets LIST] [--workloads LIST] [--connections LIST] [--duration SECONDS]
#
# targets:    direct (straight to backend-1), yarp (bench/BareYarp), clusterlb (one node),
#             clusterlb3 (node 1 of a 3-node cluster), nginx, haproxy
# workloads:  get10 get1k get100k (GET with a 10 B / 1 KB / 100 KB body), post10k (POST 10 KB),
#             affinity1k (GET 1 KB with header-keyed affinity)
# Output: a markdown table (bench/results/latest.md, also printed), a PNG chart
# (bench/results/latest.png) and the raw numbers (bench/results/latest.tsv).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
all_targets="direct yarp clusterlb clusterlb3 nginx haproxy"
all_workloads="get10 get1k get100k post10k affinity1k"
targets=$all_targets workloads=$all_workloads connections="64 256" duration=10 quick=0

invocation="bench/run.sh${*:+ $*}"
die() { echo "bench/run.sh: $*" >&2; exit 2; }
check_names() { # kind, list, allowed
  for name in ${2//,/ }; do [[ " $3 " == *" $name "* ]] || die "unknown $1 '$name' (known: $3)"; done
}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; workloads="get1k post10k affinity1k"; connections="64"; duration=4 ;;
    --targets) [ $# -ge 2 ] || die "--targets needs a list"; check_names target "$2" "$all_targets"; targets=${2//,/ }; shift ;;
    --workloads) [ $# -ge 2 ] || die "--workloads needs a list"; check_names workload "$2" "$all_workloads"; workloads=${2//,/ }; shift ;;
    --connections) [ $# -ge 2 ] || die "--connections needs a list"; for c in ${2//,/ }; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad connection count '$c'"; done; connections=${2//,/ }; shift ;;
    --duration) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--duration needs whole seconds"; duration=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

# --- tools, from Debian packages -----------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v hey >/dev/null || need+=(hey)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || need+=(python3-matplotlib)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] && sudo="" || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/clusterlb-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "${CLUSTERLB_BENCH_KEEP:-}" = 1 ] && trap - EXIT # keep the work directory to read its logs
trap 'exit 130' INT TERM

dotnet build "$root/ClusterLB.sln" -c Release -nologo -v quiet >/dev/null
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; die "$1 did not come up (logs: $work)"; }
start() { # name, command...
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!); echo $! >"$work/$name.pid"
}

# --- backends and targets -----------------------------------------------------------------------
for j in 1 2 3; do start "backend-$j" dotnet "$(bin src/ClusterLB.EchoBackend ClusterLB.EchoBackend)" --name "backend-$j" --urls "http://127.0.0.1:$((5300 + j))"; done
for j in 1 2 3; do wait_http "http://127.0.0.1:$((5300 + j))/health"; done

proxy_args=(
  --ReverseProxy:Routes:keyed:ClusterId=keyed --ReverseProxy:Routes:keyed:Match:Path=/keyed/{**rest}
  --ReverseProxy:Routes:keyed:Transforms:0:PathRemovePrefix=/keyed
  --ReverseProxy:Routes:all:ClusterId=app --ReverseProxy:Routes:all:Order=100 --ReverseProxy:Routes:all:Match:Path=/{**rest}
  --ReverseProxy:Clusters:app:LoadBalancingPolicy=RoundRobin
)
for j in 1 2 3; do
  proxy_args+=("--ReverseProxy:Clusters:app:Destinations:b$j:Address=http://127.0.0.1:$((5300 + j))/")
  proxy_args+=("--ReverseProxy:Clusters:keyed:Destinations:b$j:Address=http://127.0.0.1:$((5300 + j))/")
done
affinity_args=(--ReverseProxy:Clusters:keyed:SessionAffinity:Enabled=true --ReverseProxy:Clusters:keyed:SessionAffinity:Policy=KeyedHeader
  --ReverseProxy:Clusters:keyed:SessionAffinity:AffinityKeyName=X-Session-Key)
node() { # name, data directory, proxy port, admin port, remoting port, seeds...
  local name=$1 data=$2 port=$3 admin=$4 remoting=$5; shift 5
  mkdir -p "$work/$name"
  (cd "$work/$name" && exec env ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$(bin src/ClusterLB.Node ClusterLB.Node)" \
    "${proxy_args[@]}" "${affinity_args[@]}" --ClusterLB:NodeName="$name" --ClusterLB:DataDirectory="$work/$data" \
    --Urls="http://127.0.0.1:$port" --ClusterLB:AdminUrl="http://127.0.0.1:$admin" --ClusterLB:Cluster:Port="$remoting" "$@") \
    >"$work/$name.log" 2>&1 &
  pids+=($!); echo $! >"$work/$name.pid"
}

declare -A url
url[direct]=http://127.0.0.1:5301
for t in $targets; do
  case $t in
    yarp)
      start yarp dotnet "$(bin bench/BareYarp BareYarp)" --urls http://127.0.0.1:8301 "${proxy_args[@]}"
      url[yarp]=http://127.0.0.1:8301 ;;
    clusterlb)
      node clusterlb single 8302 9302 0
      url[clusterlb]=http://127.0.0.1:8302 ;;
    clusterlb3)
      seeds=(--ClusterLB:Cluster:Seeds:0=akka.tcp://clusterlb@127.0.0.1:4311 --ClusterLB:Cluster:Seeds:1=akka.tcp://clusterlb@127.0.0.1:4312)
      for i in 1 2 3; do node "cluster-$i" cluster $((8310 + i)) $((9310 + i)) $((4310 + i)) "${seeds[@]}"; done
      cp "$work/cluster-1.pid" "$work/clusterlb3.pid"
      url[clusterlb3]=http://127.0.0.1:8311 ;;
    nginx)
      sed "s|@WORK@|$work|g" "$root/bench/nginx.conf" >"$work/nginx.conf"
      nginx -c "$work/nginx.conf" -p "$work" -g "pid $work/nginx.pid;"
      url[nginx]=http://127.0.0.1:8303 ;;
    haproxy)
      start haproxy haproxy -f "$root/bench/haproxy.cfg" -db
      url[haproxy]=http://127.0.0.1:8304 ;;
  esac
done
for t in $targets; do
  case $t in clusterlb) wait_http http://127.0.0.1:9302/healthz/ready ;; clusterlb3) for i in 1 2 3; do wait_http "http://127.0.0.1:$((9310 + i))/healthz/ready"; done ;; esac
  wait_http "${url[$t]}/?size=10"
done

# --- measuring ------------------------------------------------------------------------------------
pids_of() { # the processes whose CPU and memory count for a target
  case $1 in
    direct) cat "$work/backend-1.pid" ;;
    nginx) pgrep -f "nginx: worker process" -P "$(cat "$work/nginx.pid")" | tr '\n' ' '; cat "$work/nginx.pid" ;;
    *) cat "$work/$1.pid" ;;
  esac
}
cpu_ticks() { local sum=0; for p in $(pids_of "$1"); do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $sum; }
peak_rss_mb() { local sum=0; for p in $(pids_of "$1"); do sum=$((sum + $(awk '/VmHWM/{print $2}' "/proc/$p/status"))); done; echo $((sum / 1024)); }
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else if (v ~ /s$/) print v*1000; else print v }'; }
path_of() { case $1 in get10) echo "/?size=10" ;; get1k) echo "/?size=1024" ;; get100k) echo "/?size=102400" ;; post10k) echo "/" ;; affinity1k) echo "/keyed/?size=1024" ;; esac; }

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 10240)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
cat >"$work/affinity.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, { ["X-Session-Key"] = "session-" .. (n % 1000) })
end
LUA

# Warm up every target (JIT, connection pools) so the first workload is not measured cold.
warm=$([ "$quick" = 1 ] && echo 2 || echo 10)
for t in $targets; do
  wrk -t2 -c64 -d"${warm}s" "${url[$t]}/?size=1024" >/dev/null 2>&1 || true
  [[ "$t" =~ ^(direct|yarp)$ ]] || wrk -t2 -c64 -d1s -H "X-Session-Key: warm" "${url[$t]}/keyed/?size=1024" >/dev/null 2>&1 || true
done

mkdir -p "$root/bench/results"
tsv="$root/bench/results/latest.tsv"
echo -e "workload\tconnections\ttarget\trps\tp50_ms\tp99_ms\tcpu_s_per_100k\tpeak_rss_mb" >"$tsv"
clk=$(getconf CLK_TCK)
for w in $workloads; do
  for c in $connections; do
    for t in $targets; do
      if [ "$w" = affinity1k ] && [[ "$t" =~ ^(direct|yarp)$ ]]; then continue; fi # no header-keyed affinity there
      extra=(); [ "$w" = post10k ] && extra=(-s "$work/post.lua"); [ "$w" = affinity1k ] && extra=(-s "$work/affinity.lua")
      before=$(cpu_ticks "$t")
      out=$(wrk -t2 -c"$c" -d"${duration}s" --latency "${extra[@]}" "${url[$t]}$(path_of "$w")" 2>&1)
      after=$(cpu_ticks "$t")
      rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
      total=$(awk '/requests in/{print $1}' <<<"$out")
      p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")")
      p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
      cpu=$(awk -v a="$after" -v b="$before" -v n="$total" -v k="$clk" 'BEGIN { printf "%.2f", (a - b) / k / n * 100000 }')
      errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
      echo -e "$w\t$c\t$t\t$rps\t$p50\t$p99\t$cpu\t$(peak_rss_mb "$t")" | tee -a "$tsv"
      [ -n "$errors" ] && echo "  $t $w c=$c: $errors" >&2
    done
  done
done

# --- added latency at half of the direct maximum, fixed rate -------------------------------------
fixed="$root/bench/results/latest-fixed.tsv"
echo -e "target\trate\tp50_ms\tp99_ms" >"$fixed"
max=$(awk -F'\t' '$1=="get1k" && $3=="direct" {print int($4); exit}' "$tsv")
if [ -n "$max" ] && [ "$max" -gt 0 ]; then
  rate=$((max / 2)); workers=32
  for t in $targets; do
    out=$(hey -z "${duration}s" -c $workers -q $((rate / workers)) "${url[$t]}/?size=1024" 2>&1)
    p50=$(awk '/ 50% in/{print $3 * 1000}' <<<"$out"); p99=$(awk '/ 99% in/{print $3 * 1000}' <<<"$out")
    echo -e "$t\t$rate\t$p50\t$p99" | tee -a "$fixed"
  done
fi

/usr/bin/python3 "$root/bench/report.py" "$tsv" "$fixed" "$root/bench/results/latest.md" "$root/docs/benchmarks.png" "$quick"
cat "$root/bench/results/latest.md"

# Into docs/benchmarks.md, between its markers, with how it was made.
{
  echo "<!-- bench:start -->"
  echo "Run: \`$invocation\` on $(date -u +%Y-%m-%d), ${duration} s per cell, $(nproc) cores; wrk and the targets share the machine. Chart: ![throughput](benchmarks.png)"
  echo
  cat "$root/bench/results/latest.md"
  echo "<!-- bench:end -->"
} >"$work/table.md"
/usr/bin/python3 - "$root/docs/benchmarks.md" "$work/table.md" <<'PY'
import re, sys
doc, table = open(sys.argv[1]).read(), open(sys.argv[2]).read()
doc = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->\n?", lambda _: table, doc, flags=re.S)
open(sys.argv[1], "w").write(doc)
PY
echo "written into docs/benchmarks.md and docs/benchmarks.png"
