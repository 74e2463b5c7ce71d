# PgBouncer target for perf/bench.sh: install if missing, configure transaction mode, start as postgres.
# shellcheck shell=bash

# pgbouncer_ensure installs Debian's pgbouncer when missing. Returns non-zero when it is
# still missing; under CI=true that is fatal.
pgbouncer_ensure() {
	command -v pgbouncer >/dev/null 2>&1 && return 0
	if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		log "pgbouncer missing: apt-get install -y pgbouncer"
		{
			timeout 300 apt-get update &&
				DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y pgbouncer
		} >"$WORK/apt-pgbouncer.log" 2>&1 || tail -n 5 "$WORK/apt-pgbouncer.log" >&2
	fi
	command -v pgbouncer >/dev/null 2>&1 && return 0
	if [[ ${CI:-} == true ]]; then
		die "pgbouncer is not installed and could not be installed (CI=true)"
	fi
	warn "pgbouncer is not installed and could not be installed: skipping the pgbouncer column"
	return 1
}

# pgbouncer_config writes pgbouncer.ini and the auth_file (SCRAM verifier from pg_authid).
pgbouncer_config() {
	local dir=$WORK/pgbouncer
	mkdir -p "$dir"
	printf '"bench" "%s"\n' "$BENCH_VERIFIER" >"$dir/userlist.txt"
	cat >"$dir/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=${PG_PORTS[main]} dbname=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 10
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 1000
max_db_connections = 0
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
log_connections = 0
log_disconnections = 0
stats_period = 3600
EOF
	if [[ $EUID -eq 0 ]]; then
		chown -R postgres: "$dir"
	fi
	chmod 600 "$dir/userlist.txt"
}

# pgbouncer_start starts pgbouncer in the foreground (as postgres) in the background of this
# shell, then sets PGB_PID to the real pgbouncer pid (not the runuser wrapper).
pgbouncer_start() {
	local wrap pid
	PGB_PORT=$(free_port) || die "cannot pick a port"
	pgbouncer_config
	as_pg_daemon "$WORK/pgbouncer" pgbouncer "$WORK/pgbouncer/pgbouncer.ini" >"$WORK/pgbouncer/stdout.log" 2>&1 &
	wrap=$!
	if ! pid=$(read_pidfile "$WORK/pgbouncer/pgbouncer.pid" 15); then
		stop_pid "$wrap" TERM
		tail -n 20 "$WORK/pgbouncer/stdout.log" "$WORK/pgbouncer/pgbouncer.log" >&2 2>/dev/null
		die "cannot start pgbouncer: see $WORK/pgbouncer/"
	fi
	track_proc pgbouncer "$pid" TERM "$wrap"
	PGB_PID=$pid
	wait_port "$PGB_PORT" 15 "$pid" || die "pgbouncer does not listen on 127.0.0.1:$PGB_PORT"
	log "pgbouncer pid $PGB_PID listens on 127.0.0.1:$PGB_PORT ($(pgbouncer --version | head -n 1))"
}
