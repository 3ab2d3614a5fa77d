#!/usr/bin/env bash
# Installs what the tests need (Debian packages only), starts a throwaway PostgreSQL on a loopback
# port, builds and runs every test, then stops what it started.
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

# --- Debian packages --------------------------------------------------------------------------
need_packages=()
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_packages+=(postgresql)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} ..."
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null \
    || { echo "could not install ${need_packages[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet on PATH)." >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# --- PostgreSQL on loopback, in a temporary directory ------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_dir=$(mktemp -d /tmp/clusterlb-pg.XXXXXX)
pg_port=${CLUSTERLB_TEST_PG_PORT:-55432}
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_postgres() {
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
log=$(mktemp)
trap 'stop_postgres; rm -f "$log"' EXIT
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null \
  && as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
       -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
  || { echo "could not start PostgreSQL"; cat "$pg_dir/server.log" 2>/dev/null; echo "0 passed, 1 failed"; exit 1; }
export CLUSTERLB_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
echo "PostgreSQL for tests on 127.0.0.1:$pg_port"

# --- build and test ---------------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build ClusterLB.sln -c Release -nologo -v quiet >"$log" 2>&1
if grep -qE "Build FAILED|error [A-Z]+[0-9]+" "$log"; then
  grep -E "error" "$log" | sort -u | head -30
  echo "Build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test ClusterLB.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -oE "Passed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE "Failed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner failed without reporting a failed test (e.g. a crash)
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
