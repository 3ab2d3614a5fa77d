#!/usr/bin/env bash
# A soak: a 3-node cluster (deploy/local/cluster.sh: mutual TLS, SQLite journal, three echo backends
# under 1 s health checks) under steady keyed load, with one echo backend restarted every few minutes.
#
#   bench/soak.sh [--minutes 60] [--rate 1500] [--restart-every 10] [--keys 10000]
#
# Load: one wrk per node on /keyed/ with an X-Session-Key drawn from --keys keys, each connection paced
# so the three together offer about --rate requests/s. Every --restart-every minutes backend J (1, 2,
# 3, 1, ...) is killed and started again at once. Prints one markdown row per minute (requests/s,
# the worst node's p50/p99, errors, every node's RSS) and a summary comparing the first and the last
# five minutes. Exits 1 when a request failed or a node's RSS grew by more than 20 % after the first five minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench/soak.sh: $*" >&2; exit 2; }
minutes=60 rate=1500 restart_every=10 keys=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--minutes needs a whole number above 0"; minutes=$2; shift ;;
    --rate) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] && [ "$2" -ge 30 ] || die "--rate needs requests/s, at least 30"; rate=$2; shift ;;
    --restart-every) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--restart-every needs whole minutes"; restart_every=$2; shift ;;
    --keys) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--keys needs a number"; keys=$2; shift ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
command -v wrk >/dev/null || die "needs wrk (apt-get install wrk)"

export CLUSTERLB_RUN_DIR
CLUSTERLB_RUN_DIR=$(mktemp -d /tmp/clusterlb-soak.XXXXXX)
cluster() { "$root/deploy/local/cluster.sh" "$@"; }
stop_all() { jobs -p | xargs -r kill 2>/dev/null || true; cluster down >/dev/null 2>&1 || true; rm -rf "$CLUSTERLB_RUN_DIR"; }
trap stop_all EXIT
trap 'exit 130' INT TERM
dotnet build "$root/src/ClusterLB.Node" -c Release -nologo -v quiet >/dev/null
cluster up 3 >/dev/null
for i in 1 2 3; do
  for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$((9090 + i))/healthz/ready" && break; sleep 0.1; done
  curl -sf -o /dev/null "http://127.0.0.1:$((9090 + i))/healthz/ready" || die "node $i did not become ready (logs: $CLUSTERLB_RUN_DIR)"
done

connections=10 # per node; each waits `pace` ms between its requests
pace=$(( 3 * connections * 1000 / rate ))
cat >"$CLUSTERLB_RUN_DIR/soak.lua" <<LUA
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
request = function()
  return wrk.format("GET", "/keyed/?size=1024", { ["X-Session-Key"] = "soak-" .. math.random(1, $keys) })
end
delay = function() return $pace end
LUA
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else if (v ~ /s$/) print v*1000; else print v }'; }
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$(cat "$CLUSTERLB_RUN_DIR/node-$1.pid")/status"; }

rows="$CLUSTERLB_RUN_DIR/rows.tsv"
echo "| minute | req/s | p50 ms (worst node) | p99 ms (worst node) | errors | RSS MB node 1 / 2 / 3 | event |"
echo "|---|---|---|---|---|---|---|"
backend=0 failed=0
for minute in $(seq 1 "$minutes"); do
  event=""
  if [ "$minute" -gt 1 ] && [ $(( (minute - 1) % restart_every )) = 0 ]; then
    backend=$(( backend % 3 + 1 ))
    cluster backend-kill "$backend" >/dev/null && cluster backend-start "$backend" >/dev/null
    event="backend $backend restarted"
  fi
  for i in 1 2 3; do
    wrk -t1 -c"$connections" -d60s --latency -s "$CLUSTERLB_RUN_DIR/soak.lua" "http://127.0.0.1:$((8080 + i))" >"$CLUSTERLB_RUN_DIR/wrk-$i.out" 2>&1 &
  done
  wait
  requests=0 errors=0 p50=0 p99=0
  for i in 1 2 3; do
    out=$(cat "$CLUSTERLB_RUN_DIR/wrk-$i.out")
    requests=$(( requests + $(awk '/requests in/ { print $1 }' <<<"$out") ))
    errors=$(( errors + $(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out") ))
    p50=$(awk -v a="$p50" -v b="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")" 'BEGIN { print (b > a ? b : a) }')
    p99=$(awk -v a="$p99" -v b="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")" 'BEGIN { print (b > a ? b : a) }')
  done
  failed=$(( failed + errors ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$minute" "$(( requests / 60 ))" "$p50" "$p99" "$errors" "$(rss 1)" "$(rss 2)" "$(rss 3)" >>"$rows"
  echo "| $minute | $(( requests / 60 )) | $p50 | $p99 | $errors | $(rss 1) / $(rss 2) / $(rss 3) | $event |"
done

# First five minutes against the last five: median p99, and each node's RSS at the end of each stretch.
summary=$(awk -F'\t' -v n="$minutes" '
  function median(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((k + 1) / 2)] }
  { p99[NR] = $4; for (i = 1; i <= 3; i++) r[NR, i] = $(5 + i) }
  END {
    k = n < 5 ? n : 5
    for (i = 1; i <= k; i++) { f[i] = p99[i]; l[i] = p99[n - k + i] }
    grew = 0
    for (i = 1; i <= 3; i++) if (r[n, i] > 1.2 * r[k, i]) grew = 1
    printf "p99 median, first %d min: %.2f ms, last %d min: %.2f ms; RSS after %d min: %d / %d / %d MB, at the end: %d / %d / %d MB\t%d\n",
      k, median(f, k), k, median(l, k), k, r[k, 1], r[k, 2], r[k, 3], r[n, 1], r[n, 2], r[n, 3], grew
  }' "$rows")
echo
echo "Errors: $failed. ${summary%	*}"
[ "$failed" = 0 ] && [ "${summary##*	}" = 0 ]
