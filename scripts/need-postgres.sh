#!/usr/bin/env bash
# need-postgres.sh: make sure PostgreSQL 15's server binaries, psql and pgbench are here; install them when missing.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
have() { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/pgbench" ] && command -v psql >/dev/null; }
if have; then exit 0; fi
echo "PostgreSQL 15 binaries not found in $PG_BIN: installing postgresql-15 with apt-get" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
fi
if ! have; then
  echo "PostgreSQL 15 binaries are still missing in $PG_BIN; install postgresql-15 (or set PG_BIN)" >&2
  exit 1
fi
