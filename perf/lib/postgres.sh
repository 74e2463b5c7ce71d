# Throwaway PostgreSQL cluster for perf/bench.sh: initdb, start, bench role and pgbench data.
# shellcheck shell=bash

# pg_tool prints the path of PostgreSQL program $1, preferring $PG_BIN, then PATH.
pg_tool() {
	if [[ -x $PG_BIN/$1 ]]; then
		echo "$PG_BIN/$1"
	elif command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
	else
		die "cannot find $1 (looked in $PG_BIN and PATH)"
	fi
}

# pg_super runs SQL $1 as the postgres superuser over the cluster's unix socket.
pg_super() {
	as_pg "$(pg_tool psql)" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PG_PORT" -U postgres -d "${2:-postgres}" -Atc "$1"
}

# pg_init creates the cluster in $WORK/data with scram-sha-256 auth on 127.0.0.1.
pg_init() {
	local data=$WORK/data
	log "initdb in $data ($($(pg_tool postgres) --version))"
	as_pg "$(pg_tool initdb)" -D "$data" -U postgres -E UTF8 --no-sync \
		--auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1 ||
		die "cannot initdb: see $WORK/initdb.log"
	as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK'
max_connections = 300
fsync = off
password_encryption = 'scram-sha-256'
logging_collector = off
EOF
}

# pg_start starts postgres in the background and waits until it accepts connections.
pg_start() {
	local wrap pid
	as_pg_daemon "$WORK" "$(pg_tool postgres)" -D "$WORK/data" >"$WORK/postgres.log" 2>&1 &
	wrap=$!
	if ! pid=$(read_pidfile "$WORK/data/postmaster.pid" 30); then
		tail -n 20 "$WORK/postgres.log" >&2
		die "cannot start postgres: see $WORK/postgres.log"
	fi
	track_proc postgres "$pid" INT "$wrap"
	PG_PID=$pid
	wait_port "$PG_PORT" 30 "$pid" || die "postgres does not listen on 127.0.0.1:$PG_PORT"
	local i
	for ((i = 0; i < 300; i++)); do
		"$(pg_tool pg_isready)" -q -h 127.0.0.1 -p "$PG_PORT" && break
		sleep 0.1
	done
	log "postgres pid $PG_PID listens on 127.0.0.1:$PG_PORT"
}

# pg_load creates role bench / database bench and runs pgbench -i -s $BENCH_SCALE directly.
pg_load() {
	pg_super "CREATE ROLE bench LOGIN PASSWORD 'bench_pw'" >/dev/null || die "cannot create role bench"
	pg_super "CREATE DATABASE bench OWNER bench" >/dev/null || die "cannot create database bench"
	log "pgbench -i -s $BENCH_SCALE (direct)"
	PGPASSWORD=bench_pw timeout 600 "$(pg_tool pgbench)" -i -s "$BENCH_SCALE" -q \
		-h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$WORK/pgbench-init.log" 2>&1 ||
		die "cannot pgbench -i: see $WORK/pgbench-init.log"
	pg_super "VACUUM ANALYZE" bench >/dev/null || die "cannot vacuum bench"
	BENCH_VERIFIER=$(pg_super "SELECT rolpassword FROM pg_authid WHERE rolname = 'bench'")
	[[ $BENCH_VERIFIER == SCRAM-SHA-256\$* ]] || die "bench has no SCRAM verifier: $BENCH_VERIFIER"
}

# pg_maintain resets tpcb-like state directly on postgres (what pgbench does without -n),
# so every target starts a tpcb run from the same state without the proxy being involved.
pg_maintain() {
	local sql
	for sql in "TRUNCATE pgbench_history" "VACUUM pgbench_branches" "VACUUM pgbench_tellers"; do
		pg_super "$sql" bench >/dev/null || warn "direct maintenance failed: $sql"
	done
}
