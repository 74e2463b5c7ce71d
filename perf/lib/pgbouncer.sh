# PgBouncer targets for perf/bench.sh: install if missing, configure transaction mode, start as postgres.
# shellcheck shell=bash
#
# Instances (each its own process, config dir $WORK/<instance>, port, pid):
#   pgbouncer      plain transaction pooling of cluster main (the "pgbouncer" target);
#   pgbouncer-tls  the same, clients only over TLS (client_tls_sslmode = require).

# Per instance: listening port and pid.
declare -A PGB_PORT=() PGB_PID=()

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

# pgbouncer_config writes pgbouncer.ini and the auth_file (SCRAM verifier from pg_authid) of instance $1.
pgbouncer_config() {
	local inst=$1 dir=$WORK/$1
	mkdir -p "$dir"
	printf '"bench" "%s"\n' "$BENCH_VERIFIER" >"$dir/userlist.txt"
	cat >"$dir/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=${PG_PORTS[main]} dbname=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${PGB_PORT[$inst]}
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
	if is_tls_target "$inst"; then
		tls_cert
		cat >>"$dir/pgbouncer.ini" <<EOF
client_tls_sslmode = require
client_tls_cert_file = $TLS_CERT
client_tls_key_file = $TLS_KEY
EOF
	fi
	if [[ $EUID -eq 0 ]]; then
		chown -R postgres: "$dir"
	fi
	chmod 600 "$dir/userlist.txt"
}

# pgbouncer_start starts instance $1 (default pgbouncer) in the foreground (as postgres) in the
# background of this shell, sets PGB_PID[$1] to the real pgbouncer pid (not the runuser wrapper),
# then logs in once as bench (PgBouncer 1.25.2 fails every SCRAM login after a failed first one)
# and, for pgbouncer-tls, checks that a plaintext login is refused.
pgbouncer_start() {
	local inst=${1:-pgbouncer} dir wrap pid out
	dir=$WORK/$inst
	PGB_PORT[$inst]=$(free_port) || die "cannot pick a port"
	pgbouncer_config "$inst"
	as_pg_daemon "$dir" pgbouncer "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 &
	wrap=$!
	if ! pid=$(read_pidfile "$dir/pgbouncer.pid" 15); then
		stop_pid "$wrap" TERM
		tail -n 20 "$dir/stdout.log" "$dir/pgbouncer.log" >&2 2>/dev/null
		die "cannot start $inst: see $dir/"
	fi
	track_proc "$inst" "$pid" TERM "$wrap"
	PGB_PID[$inst]=$pid
	wait_port "${PGB_PORT[$inst]}" 15 "$pid" || die "$inst does not listen on 127.0.0.1:${PGB_PORT[$inst]}"
	client_env "$inst"
	if ! out=$(env "${CLIENT_ENV[@]}" timeout 15 "$(pg_tool psql)" -X -Atc 'SELECT 1' \
		-h 127.0.0.1 -p "${PGB_PORT[$inst]}" -U bench bench 2>&1) || [[ $out != 1 ]]; then
		tail -n 5 "$dir/pgbouncer.log" >&2 2>/dev/null
		die "SELECT 1 through $inst failed: $out"
	fi
	if is_tls_target "$inst"; then
		tls_check "$inst" "${PGB_PORT[$inst]}" || die "$TLS_ERR"
	fi
	log "$inst pid $pid listens on 127.0.0.1:${PGB_PORT[$inst]} ($(pgbouncer --version | head -n 1))${TLS_SESSION[$inst]:+, TLS: ${TLS_SESSION[$inst]}}"
}
