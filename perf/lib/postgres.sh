# Throwaway PostgreSQL clusters for perf/bench.sh and scripts/demo.sh: initdb, start, role, database and pgbench data.
# shellcheck shell=bash
#
# Each cluster has a name; cluster NAME lives in $WORK/pg-NAME (its unix socket directory,
# postgres.log) with its data in $WORK/pg-NAME/data, and listens on 127.0.0.1:${PG_PORTS[NAME]}.
# Every cluster gets the same role and database: PG_ROLE / PG_ROLE_PW own PG_DB.

declare -A PG_PORTS=() PG_PIDS=()
PG_ROLE=${PG_ROLE:-bench}
PG_ROLE_PW=${PG_ROLE_PW:-bench_pw}
PG_DB=${PG_DB:-bench}

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

# pg_dir prints the directory of cluster $1.
pg_dir() { echo "$WORK/pg-$1"; }

# pg_sql runs SQL $3 in database $2 of cluster $1 as the postgres superuser (unix socket);
# prints the rows unaligned, one per line.
pg_sql() {
	as_pg "$(pg_tool psql)" -X -q -v ON_ERROR_STOP=1 -h "$(pg_dir "$1")" -p "${PG_PORTS[$1]}" \
		-U postgres -d "$2" -Atc "$3"
}

# pg_super runs SQL $1 on cluster "main" as the superuser, in database $2 (default postgres).
pg_super() { pg_sql main "${2:-postgres}" "$1"; }

# pg_init creates cluster $1 (port: a free one unless PG_PORTS[$1] is set) with scram-sha-256
# auth on 127.0.0.1. Safe to run several in parallel once their ports are set.
pg_init() {
	local name=$1 dir
	dir=$(pg_dir "$name")
	[[ -n ${PG_PORTS[$name]:-} ]] || PG_PORTS[$name]=$(free_port) || die "cannot pick a port"
	mkdir -p "$dir" && chmod 755 "$dir"
	[[ $EUID -eq 0 ]] && chown postgres: "$dir"
	as_pg "$(pg_tool initdb)" -D "$dir/data" -U postgres -E UTF8 --no-sync \
		--auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
		die "cannot initdb cluster $name: see $dir/initdb.log"
	as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = ${PG_PORTS[$name]}
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
password_encryption = 'scram-sha-256'
logging_collector = off
EOF
}

# pg_init_all creates clusters "$@" in parallel (initdb is the slow part of a cold start).
pg_init_all() {
	local name pids=() pid rc=0
	for name in "$@"; do
		[[ -n ${PG_PORTS[$name]:-} ]] || PG_PORTS[$name]=$(free_port) || die "cannot pick a port"
	done
	log "initdb $* ($($(pg_tool postgres) --version))"
	for name in "$@"; do
		(pg_init "$name") &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	((rc == 0)) || die "initdb failed"
}

# pg_start starts cluster $1 in the background and waits until it accepts connections.
pg_start() {
	local name=$1 dir wrap pid port i
	dir=$(pg_dir "$name")
	port=${PG_PORTS[$name]}
	as_pg_daemon "$dir" "$(pg_tool postgres)" -D "$dir/data" >"$dir/postgres.log" 2>&1 &
	wrap=$!
	if ! pid=$(read_pidfile "$dir/data/postmaster.pid" 30); then
		tail -n 20 "$dir/postgres.log" >&2
		die "cannot start postgres ($name): see $dir/postgres.log"
	fi
	track_proc "postgres $name" "$pid" INT "$wrap"
	PG_PIDS[$name]=$pid
	wait_port "$port" 30 "$pid" || die "postgres ($name) does not listen on 127.0.0.1:$port"
	for ((i = 0; i < 300; i++)); do
		"$(pg_tool pg_isready)" -q -h 127.0.0.1 -p "$port" && break
		sleep 0.1
	done
	log "postgres $name pid $pid listens on 127.0.0.1:$port"
}

# pg_load creates PG_ROLE / PG_DB in cluster $1 and runs pgbench -i -s $2 directly on it.
# For cluster main, sets BENCH_VERIFIER to the role's SCRAM verifier (each cluster salts its own).
pg_load() {
	local name=$1 scale=$2 dir
	dir=$(pg_dir "$name")
	pg_sql "$name" postgres "CREATE ROLE $PG_ROLE LOGIN PASSWORD '$PG_ROLE_PW'" >/dev/null ||
		die "cannot create role $PG_ROLE in $name"
	pg_sql "$name" postgres "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >/dev/null ||
		die "cannot create database $PG_DB in $name"
	log "pgbench -i -s $scale ($name, direct)"
	PGPASSWORD=$PG_ROLE_PW timeout 600 "$(pg_tool pgbench)" -i -s "$scale" -q \
		-h 127.0.0.1 -p "${PG_PORTS[$name]}" -U "$PG_ROLE" "$PG_DB" >"$dir/pgbench-init.log" 2>&1 ||
		die "cannot pgbench -i on $name: see $dir/pgbench-init.log"
	pg_sql "$name" "$PG_DB" "VACUUM ANALYZE" >/dev/null || die "cannot vacuum $PG_DB on $name"
	[[ $name == main ]] || return 0
	BENCH_VERIFIER=$(pg_sql "$name" postgres "SELECT rolpassword FROM pg_authid WHERE rolname = '$PG_ROLE'")
	[[ $BENCH_VERIFIER == SCRAM-SHA-256\$* ]] || die "$PG_ROLE has no SCRAM verifier: $BENCH_VERIFIER"
}

# pg_maintain resets tpcb-like state directly on clusters "$@" (what pgbench does without -n),
# so every target starts a tpcb run from the same state without the proxy being involved.
pg_maintain() {
	local name sql
	for name in "$@"; do
		for sql in "TRUNCATE pgbench_history" "VACUUM pgbench_branches" "VACUUM pgbench_tellers"; do
			pg_sql "$name" "$PG_DB" "$sql" >/dev/null || warn "direct maintenance failed on $name: $sql"
		done
	done
}
