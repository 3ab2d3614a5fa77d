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
