# pgdogd target for perf/bench.sh: build bin/pgdogd, write PgDog-format config, start and check it.
# shellcheck shell=bash

# PGDOGD_ERROR holds why pgdogd is unavailable (empty when it runs).
PGDOGD_ERROR=""

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

# pgdogd_config writes pgdog.toml and users.toml into $WORK/pgdogd.
pgdogd_config() {
	local dir=$WORK/pgdogd
	mkdir -p "$dir"
	cat >"$dir/pgdog.toml" <<EOF
[general]
host = "127.0.0.1"
port = $PGDOGD_PORT
workers = 2
default_pool_size = 10
pooler_mode = "transaction"
auth_type = "scram"

[[databases]]
name = "bench"
host = "127.0.0.1"
port = $PG_PORT

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
}

# pgdogd_fail records why pgdogd is unavailable and prints the tail of its log.
pgdogd_fail() {
	PGDOGD_ERROR=$1
	tail -n 20 "$WORK/pgdogd/pgdogd.log" >&2 2>/dev/null
	log "ERROR: pgdogd target unavailable: $PGDOGD_ERROR (log: $WORK/pgdogd/pgdogd.log)"
}

# pgdogd_start builds, starts and checks pgdogd (SELECT 1 through it); sets PGDOGD_PID,
# or PGDOGD_ERROR (loudly) when it does not work. Never exits the script.
pgdogd_start() {
	local pid out
	pgdogd_build
	if [[ -n $PGDOGD_ERROR ]]; then
		pgdogd_fail "$PGDOGD_ERROR"
		return 1
	fi
	PGDOGD_PORT=$(free_port) || die "cannot pick a port"
	pgdogd_config
	(cd "$WORK/pgdogd" && exec "$PGDOGD_BIN" -c pgdog.toml -u users.toml) >"$WORK/pgdogd/pgdogd.log" 2>&1 &
	pid=$!
	track_proc pgdogd "$pid" TERM
	if ! wait_port "$PGDOGD_PORT" 15 "$pid"; then
		if pid_alive "$pid"; then
			pgdogd_fail "$PGDOGD_BIN does not listen on 127.0.0.1:$PGDOGD_PORT after 15 s"
		else
			pgdogd_fail "$PGDOGD_BIN exited at start"
		fi
		stop_pid "$pid" TERM
		return 1
	fi
	if ! out=$(PGPASSWORD=bench_pw timeout 15 "$(pg_tool psql)" -X -Atc 'SELECT 1' \
		-h 127.0.0.1 -p "$PGDOGD_PORT" -U bench bench 2>&1) || [[ $out != 1 ]]; then
		pgdogd_fail "SELECT 1 through pgdogd failed: $out"
		stop_pid "$pid" TERM
		return 1
	fi
	PGDOGD_PID=$pid
	log "pgdogd pid $PGDOGD_PID listens on 127.0.0.1:$PGDOGD_PORT ($PGDOGD_BIN)"
}
