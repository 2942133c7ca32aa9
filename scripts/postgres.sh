#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for one test run: `scripts/postgres.sh start DIR` creates it in DIR (a unix
# socket there, no TCP, fsync off) and prints its URL; `scripts/postgres.sh stop DIR` stops it and removes DIR;
# `pause DIR` / `resume DIR` stop and start the server keeping its data (the restart tests). Up to 300 connections:
# the tests run many stores at once, each with its own pool.
# initdb refuses to run as root: as root the cluster belongs to the unprivileged test account.
set -euo pipefail

action=${1:?usage: postgres.sh start|stop|pause|resume DIR}
dir=${2:?usage: postgres.sh start|stop|pause|resume DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed (scripts/test-deps.sh installs it)" >&2; exit 69; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u popsa-ops-test -- "$@"; else "$@"; fi
}

case "$action" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown popsa-ops-test: "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U ops --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start \
    >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h "$dir" -U ops popsa
  # The tests (run by whoever runs them) reach the socket; trust, as the cluster lives only for the run.
  chmod 0755 "$dir"
  echo "postgresql://ops@/popsa?host=$dir"
  ;;
pause)
  # The server goes away, its data stays: `resume` brings it back (a restart, as ops boxes would see one).
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
resume)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start \
    >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  ;;
stop)
  if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start|stop|pause|resume DIR" >&2
  exit 64
  ;;
esac
