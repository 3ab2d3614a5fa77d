#!/usr/bin/env bash
# A throwaway PostgreSQL server on a loopback port, from Debian's postgresql package: the journal of
# the local chaos cluster and of the test suite.
#
#   postgres.sh start DIR PORT        initdb into DIR on first use, then start on 127.0.0.1:PORT (trust auth, no fsync)
#   postgres.sh stop DIR              stop at once (the server stays in DIR; start brings it back)
#   postgres.sh createdb DIR PORT DB  create database DB unless it exists
#   postgres.sh destroy DIR           stop and delete DIR
# As root the server runs as the postgres user.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 2; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pg_bin" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}; dir=${2:-}
[ -n "$dir" ] || die "usage: postgres.sh start DIR PORT | stop DIR | createdb DIR PORT DB | destroy DIR"
case "$cmd" in
  start)
    port=${3:-}; [[ "$port" =~ ^[0-9]+$ ]] || die "start DIR PORT: PORT must be a number, got '$port'"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
    fi
    if ! as_postgres "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_postgres "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
        || { cat "$dir/server.log" >&2 2>/dev/null; die "could not start PostgreSQL on 127.0.0.1:$port"; }
    fi
    ;;
  stop)
    [ -d "$dir/data" ] && as_postgres "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    ;;
  createdb)
    port=${3:-}; db=${4:-}
    [[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]] || die "createdb DIR PORT DB: DB must be lower-case letters, digits and _, got '$db'"
    exists=$("$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
    [ "$exists" = 1 ] || "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $db" >/dev/null
    ;;
  destroy)
    [ -d "$dir/data" ] && as_postgres "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) die "usage: postgres.sh start DIR PORT | stop DIR | createdb DIR PORT DB | destroy DIR" ;;
esac
