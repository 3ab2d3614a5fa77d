#!/usr/bin/env bash
# Start-up and idle cost of a cluster on loopback (deploy/local/cluster.sh: mutual TLS, SQLite journal,
# three echo backends under active health checks).
#
#   bench/start.sh [--sizes "1 3 5"] [--rounds N] [--settle SECONDS] [--idle SECONDS]
#
# For each size and round: starts the cluster, records for every node the time from its process start
# (from /proc) to the first 200 of /healthz/ready, lets it settle (--settle, default 60 s: past the
# start-up work and the JIT's later tiers), leaves it idle for --idle seconds, then
# reads every node's CPU over that window (% of one core, utime+stime from /proc), its RSS, and the
# bytes it sent and received on cluster connections (remoting ports 4051-4059, from `ss -ti`); and
# counts the warning lines in the logs. Prints one markdown row per size: medians over nodes and rounds,
# with the slowest ready time and the highest CPU and RSS seen.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench/start.sh: $*" >&2; exit 2; }
sizes="1 3 5" rounds=3 idle=30 settle=60
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) [[ "${2:-}" =~ ^[1-9]( [1-9])*$ ]] || die "--sizes takes node counts 1-9, e.g. \"1 3 5\""; sizes=$2; shift ;;
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a number"; rounds=$2; shift ;;
    --idle) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--idle needs whole seconds"; idle=$2; shift ;;
    --settle) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--settle needs whole seconds"; settle=$2; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

export CLUSTERLB_RUN_DIR
cluster() { "$root/deploy/local/cluster.sh" "$@"; }
stop_all() { if [ -n "${CLUSTERLB_RUN_DIR:-}" ] && [ -d "$CLUSTERLB_RUN_DIR" ]; then cluster down >/dev/null 2>&1 || true; rm -rf "$CLUSTERLB_RUN_DIR"; fi; }
trap stop_all EXIT
trap 'exit 130' INT TERM
dotnet build "$root/src/ClusterLB.Node" -c Release -nologo -v quiet >/dev/null
dotnet build "$root/src/ClusterLB.EchoBackend" -c Release -nologo -v quiet >/dev/null

hz=$(getconf CLK_TCK)
now_ticks() { awk -v hz="$hz" '{ printf "%.0f", $1 * hz }' /proc/uptime; }
now_s() { awk '{ print $1 }' /proc/uptime; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }
maximum() { sort -n | tail -1; }
# Bytes sent + received so far by process $1 on its connections to or from a remoting port (4051-4059).
cluster_bytes() {
  ss -tinpH state established | awk -v pid="pid=$1," '
    /^[^ \t]/ { mine = index($0, pid) > 0 && ($3 ~ /:405[1-9]$/ || $4 ~ /:405[1-9]$/) ; next }
    mine { for (i = 1; i <= NF; i++) if ($i ~ /^bytes_(sent|received):/) { split($i, kv, ":"); n += kv[2] } }
    END { print n + 0 }'
}

echo "| nodes | ready after start, median (max) s | idle CPU per node, median (max) % of a core | RSS per node, median (max) MB | cluster traffic per node, median (max) kB/s | warnings in logs |"
echo "|---|---|---|---|---|---|"
for size in $sizes; do
  ready_all=() cpu_all=() rss_all=() net_all=() warnings=0
  for round in $(seq 1 "$rounds"); do
    CLUSTERLB_RUN_DIR=$(mktemp -d /tmp/clusterlb-start.XXXXXX)
    cluster up "$size" >/dev/null
    declare -A ready=()
    deadline=$(( $(date +%s) + 60 ))
    while [ ${#ready[@]} -lt "$size" ]; do
      [ "$(date +%s)" -lt "$deadline" ] || die "not every node was ready within 60 s (logs: $CLUSTERLB_RUN_DIR)"
      for i in $(seq 1 "$size"); do
        [ -n "${ready[$i]:-}" ] && continue
        if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$((9090 + i))/healthz/ready"; then
          started=$(awk -v hz="$hz" '{ print $22 / hz }' "/proc/$(cat "$CLUSTERLB_RUN_DIR/node-$i.pid")/stat")
          ready[$i]=$(awk -v a="$(now_s)" -v b="$started" 'BEGIN { printf "%.2f", a - b }')
        fi
      done
      sleep 0.02
    done
    ready_all+=("${ready[@]}")
    unset ready
    sleep "$settle"
    declare -A before=() bytes=()
    t0=$(now_ticks)
    for i in $(seq 1 "$size"); do
      pid=$(cat "$CLUSTERLB_RUN_DIR/node-$i.pid")
      before[$i]=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
      bytes[$i]=$(cluster_bytes "$pid")
    done
    sleep "$idle"
    t1=$(now_ticks)
    for i in $(seq 1 "$size"); do
      pid=$(cat "$CLUSTERLB_RUN_DIR/node-$i.pid")
      after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
      cpu_all+=("$(awk -v d=$((after - before[$i])) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", 100 * d / t }')")
      rss_all+=("$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")")
      net_all+=("$(awk -v d=$(( $(cluster_bytes "$pid") - bytes[$i] )) -v t=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "%.1f", d / 1024 / (t / hz) }')")
    done
    unset before bytes
    cluster down >/dev/null
    warnings=$(( warnings + $(cat "$CLUSTERLB_RUN_DIR"/node-*.log | grep -cE '^(warn|fail|crit):' || true) ))
    rm -rf "$CLUSTERLB_RUN_DIR"
  done
  printf '| %s | %s (%s) | %s (%s) | %s (%s) | %s (%s) | %s in %s starts and stops |\n' "$size" \
    "$(printf '%s\n' "${ready_all[@]}" | median)" "$(printf '%s\n' "${ready_all[@]}" | maximum)" \
    "$(printf '%s\n' "${cpu_all[@]}" | median)" "$(printf '%s\n' "${cpu_all[@]}" | maximum)" \
    "$(printf '%s\n' "${rss_all[@]}" | median)" "$(printf '%s\n' "${rss_all[@]}" | maximum)" \
    "$(printf '%s\n' "${net_all[@]}" | median)" "$(printf '%s\n' "${net_all[@]}" | maximum)" \
    "$warnings" "$rounds"
done
