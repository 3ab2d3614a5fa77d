#!/usr/bin/env bash
# A real multi-process ClusterLB cluster on loopback, for trying failover by hand.
#
#   cluster.sh up N          start N nodes (proxy 8081.., admin 9091.., remoting 4051..) and 3 echo backends (5201-5203)
#   cluster.sh status        each node: process, readiness, member status, routing-table version
#   cluster.sh kill I        SIGKILL node I (1-based)        cluster.sh stop I     SIGTERM node I (drain, leave)
#   cluster.sh start I       start node I again
#   cluster.sh pause I / resume I                            SIGSTOP / SIGCONT node I (a frozen process)
#   cluster.sh partition I / heal I                          cut node I off from the others' cluster traffic
#                                                            (iptables drops its remoting port; needs root) / undo
#   cluster.sh backend-kill J / backend-start J              stop / start echo backend J (1-3)
#   cluster.sh backend-slow J MS                             every answer of backend J waits MS ms (0: normal)
#   cluster.sh down [--now]  stop everything this script started (--now: SIGKILL, for a cluster that is thrown away)
#   cluster.sh tls-args I    the node settings that give node I its certificate (issued when missing)
#
# Logs, pids and the shared journal live in one run directory: $CLUSTERLB_RUN_DIR (default ./run/local-cluster).
# Environment variables ClusterLB__* given to `up` (e.g. ClusterLB__Health__Fall=3, a PostgreSQL journal)
# reach every node, also those started later with `start`.
# Nodes talk over mutual TLS: `up` creates a development CA in $CLUSTERLB_RUN_DIR/tls (deploy/local/dev-certs.sh)
# and each node gets a certificate from it; a process without one cannot join.
# Like a process supervisor, the script restarts a node that exits with code 4 (removed by the cluster).
# The admin API takes the write token in $run/admin.token (mode 600), made at `up` from $CLUSTERLB_ADMIN_TOKEN
# or at random:  curl -H "Authorization: Bearer $(cat run/local-cluster/admin.token)" 127.0.0.1:9091/admin/status
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

tls="$run/tls"

# The node certificate of node $1 (issued from the run directory's CA when missing), as node arguments.
tls_args() {
  "$here/dev-certs.sh" "$tls" ca
  "$here/dev-certs.sh" "$tls" node "node-$1" IP:127.0.0.1 DNS:localhost
  printf -- '--ClusterLB:Cluster:Tls:%s\n' "Certificate=$tls/node-$1.pem" "Key=$tls/node-$1.key" "CaCertificate=$tls/ca.pem"
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
  rm -f "$run/node-$i.pid"
  local tls_settings; mapfile -t tls_settings < <(tls_args "$i")
  # The supervisor loop records each node process's own pid, so kill -9 hits the node, not a shell;
  # it restarts the node only when the cluster removed it (exit code 4).
  (
    trap '' HUP
    cd "$run"
    [ -f "$run/node.env" ] && . "$run/node.env"
    while :; do
      ASPNETCORE_ENVIRONMENT=Production dotnet "$node_dll" \
        --ClusterLB:NodeName="node-$i" \
        --ClusterLB:DataDirectory="$run/data" \
        --Urls="http://127.0.0.1:$((8080 + i))" \
        --ClusterLB:AdminUrl="http://127.0.0.1:$((9090 + i))" \
        --ClusterLB:Cluster:Port=$((4050 + i)) \
        --ClusterLB:Admin:Tokens:operator:TokenFile="$run/admin.token" \
        --ClusterLB:Admin:Tokens:operator:Role=write \
        "${tls_settings[@]}" $(seeds) >>"$run/node-$i.log" 2>&1 &
      echo $! >"$run/node-$i.pid"
      wait $! && code=0 || code=$?
      [ "$code" -eq 4 ] || break
      echo "cluster.sh: node $i was removed by the cluster (exit code 4); restarting it" >>"$run/node-$i.log"
    done
  ) </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 50); do [ -s "$run/node-$i.pid" ] && break; sleep 0.1; done
  echo "node $i: proxy http://127.0.0.1:$((8080 + i)), admin http://127.0.0.1:$((9090 + i)), log $run/node-$i.log"
}

partition_rule() { echo "INPUT -p tcp --dport $((4050 + $1)) -m comment --comment clusterlb-chaos-node-$1 -j DROP"; }

heal_all() {
  command -v iptables >/dev/null 2>&1 || return 0
  iptables -S INPUT 2>/dev/null | grep -- '--comment clusterlb-chaos' | sed 's/^-A //' | while read -r rule; do
    eval "iptables -D $rule" || true
  done || true
}

# The operator's write token: $CLUSTERLB_ADMIN_TOKEN when given, else 256 random bits; kept across `up`.
make_token() {
  local file="$run/admin.token"
  if [ -n "${CLUSTERLB_ADMIN_TOKEN:-}" ]; then
    [ ${#CLUSTERLB_ADMIN_TOKEN} -ge 32 ] || die "CLUSTERLB_ADMIN_TOKEN must have at least 32 characters"
    (umask 077; printf '%s\n' "$CLUSTERLB_ADMIN_TOKEN" >"$file")
  elif [ ! -s "$file" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '=\n' | tr '+/' '-_' >"$file"; echo >>"$file")
  fi
  echo "admin token: $file"
}

admin_curl() { curl -s -H "Authorization: Bearer $(tr -d '\n' <"$run/admin.token")" "$@"; }

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
    for v in $(compgen -e | grep '^ClusterLB__' || true); do printf 'export %s=%q\n' "$v" "${!v}"; done >"$run/node.env"
    echo "$n" >"$run/size"
    make_token
    for j in 1 2 3; do start_backend "$j"; done
    # Backends first, as in a real deployment: a node that probes a backend still starting would
    # rightly report it unhealthy.
    for j in 1 2 3; do
      for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$((5200 + j))/health" && break; sleep 0.1; done
    done
    for i in $(seq 1 "$n"); do start_node "$i"; done
    echo "run directory: $run  (try: curl -s localhost:8081/ ; cluster.sh status)"
    ;;
  status)
    [ -f "$run/size" ] || die "no cluster in $run (run: cluster.sh up 3)"
    for i in $(seq 1 "$(cat "$run/size")"); do
      if alive "$run/node-$i.pid"; then
        ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((9090 + i))/healthz/ready" || true)
        st=$(admin_curl "http://127.0.0.1:$((9090 + i))/admin/status" | tr -d '\n' | sed -E 's/.*"memberStatus":"([A-Za-z]+)".*"routingTable":\{"version":([0-9]+).*/\1 v\2/' || true)
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
  pause) i=$(index "${2:-}"); alive "$run/node-$i.pid" || die "node $i is not running"; kill -STOP "$(cat "$run/node-$i.pid")" ;;
  resume) i=$(index "${2:-}"); alive "$run/node-$i.pid" || die "node $i is not running"; kill -CONT "$(cat "$run/node-$i.pid")" ;;
  partition)
    i=$(index "${2:-}")
    command -v iptables >/dev/null 2>&1 || die "partition needs iptables (apt-get install iptables) and root"
    iptables -I $(partition_rule "$i") || die "could not add the iptables rule (root needed)"
    echo "node $i: remoting port $((4050 + i)) cut off (cluster.sh heal $i undoes it)"
    ;;
  heal) i=$(index "${2:-}"); iptables -D $(partition_rule "$i") 2>/dev/null || true ;;
  heal-all) heal_all ;;
  tls-args) i=$(index "${2:-}"); tls_args "$i" ;;
  backend-slow)
    j=$(index "${2:-}"); ms=${3:-}
    [[ "$ms" =~ ^[0-9]+$ ]] || die "backend-slow J MS: MS must be milliseconds, got '$ms'"
    curl -sf -X POST "http://127.0.0.1:$((5200 + j))/chaos/latency?ms=$ms" || die "backend $j did not take the latency"
    ;;
  backend-kill) j=$(index "${2:-}"); signal "$run/backend-$j.pid" KILL ;;
  backend-start) j=$(index "${2:-}"); start_backend "$j" ;;
  down)
    heal_all
    for f in "$run"/node-*.pid; do [ -f "$f" ] && kill -CONT "$(cat "$f")" 2>/dev/null; done
    # --now: SIGKILL, no drain and no leave, for a cluster that is thrown away (a finished chaos scenario).
    if [ "${2:-}" = --now ]; then
      killed=()
      for f in "$run"/node-*.pid "$run"/backend-*.pid; do alive "$f" && kill -KILL "$(cat "$f")" && killed+=("$(cat "$f")"); rm -f "$f"; done
      for pid in "${killed[@]}"; do for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done; done
    else
      for f in "$run"/node-*.pid "$run"/backend-*.pid; do [ -f "$f" ] && signal "$f" TERM; done
    fi
    echo "stopped; logs and journal kept in $run"
    ;;
  *) die "usage: cluster.sh up N | status | kill I | stop I | start I | pause I | resume I | partition I | heal I | backend-kill J | backend-start J | backend-slow J MS | down [--now] | tls-args I" ;;
esac
