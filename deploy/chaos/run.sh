#!/usr/bin/env bash
# Failover scenarios under steady load, judged against thresholds (docs/chaos.md).
#
#   deploy/chaos/run.sh --local   SCENARIO...|all   a fresh local multi-process cluster (PostgreSQL journal) per scenario
#   deploy/chaos/run.sh --compose SCENARIO...|all   the running compose cluster (docker-compose.cluster.yml)
#
# Scenarios: node-kill writer-kill node-pause partition backend-kill backend-slow journal-down
#            rolling-restart full-restart scale-out
# Prints a report per scenario and PASS/FAIL; writes run/chaos/<time>-<mode>/summary.json.
# Exit code: 0 all passed, 1 a scenario failed, 2 bad input or no cluster. Whatever it started or
# broke (processes, PostgreSQL, iptables rules, paused or disconnected containers) is undone on exit,
# also on Ctrl+C.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compose_file="$root/docker-compose.cluster.yml"
known="node-kill writer-kill node-pause partition backend-kill backend-slow drain retry-storm journal-down rolling-restart full-restart scale-out"

die() { echo "run.sh: $*" >&2; exit 2; }

mode=${1:-}
case "$mode" in
  --local|--compose) shift ;;
  *) die "usage: run.sh --local|--compose SCENARIO...|all  (scenarios: $known)" ;;
esac
[ $# -gt 0 ] || die "name a scenario or all (scenarios: $known)"
for s in "$@"; do
  [ "$s" = all ] || [[ " $known " == *" $s "* ]] || die "unknown scenario '$s' (known: $known, all)"
done

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
results="$root/run/chaos/$(date -u +%Y%m%d-%H%M%S)-${mode#--}"
mkdir -p "$results"
child=""
acting="" # set once the run may have changed something; bad input leaves everything as it was

cleanup_local() {
  for dir in "$results"/*/cluster; do
    [ -d "$dir" ] && CLUSTERLB_RUN_DIR="$dir" bash "$root/deploy/local/cluster.sh" down >/dev/null 2>&1
  done
  CLUSTERLB_RUN_DIR="$results" bash "$root/deploy/local/cluster.sh" heal-all >/dev/null 2>&1
  [ -n "${CLUSTERLB_CHAOS_PG_DIR:-}" ] && bash "$root/deploy/local/postgres.sh" destroy "$CLUSTERLB_CHAOS_PG_DIR"
}

cleanup_compose() {
  local dc=(docker-compose -f "$compose_file")
  docker ps -aq --filter label=com.docker.compose.service=client | xargs -r docker rm -f >/dev/null 2>&1
  "${dc[@]}" unpause node-1 node-2 node-3 >/dev/null 2>&1
  local network
  network=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$("${dc[@]}" ps -q backend-1)" 2>/dev/null | awk '{print $1}')
  for i in 1 2 3; do
    local c; c=$("${dc[@]}" ps -q "node-$i")
    [ -n "$c" ] && [ -n "$network" ] && ! docker inspect -f '{{json .NetworkSettings.Networks}}' "$c" | grep -q "\"$network\"" \
      && docker network connect --alias "node-$i" --alias lb "$network" "$c" >/dev/null 2>&1
  done
  "${dc[@]}" start postgres backend-1 backend-2 backend-3 node-1 node-2 node-3 >/dev/null 2>&1
  "${dc[@]}" --profile scale rm -s -f node-4 >/dev/null 2>&1
}

finish() {
  trap - EXIT INT TERM
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null
  fi
  [ -n "$acting" ] || return 0
  if [ "$mode" = --local ]; then cleanup_local; else cleanup_compose; fi
}
trap finish EXIT
trap 'echo "run.sh: interrupted; cleaning up" >&2; exit 130' INT TERM

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 CLUSTERLB_ROOT="$root"
# The admin token the runner presents: a fresh one for local clusters (cluster.sh gives it to the
# nodes), the operator token of the compose cluster's env file otherwise.
if [ "$mode" = --local ]; then
  CLUSTERLB_ADMIN_TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '=\n' | tr '+/' '-_')
else
  CLUSTERLB_ADMIN_TOKEN=$(sed -n 's/^ClusterLB__Admin__Tokens__operator__Token=//p' "$root/deploy/docker/cluster.env" 2>/dev/null)
  [ -n "$CLUSTERLB_ADMIN_TOKEN" ] || die "no operator token in deploy/docker/cluster.env (run deploy/docker/local-images.sh --secrets)"
fi
export CLUSTERLB_ADMIN_TOKEN
chaos_dll="$root/src/ClusterLB.Chaos/bin/Release/net10.0/ClusterLB.Chaos.dll"
node_dll="$root/src/ClusterLB.Node/bin/Release/net10.0/ClusterLB.Node.dll"
if [ ! -f "$chaos_dll" ] || [ ! -f "$node_dll" ]; then
  echo "building (Release) ..."
  for p in src/ClusterLB.Node src/ClusterLB.Chaos; do
    dotnet build "$root/$p" -c Release -nologo -v quiet >/dev/null || die "build of $p failed"
  done
fi

if [ "$mode" = --local ]; then
  need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v iptables >/dev/null 2>&1 || need+=(iptables)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} (Debian packages) ..."
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
      || die "could not install ${need[*]}"
  fi
  [ "$(id -u)" = 0 ] || echo "run.sh: not root: the partition scenario cannot add iptables rules and will fail" >&2
  for port in 8081 8082 8083 8084 9091 9092 9093 9094 4051 4052 4053 4054 5201 5202 5203; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "port $port is in use: a local cluster already runs? (deploy/local/cluster.sh down)"
  done
  acting=1
  export CLUSTERLB_CHAOS_PG_DIR="$results/postgres"
  # The first free port from 55440 (a test's own server or a client socket may hold one for a moment).
  started=""
  for port in ${CLUSTERLB_CHAOS_PG_PORT:-55440 55441 55442 55443 55444 55445 55446 55447}; do
    if bash "$root/deploy/local/postgres.sh" start "$CLUSTERLB_CHAOS_PG_DIR" "$port" 2>"$results/postgres-start.log"; then
      started=$port; break
    fi
  done
  [ -n "$started" ] || { cat "$results/postgres-start.log" >&2; die "could not start PostgreSQL"; }
  export CLUSTERLB_CHAOS_PG_PORT=$started
else
  command -v docker-compose >/dev/null 2>&1 || die "docker-compose is not installed (deploy/docker/local-images.sh installs it)"
  [ -n "$(docker-compose -f "$compose_file" ps -q node-1 2>/dev/null)" ] \
    || die "the compose cluster is not up: docker-compose -f docker-compose.cluster.yml up -d --build (docs/operations.md)"
  acting=1
fi

dotnet "$chaos_dll" run "$mode" --results "$results" "$@" &
child=$!
wait "$child"
status=$?
child=""
exit "$status"
