#!/usr/bin/env bash
# need-python.sh: make sure Debian's /usr/bin/python3 can import psycopg 3 and asyncpg (the Python driver tests); install them when missing.
set -euo pipefail
PY=/usr/bin/python3
have() { [ -x "$PY" ] && "$PY" -c 'import psycopg, asyncpg' >/dev/null 2>&1; }
if have; then exit 0; fi
echo "$PY cannot import psycopg and asyncpg: installing python3-psycopg and python3-asyncpg with apt-get" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-psycopg python3-asyncpg >/dev/null
fi
if ! have; then
  echo "$PY still cannot import psycopg and asyncpg; install python3-psycopg and python3-asyncpg" >&2
  exit 1
fi
