# pgdogd targets for perf/bench.sh: build bin/pgdogd, write PgDog-format configs, start and check instances.
# shellcheck shell=bash
#
# Instances (each its own process, config dir $WORK/<instance>, port, pid):
#   pgdogd         plain transaction pooling of cluster main (the "pgdogd" target);
#   pgdogd-mirror  the same, mirroring every transaction to cluster mirror (the "pgdogd-mirror" target);
#   pgdogd-mirror-nostats  the same without the comparison of mirrored statements (mirror_stats = false),
#                  which measures what the comparison costs;
#   pgdogd-tls     the same as pgdogd, clients only over TLS (tls_client_required; the "pgdogd-tls" target);
#   pgdogd-idle    md5 client auth, for the idle-clients case.

# PGDOGD_ERROR holds why the pgdogd binary is unavailable (empty when it built).
PGDOGD_ERROR=""
# Per instance: listening port, pid, and why it is unavailable.
declare -A PGD_PORT=() PGD_PID=() PGD_ERR=()
# MIRROR_QUEUE is the per-client mirror queue of pgdogd-mirror: 8x the default, so the case measures
# CPU, not drops (pgdogd allocates each client's queue up front: a huge one costs RSS per client).
MIRROR_QUEUE=${MIRROR_QUEUE:-1024}

# pgdogd_build builds bin/pgdogd unless PGDOGD_BIN names a binary. Sets PGDOGD_ERROR on failure.
pgdogd_build() {
	if [[ -n ${PGDOGD_BIN:-} ]]; then
		[[ -x $PGDOGD_BIN ]] || PGDOGD_ERROR="PGDOGD_BIN=$PGDOGD_BIN is not an executable file"
		return 0
	fi
	PGDOGD_BIN=$ROOT/bin/pgdogd
	log "go build -o bin/pgdogd ./cmd/pgdogd"
	if ! (cd "$ROOT" && timeout 600 go build -o bin/pgdogd ./cmd/pgdogd) >"$WORK/pgdogd-build.log" 2>&1; then
		tail -n 20 "$WORK/pgdogd-build.log" >&2
		PGDOGD_ERROR="go build ./cmd/pgdogd failed: $(grep -m 1 -v -e "^#" -e "^$" "$WORK/pgdogd-build.log")"
	fi
}

# pgdogd_config writes pgdog.toml and users.toml of instance $1 into $WORK/$1.
pgdogd_config() {
	local inst=$1 dir=$WORK/$1 auth=scram tls="" stats=true
	mkdir -p "$dir"
	[[ $inst == pgdogd-idle ]] && auth=md5
	[[ $inst == pgdogd-mirror-nostats ]] && stats=false
	if is_tls_target "$inst"; then
		tls_cert
		tls=$(printf 'tls_certificate = "%s"\ntls_private_key = "%s"\ntls_client_required = true' "$TLS_CERT" "$TLS_KEY")
	fi
	cat >"$dir/pgdog.toml" <<EOF
[general]
host = "127.0.0.1"
port = ${PGD_PORT[$inst]}
workers = 2
default_pool_size = 10
pooler_mode = "transaction"
auth_type = "$auth"
mirror_queue = $MIRROR_QUEUE
mirror_exposure = 1.0
mirror_stats = $stats
$tls

[[databases]]
name = "bench"
host = "127.0.0.1"
port = ${PG_PORTS[main]}

[admin]
password = "admin"
EOF
	cat >"$dir/users.toml" <<EOF
[[users]]
name = "bench"
database = "bench"
password = "bench_pw"
pool_size = 10
EOF
	[[ $inst == pgdogd-mirror* ]] || return 0
	cat >>"$dir/pgdog.toml" <<EOF

[[databases]]
name = "bench_mirror"
host = "127.0.0.1"
port = ${PG_PORTS[mirror]}
database_name = "bench"

[[mirroring]]
source_db = "bench"
destination_db = "bench_mirror"
EOF
	cat >>"$dir/users.toml" <<EOF

[[users]]
name = "bench"
database = "bench_mirror"
password = "bench_pw"
pool_size = 10
EOF
}

# pgdogd_fail records why instance $1 is unavailable ($2) and prints the tail of its log.
pgdogd_fail() {
	PGD_ERR[$1]=$2
	tail -n 20 "$WORK/$1/pgdogd.log" >&2 2>/dev/null
	log "ERROR: $1 unavailable: $2 (log: $WORK/$1/pgdogd.log)"
}

# pgdogd_start builds (once), starts and checks instance $1 (default pgdogd) with SELECT 1
# through it; sets PGD_PID[$1], or PGD_ERR[$1] (loudly) when it does not work. Never exits.
pgdogd_start() {
	local inst=${1:-pgdogd} pid out
	[[ -n ${PGDOGD_BUILT:-} ]] || pgdogd_build
	PGDOGD_BUILT=1
	if [[ -n $PGDOGD_ERROR ]]; then
		pgdogd_fail "$inst" "$PGDOGD_ERROR"
		return 1
	fi
	PGD_PORT[$inst]=$(free_port) || die "cannot pick a port"
	pgdogd_config "$inst"
	(cd "$WORK/$inst" && exec "$PGDOGD_BIN" -c pgdog.toml -u users.toml) >"$WORK/$inst/pgdogd.log" 2>&1 &
	pid=$!
	track_proc "$inst" "$pid" TERM
	if ! wait_port "${PGD_PORT[$inst]}" 15 "$pid"; then
		if pid_alive "$pid"; then
			pgdogd_fail "$inst" "$PGDOGD_BIN does not listen on 127.0.0.1:${PGD_PORT[$inst]} after 15 s"
		else
			pgdogd_fail "$inst" "$PGDOGD_BIN exited at start"
		fi
		stop_pid "$pid" TERM
		return 1
	fi
	client_env "$inst"
	if ! out=$(env "${CLIENT_ENV[@]}" timeout 15 "$(pg_tool psql)" -X -Atc 'SELECT 1' \
		-h 127.0.0.1 -p "${PGD_PORT[$inst]}" -U bench bench 2>&1) || [[ $out != 1 ]]; then
		pgdogd_fail "$inst" "SELECT 1 through $inst failed: $out"
		stop_pid "$pid" TERM
		return 1
	fi
	if is_tls_target "$inst" && ! tls_check "$inst" "${PGD_PORT[$inst]}"; then
		pgdogd_fail "$inst" "$TLS_ERR"
		stop_pid "$pid" TERM
		return 1
	fi
	PGD_PID[$inst]=$pid
	log "$inst pid $pid listens on 127.0.0.1:${PGD_PORT[$inst]} ($PGDOGD_BIN)${TLS_SESSION[$inst]:+, TLS: ${TLS_SESSION[$inst]}}"
}

# pgdogd_admin runs admin console command $2 on instance $1; prints rows as unaligned |-separated lines.
pgdogd_admin() {
	PGPASSWORD="admin" timeout 10 "$(pg_tool psql)" -X -At -h 127.0.0.1 -p "${PGD_PORT[$1]}" \
		-U admin -c "$2" admin
}

# mirror_counts prints "mirrored dropped errors queued" summed over SHOW MIRRORS of instance $1
# (PgDog's columns first: database, user, total_count, mirrored_count, dropped_count,
# error_count, queue_length, then pgdogd's own).
mirror_counts() {
	pgdogd_admin "$1" "SHOW MIRRORS" 2>/dev/null |
		awk -F'|' 'NF >= 8 { m += $4; d += $5; e += $6; q += $7; n++ }
			END { if (n) printf "%d %d %d %d\n", m, d, e, q; else exit 1 }'
}

# mirror_drain waits (at most $2 seconds) until instance $1 has no queued mirror transaction,
# so a backlog never runs into the next measured run.
mirror_drain() {
	local inst=$1 limit=$2 i c
	for ((i = 0; i < limit * 5; i++)); do
		c=$(mirror_counts "$inst") || return 1
		[[ ${c##* } == 0 ]] && return 0
		sleep 0.2
	done
	warn "$inst: mirror queue not empty after ${limit}s ($c)"
	return 1
}
