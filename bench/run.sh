#!/usr/bin/env bash
# Side-by-side proxy benchmark on loopback: the same three backends behind each target, the targets
# interleaved in every round, medians and spread over the rounds.
#
#   bench/run.sh [--quick] [--targets LIST] [--workloads LIST] [--connections LIST] [--duration SECONDS]
#                [--rounds N] [--rate REQUESTS_PER_SECOND]
#
# targets:    direct (straight to backend 1), yarp (bench/BareYarp), clusterlb (one node),
#             clusterlb3 (node 1 of a 3-node cluster; CPU counts all three nodes), nginx, haproxy
# workloads:  get10 get1k get100k (GET with a 10 B / 1 KB / 100 KB body), post10k (POST 10 KB),
#             affinity1k (GET 1 KB with header-keyed affinity)
# Backends: nginx serving static files (bench/backend-nginx.conf), several times faster than any proxy.
# Headline: CPU per request at a fixed rate (--rate, default 3000/s, GET 1 KB, hey), below every
# target's saturation; then each workload's maximum (wrk). CPU is utime+stime of the target's
# processes from /proc over each run. Output: bench/results/latest.{md,tsv,png}, and docs/benchmarks.md
# between its markers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
all_targets="direct yarp clusterlb clusterlb3 nginx haproxy"
all_workloads="get10 get1k get100k post10k affinity1k"
targets=$all_targets workloads="" connections="" duration="" rounds="" rate=3000 quick=0

invocation="bench/run.sh${*:+ $*}"
die() { echo "bench/run.sh: $*" >&2; exit 2; }
check_names() { # kind, list, allowed
  [ -n "${2//[ ,]/}" ] || die "--${1}s needs a list (known: $3)"
  for name in ${2//,/ }; do [[ " $3 " == *" $name "* ]] || die "unknown $1 '$name' (known: $3)"; done
}
whole() { [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "$1 needs a whole number above 0, got '${2:-}'"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --targets) check_names target "${2:-}" "$all_targets"; targets=${2//,/ }; shift ;;
    --workloads) check_names workload "${2:-}" "$all_workloads"; workloads=${2//,/ }; shift ;;
    --connections) [ -n "${2:-}" ] || die "--connections needs a list"; for c in ${2//,/ }; do whole "connection count" "$c"; done; connections=${2//,/ }; shift ;;
    --duration) whole --duration "${2:-}"; duration=$2; shift ;;
    --rounds) whole --rounds "${2:-}"; rounds=$2; shift ;;
    --rate) whole --rate "${2:-}"; [ "$2" -ge 100 ] && [ "$2" -le 100000 ] || die "--rate must be 100-100000 requests/s, got '$2'"; rate=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
# --quick changes the defaults only: options given with it, before or after, still count.
if [ "$quick" = 1 ]; then
  : "${workloads:=get1k post10k affinity1k}" "${connections:=64}" "${duration:=5}" "${rounds:=1}"
else
  : "${workloads:=$all_workloads}" "${connections:=64 256}" "${duration:=10}" "${rounds:=3}"
fi

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
  for f in "$work"/*nginx.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${CLUSTERLB_BENCH_KEEP:-}" = 1 ] && echo "kept $work" >&2 || rm -rf "$work" # keep it to read the logs
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build "$root/ClusterLB.sln" -c Release -nologo -v quiet >/dev/null
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; CLUSTERLB_BENCH_KEEP=1; die "$1 did not come up (logs: $work)"; }
start() { # name, command...
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!); echo $! >"$work/$name.pid"
}
start_nginx() { # name, config template
  sed "s|@WORK@|$work|g" "$2" >"$work/$1.conf"
  nginx -c "$work/$1.conf" -p "$work" -g "pid $work/$1-nginx.pid;"
}

# --- backends and targets -----------------------------------------------------------------------
mkdir -p "$work/static"; chmod 755 "$work" # nginx workers read it as an unprivileged user
for size in 10 1024 102400; do head -c "$size" /dev/zero | tr '\0' x >"$work/static/$size"; done
start_nginx backend "$root/bench/backend-nginx.conf"
for j in 1 2 3; do wait_http "http://127.0.0.1:$((5300 + j))/?size=10"; done

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
      "$root/deploy/local/dev-certs.sh" "$work/tls" ca >/dev/null # nodes of a cluster talk over mutual TLS, as deployed
      for i in 1 2 3; do
        "$root/deploy/local/dev-certs.sh" "$work/tls" node "cluster-$i" IP:127.0.0.1 DNS:localhost >/dev/null
        node "cluster-$i" cluster $((8310 + i)) $((9310 + i)) $((4310 + i)) "${seeds[@]}" --ClusterLB:Cluster:Tls:Certificate="$work/tls/cluster-$i.pem" \
          --ClusterLB:Cluster:Tls:Key="$work/tls/cluster-$i.key" --ClusterLB:Cluster:Tls:CaCertificate="$work/tls/ca.pem"
      done
      url[clusterlb3]=http://127.0.0.1:8311 ;;
    nginx)
      start_nginx proxy "$root/bench/nginx.conf"
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
    direct) cat "$work/backend-nginx.pid"; pgrep -P "$(cat "$work/backend-nginx.pid")" | tr '\n' ' ' ;;
    nginx) cat "$work/proxy-nginx.pid"; pgrep -P "$(cat "$work/proxy-nginx.pid")" | tr '\n' ' ' ;;
    clusterlb3) cat "$work"/cluster-{1,2,3}.pid ;;
    *) cat "$work/$1.pid" ;;
  esac
}
cpu_ticks() { local sum=0; for p in $(pids_of "$1"); do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $sum; }
peak_rss_mb() { local sum=0; for p in $(pids_of "$1"); do sum=$((sum + $(awk '/VmHWM/{print $2}' "/proc/$p/status"))); done; echo $((sum / 1024)); }
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else if (v ~ /s$/) print v*1000; else print v }'; }
path_of() { case $1 in get10) echo "/?size=10" ;; get1k) echo "/?size=1024" ;; get100k) echo "/?size=102400" ;; post10k) echo "/" ;; affinity1k) echo "/keyed/?size=1024" ;; esac; }
clk=$(getconf CLK_TCK)
cpu_us_per_request() { awk -v d="$1" -v n="$2" -v k="$clk" 'BEGIN { if (n > 0) printf "%.1f", d / k * 1e6 / n; else print "nan" }'; }

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

# Warm up every target (JIT, connection pools) so the first round is not measured cold.
warm=$([ "$quick" = 1 ] && echo 3 || echo 10)
for t in $targets; do
  wrk -t2 -c64 -d"${warm}s" "${url[$t]}/?size=1024" >/dev/null 2>&1 || true
  [[ "$t" =~ ^(direct|yarp)$ ]] || wrk -t2 -c64 -d2s -H "X-Session-Key: warm" "${url[$t]}/keyed/?size=1024" >/dev/null 2>&1 || true
done

mkdir -p "$root/bench/results"
tsv="$root/bench/results/latest.tsv"
echo -e "round\tworkload\tconnections\ttarget\trps\tp50_ms\tp99_ms\tcpu_us_per_req\tpeak_rss_mb\terrors" >"$tsv"
# Fixed rate: hey's workers each send at rate/workers per second; percentiles from every response's time.
fixed_rate() { # round, target
  local workers=30 before after out ok p50 p99 rps errors
  before=$(cpu_ticks "$2")
  hey -z "${duration}s" -c $workers -q $((rate / workers)) -o csv "${url[$2]}/?size=1024" >"$work/hey.csv" 2>"$work/hey.err" || true
  after=$(cpu_ticks "$2")
  ok=$(awk -F, 'NR > 1 && $7 == 200' "$work/hey.csv" | wc -l)
  errors=$(( $(awk -F, 'NR > 1' "$work/hey.csv" | wc -l) - ok ))
  read -r p50 p99 < <(awk -F, 'NR > 1 && $7 == 200 { print $1 * 1000 }' "$work/hey.csv" | sort -g |
    awk '{ v[NR] = $1 } END { if (!NR) { print "nan nan"; exit } a = int(NR * 0.5); b = int(NR * 0.99); printf "%.3f %.3f\n", v[a < 1 ? 1 : a], v[b < 1 ? 1 : b] }')
  rps=$(awk -v n="$ok" -v d="$duration" 'BEGIN { printf "%.0f", n / d }')
  echo -e "$1\tfixed$rate\t$workers\t$2\t$rps\t$p50\t$p99\t$(cpu_us_per_request $((after - before)) "$ok")\t$(peak_rss_mb "$2")\t$errors" | tee -a "$tsv"
}
maximum() { # round, workload, connections, target
  local extra=() before after out total rps p50 p99 errors
  [ "$2" = post10k ] && extra=(-s "$work/post.lua"); [ "$2" = affinity1k ] && extra=(-s "$work/affinity.lua")
  before=$(cpu_ticks "$4")
  out=$(wrk -t2 -c"$3" -d"${duration}s" --latency "${extra[@]}" "${url[$4]}$(path_of "$2")" 2>&1)
  after=$(cpu_ticks "$4")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  total=$(awk '/requests in/{print $1}' <<<"$out")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
  errors=$(awk '/Non-2xx/{n += $NF} /Socket errors/{gsub(/,/, ""); n += $4 + $6 + $8 + $10} END { print n + 0 }' <<<"$out")
  echo -e "$1\t$2\t$3\t$4\t$rps\t$p50\t$p99\t$(cpu_us_per_request $((after - before)) "$total")\t$(peak_rss_mb "$4")\t$errors" | tee -a "$tsv"
}
for round in $(seq 1 "$rounds"); do
  for t in $targets; do fixed_rate "$round" "$t"; done
  for w in $workloads; do
    for c in $connections; do
      for t in $targets; do
        if [ "$w" = affinity1k ] && [[ "$t" =~ ^(direct|yarp)$ ]]; then continue; fi # no header-keyed affinity there
        maximum "$round" "$w" "$c" "$t"
      done
    done
  done
done

/usr/bin/python3 "$root/bench/report.py" "$tsv" "$root/bench/results/latest.md" "$root/docs/benchmarks.png" "$quick"
cat "$root/bench/results/latest.md"

# Into docs/benchmarks.md, between its markers, with how it was made.
{
  echo "<!-- bench:start -->"
  echo "Run: \`$invocation\` on $(date -u +%Y-%m-%d), $rounds round(s) of ${duration} s per cell, $(nproc) cores; the load generator, the backends and the targets share the machine. Chart: ![throughput](benchmarks.png)"
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
