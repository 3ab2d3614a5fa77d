#!/usr/bin/env bash
# Packs the command-line client as a .NET tool, installs it from that local package, and checks the
# installed `clusterlb`: it runs, a bad command line exits 2, an unreachable server exits 3, and,
# when CLUSTERLB_SERVER (and a token) are set, `clusterlb status` on that node exits 0.
#
#   deploy/local/cli-tool.sh [DIR]     package in DIR/package, tool in DIR/tools (default ./run/cli)
#
# Then: export PATH="DIR/tools:$PATH"
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$PWD/run/cli}" && cd "${1:-$PWD/run/cli}" && pwd)
rm -rf "$out/package" "$out/tools"

dotnet pack "$root/src/ClusterLB.Cli/ClusterLB.Cli.csproj" -c Release -nologo -v quiet -o "$out/package"
dotnet tool install --tool-path "$out/tools" --add-source "$out/package" ClusterLB.Cli
clusterlb="$out/tools/clusterlb"

expect() { # expect CODE ARGS...: runs the installed tool, fails unless it exits CODE
    local want=$1; shift
    local got=0
    "$clusterlb" "$@" >/dev/null 2>&1 || got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: clusterlb $* exited $got, expected $want" >&2
        exit 1
    fi
    echo "ok: clusterlb $* exits $want"
}

expect 0 --help
expect 2 no-such-command
expect 3 status --server http://127.0.0.1:1 --token none
if [ -n "${CLUSTERLB_SERVER:-}" ]; then
    expect 0 status
fi
echo "installed: export PATH=\"$out/tools:\$PATH\""
