#!/usr/bin/env bash
# A real multi-process ClusterLB cluster on loopback, for trying failover by hand.
#
#   cluster.sh up N          start N nodes (proxy 8081.., admin 9091.., remoting 4051..) and 3 echo backends (5201-5203)
#   cluster.sh status        each node: process, readiness, member status, routing-table version
#   cluster.sh kill I        SIGKILL node I (1-based)        cluster.sh stop I     SIGTERM node I (drain, leave)
#   cluster.sh start I       start node I again
#   cluster.sh backend-kill J / backend-start J              stop / start echo backend J (1-3)
#   cluster.sh down          stop everything this script started
#
# Logs, pids and the shared journal live in one run directory: $CLUSTERLB_RUN_DIR (default ./run/local-cluster).
# Environment variables given to `up` (e.g. ClusterLB__Health__Fall=3) reach every node.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${CLUSTERLB_RUN_DIR:-$PWD/run/local-cluster}
config=${CLUSTERLB_CONFIGURATION:-Release}
node_dll="$root/src/ClusterLB.Node/bin/$config/net10.0/ClusterLB.Node.dll"
echo_dll="$root/src/ClusterLB.EchoBackend/bin/$config/net10.0/ClusterLB.EchoBackend.dll"

die() { echo "cluster.sh: $*" >&2; exit 2; }
index() { [[ "${1:-}" =~ ^[1-9][0-9]?$ ]] || die "expected a node or backend number, got '${1:-}'"; echo "$1"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

build() {
  if [ ! -f "$node_dll" ] || [ ! -f "$echo_dll" ]; then
    echo "building ($config) ..."
    dotnet build "$root/src/ClusterLB.Node" -c "$config" -nologo -v quiet >/dev/null
  fi
}

seeds() {
  local n=$(cat "$run/size")
  local args=()
  for s in 1 2 3; do
    [ "$s" -le "$n" ] && args+=("--ClusterLB:Cluster:Seeds:$((s - 1))=akka.tcp://clusterlb@127.0.0.1:$((4050 + s))")
  done
  echo "${args[@]}"
}

start_node() {
  local i=$1
  alive "$run/node-$i.pid" && { echo "node $i already runs"; return; }
  # exec: the recorded pid is the node's own, so kill -9 hits the node, not a shell.
  (cd "$run" && exec env ASPNETCORE_ENVIRONMENT=Production nohup dotnet "$node_dll" \
      --ClusterLB:NodeName="node-$i" \
      --ClusterLB:DataDirectory="$run/data" \
      --ClusterLB:Listeners:0:Url="http://127.0.0.1:$((8080 + i))" \
      --ClusterLB:AdminUrl="http://127.0.0.1:$((9090 + i))" \
      --ClusterLB:Cluster:Port=$((4050 + i)) \
      $(seeds)) >>"$run/node-$i.log" 2>&1 &
  echo $! >"$run/node-$i.pid"
  echo "node $i: proxy http://127.0.0.1:$((8080 + i)), admin http://127.0.0.1:$((9090 + i)), log $run/node-$i.log"
}

start_backend() {
  local j=$1
  alive "$run/backend-$j.pid" && { echo "backend $j already runs"; return; }
  nohup dotnet "$echo_dll" --name "backend-$j" --urls "http://127.0.0.1:$((5200 + j))" >>"$run/backend-$j.log" 2>&1 &
  echo $! >"$run/backend-$j.pid"
  echo "backend $j: http://127.0.0.1:$((5200 + j))"
}

signal() {
  local pidfile=$1 sig=$2
  alive "$pidfile" || { echo "not running"; return; }
  kill "-$sig" "$(cat "$pidfile")"
  if [ "$sig" != KILL ]; then
    for _ in $(seq 1 300); do alive "$pidfile" || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}

cmd=${1:-}
case "$cmd" in
  up)
    n=$(index "${2:-3}")
    [ "$n" -le 9 ] || die "up takes at most 9 nodes"
    build
    mkdir -p "$run/data"
    cp "$here/cluster.json" "$run/appsettings.json"
    echo "$n" >"$run/size"
    for j in 1 2 3; do start_backend "$j"; done
    for i in $(seq 1 "$n"); do start_node "$i"; done
    echo "run directory: $run  (try: curl -s localhost:8081/ ; cluster.sh status)"
    ;;
  status)
    [ -f "$run/size" ] || die "no cluster in $run (run: cluster.sh up 3)"
    for i in $(seq 1 "$(cat "$run/size")"); do
      if alive "$run/node-$i.pid"; then
        ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((9090 + i))/healthz/ready" || true)
        st=$(curl -s "http://127.0.0.1:$((9090 + i))/admin/status" | tr -d '\n' | sed -E 's/.*"memberStatus":"([A-Za-z]+)".*"routingTable":\{"version":([0-9]+).*/\1 v\2/' || true)
        echo "node $i  pid $(cat "$run/node-$i.pid")  ready=$ready  $st"
      else
        echo "node $i  down"
      fi
    done
    for j in 1 2 3; do alive "$run/backend-$j.pid" && echo "backend $j  up" || echo "backend $j  down"; done
    ;;
  kill) i=$(index "${2:-}"); signal "$run/node-$i.pid" KILL ;;
  stop) i=$(index "${2:-}"); signal "$run/node-$i.pid" TERM ;;
  start) i=$(index "${2:-}"); [ -f "$run/size" ] || die "no cluster in $run"; start_node "$i" ;;
  backend-kill) j=$(index "${2:-}"); signal "$run/backend-$j.pid" KILL ;;
  backend-start) j=$(index "${2:-}"); start_backend "$j" ;;
  down)
    for f in "$run"/node-*.pid "$run"/backend-*.pid; do [ -f "$f" ] && signal "$f" TERM; done
    echo "stopped; logs and journal kept in $run"
    ;;
  *) die "usage: cluster.sh up N | status | kill I | stop I | start I | backend-kill J | backend-start J | down" ;;
esac
