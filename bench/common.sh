# Shared by the one-node bench scripts (edge.sh, features.sh): options, a work directory that goes
# away with every process started, the builds, and small helpers. Source it; set `script` and
# `help_lines` first (the lines of the script's own header to print for --help).
duration=${duration:-10} connections=${connections:-32} rounds=${rounds:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "bench/$script: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--duration needs whole seconds"; duration=$2; shift ;;
    --connections) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--connections needs a number"; connections=$2; shift ;;
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a number"; rounds=$2; shift ;;
    -h|--help) sed -n "$help_lines" "$root/bench/$script"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
command -v wrk >/dev/null || die "needs wrk (apt-get install wrk)"

work=$(mktemp -d "${TMPDIR:-/tmp}/clusterlb-${script%.sh}.XXXXXX")
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build "$root/src/ClusterLB.Node" -c Release -nologo -v quiet >/dev/null
dotnet build "$root/src/ClusterLB.EchoBackend" -c Release -nologo -v quiet >/dev/null
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; die "$1 did not come up (logs: $work)"; }
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else if (v ~ /s$/) print v*1000; else print v }'; }

# One wrk run against a node whose process id is `node_pid`: prints `requests/s | p50 ms | p99 ms | CPU µs/request`
# (utime+stime of the node from /proc over the run, divided by the requests), and any errors on stderr.
# Arguments: a label for the error lines, the lua script, the URL.
measure() {
  local label=$1 lua=$2 url=$3 before after out requests rps p50 p99 cpu_us errors
  before=$(awk '{print $14 + $15}' "/proc/$node_pid/stat")
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$lua" "$url" 2>&1)
  after=$(awk '{print $14 + $15}' "/proc/$node_pid/stat")
  requests=$(awk '/requests in/{print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/{printf "%.0f", $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")"); p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
  cpu_us=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [ -n "$errors" ] && echo "  $label: $errors" >&2
  echo "$rps | $p50 | $p99 | $cpu_us"
}

# The row of the median requests/s among the rows (one per round) in $1.
median_row() { printf '%s' "$1" | sort -t'|' -k1,1n | sed -n "$(( (rounds + 1) / 2 ))p"; }
