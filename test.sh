#!/usr/bin/env bash
# Installs what the tests need (Debian packages only), starts a throwaway PostgreSQL on a loopback
# port, builds and runs every test and the CI subset of the chaos scenarios (docs/chaos.md), then stops
# what it started.
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

# --- Debian packages --------------------------------------------------------------------------
need_packages=()
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
command -v iptables >/dev/null 2>&1 || need_packages+=(iptables) # the partition chaos scenario
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_packages+=(postgresql)
command -v promtool >/dev/null 2>&1 || need_packages+=(prometheus) # promtool checks deploy/prometheus
# The dashboard tests drive Debian's chromium through Playwright (never a downloaded browser); its
# screenshots need a font.
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_packages+=(fonts-dejavu-core)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} ..."
  # No package may start its service (prometheus would take port 9090, postgresql 5432): the tests
  # start what they need themselves. policy-rc.d is Debian's switch for that, removed again after.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy"; }
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  installed=$?
  [ "$had_policy" = 1 ] || $SUDO rm -f "$policy"
  [ "$installed" = 0 ] || { echo "could not install ${need_packages[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet on PATH)." >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# --- PostgreSQL on loopback, in a temporary directory ------------------------------------------
pg_dir=$(mktemp -d /tmp/clusterlb-pg.XXXXXX)
pg_port=${CLUSTERLB_TEST_PG_PORT:-55432}
log=$(mktemp)
trap 'bash deploy/local/postgres.sh destroy "$pg_dir"; rm -f "$log"' EXIT
bash deploy/local/postgres.sh start "$pg_dir" "$pg_port" \
  || { echo "could not start PostgreSQL"; echo "0 passed, 1 failed"; exit 1; }
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

# Each test with its time (console logger, normal), so that a slow suite shows where the time goes.
dotnet test ClusterLB.sln -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -oE "Passed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE "Failed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner failed without reporting a failed test (e.g. a crash)
fi

# --- chaos scenarios on a local multi-process cluster ------------------------------------------
# The CI subset (docs/chaos.md): one of each kind of fault that fits the time budget; `all` runs ten.
chaos_scenarios=${CLUSTERLB_CHAOS_SCENARIOS:-node-kill writer-kill partition backend-kill journal-down rolling-restart}
if [ "$chaos_scenarios" != none ]; then
  echo "Chaos scenarios (local cluster): $chaos_scenarios"
  bash deploy/chaos/run.sh --local $chaos_scenarios 2>&1 | tee "$log"
  chaos_status=${PIPESTATUS[0]}
  chaos_passed=$(grep -cE "^PASS  " "$log")
  chaos_failed=$(grep -cE "^FAIL  " "$log")
  if [ "$chaos_status" -ne 0 ] && [ "$chaos_failed" -eq 0 ]; then
    chaos_failed=1 # the runner stopped before judging a scenario
  fi
  passed=$((passed + chaos_passed))
  failed=$((failed + chaos_failed))
  [ "$chaos_status" -eq 0 ] || status=1
fi

echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
