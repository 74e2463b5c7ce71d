#!/usr/bin/env bash
# demo.sh (`make demo`): pgdogd pools a throwaway "prod" cluster and mirrors its traffic to "staging", live, in under a minute.
#
# Knobs: DEMO_SECONDS (20, pgbench run) DEMO_RATE (300, transactions/s, pgbench -R) DEMO_CLIENTS (8)
#        DEMO_OUTPUT (./demo-output: generated configs and logs) PG_BIN (/usr/lib/postgresql/15/bin)
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../perf/lib/common.sh
source "$ROOT/perf/lib/common.sh"
# shellcheck source=../perf/lib/postgres.sh
source "$ROOT/perf/lib/postgres.sh"
# shellcheck source=lib/demo_view.sh
source "$ROOT/scripts/lib/demo_view.sh"

DEMO_SECONDS=${DEMO_SECONDS:-20}
DEMO_RATE=${DEMO_RATE:-300}
DEMO_CLIENTS=${DEMO_CLIENTS:-8}
OUT=${DEMO_OUTPUT:-$ROOT/demo-output}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_ROLE=app PG_ROLE_PW=app_pw PG_DB=app
ADMIN_PW=demo-admin
WORK="" PGD_PORT="" MET_PORT="" PGD_PID="" BENCH_PID="" STARTED=$SECONDS SETUP_LOG=""

say() { printf '==> %s\n' "$*"; }

# cleanup stops everything the demo started (by pid) and removes the clusters.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if ((rc != 0)) && [[ -n $SETUP_LOG && -s $SETUP_LOG ]] && { true >&3; } 2>/dev/null; then
		exec 2>&3 # setup failed while its messages went to the log: show them
		tail -n 20 "$SETUP_LOG" >&2
	fi
	[[ -n $BENCH_PID ]] && stop_pid "$BENCH_PID" TERM
	stop_all 2>/dev/null
	[[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
	if ((rc == 0)); then
		say "stopped pgdogd, prod and staging; done in $((SECONDS - STARTED)) s"
	else
		echo "demo FAILED (exit $rc); configs and logs are in $OUT" >&2
	fi
	exit "$rc"
}

# setup_clusters creates prod and staging with the same schema and data (pgbench -i -s 1),
# plus the demo_timing table of the timing check.
setup_clusters() {
	local c
	WORK=$(mktemp -d /tmp/pgdogd-demo.XXXXXX) || die "cannot create a temp dir"
	chmod 755 "$WORK"
	if [[ $EUID -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "no postgres OS user (install postgresql-15)"
		chown postgres: "$WORK"
	fi
	say "creating two throwaway PostgreSQL clusters, prod and staging, in $WORK"
	mkdir -p "$OUT" || die "cannot create $OUT"
	SETUP_LOG=$OUT/setup.log
	# The clusters' own messages go to setup.log; cleanup shows its end if this fails.
	exec 3>&2 2>"$SETUP_LOG"
	pg_init_all prod staging
	for c in prod staging; do
		pg_start "$c"
		pg_load "$c" 1
		pg_sql "$c" "$PG_DB" "CREATE TABLE demo_timing (step int PRIMARY KEY, at timestamptz NOT NULL);
			ALTER TABLE demo_timing OWNER TO $PG_ROLE;
			CREATE TABLE demo_orders (id int PRIMARY KEY, customer int NOT NULL, amount numeric NOT NULL, note text);
			INSERT INTO demo_orders SELECT g, g % 5000, g % 97 FROM generate_series(1, 100000) g;
			ALTER TABLE demo_orders OWNER TO $PG_ROLE" >/dev/null || die "cannot create the demo tables on $c"
	done
	# Staging differs from prod the way a forgotten migration does: the index on
	# demo_orders.customer is missing, and so is the column note.
	pg_sql prod "$PG_DB" "CREATE INDEX demo_orders_customer ON demo_orders (customer); ANALYZE demo_orders" >/dev/null ||
		die "cannot index demo_orders on prod"
	pg_sql staging "$PG_DB" "ALTER TABLE demo_orders DROP COLUMN note; ANALYZE demo_orders" >/dev/null ||
		die "cannot drop demo_orders.note on staging"
	exec 2>&3 3>&-
	say "prod on 127.0.0.1:${PG_PORTS[prod]}, staging on 127.0.0.1:${PG_PORTS[staging]}: pgbench data at scale 1 and demo_orders;"
	say "staging lacks prod's index on demo_orders(customer) and its column demo_orders.note"
}

# write_scripts writes the demo's own pgbench scripts beside tpcb-like: a lookup by customer
# (indexed on prod only) and, rarely, an update of the note (a column staging lacks).
write_scripts() {
	cat >"$OUT/lookup.sql" <<'EOS'
\set c random(1, 4999)
SELECT count(*), sum(amount) FROM demo_orders WHERE customer = :c;
EOS
	cat >"$OUT/note.sql" <<'EOS'
\set id random(1, 100000)
UPDATE demo_orders SET note = 'checked' WHERE id = :id;
EOS
}

# write_config writes pgdog.toml and users.toml into $OUT.
write_config() {
	PGD_PORT=$(free_port) || die "cannot pick a port"
	MET_PORT=$(free_port) || die "cannot pick a port"
	mkdir -p "$OUT" || die "cannot create $OUT"
	cat >"$OUT/pgdog.toml" <<EOF
# pgdog.toml written by make demo: pool "prod" and mirror every transaction to "staging".
# Start it yourself with: bin/pgdogd -c pgdog.toml -u users.toml (adjust the ports).
[general]
host = "127.0.0.1"
port = $PGD_PORT
workers = 2
default_pool_size = 4
pooler_mode = "transaction"
auth_type = "scram"
mirror_queue = 128      # transactions queued per client for staging; more are dropped, never blocking prod
mirror_exposure = 1.0   # fraction of transactions mirrored (the demo lowers it to 0.5 at runtime)
mirror_stats = true     # compare every mirrored statement with prod: SHOW MIRROR QUERIES, /mirror
mirror_stats_timing = 0.1 # the share of transactions staging runs statement by statement to time each one
openmetrics_port = $MET_PORT # /metrics and the /mirror report
openmetrics_host = "127.0.0.1"

[[databases]]
name = "prod"
host = "127.0.0.1"
port = ${PG_PORTS[prod]}
database_name = "$PG_DB"

[[databases]]
name = "staging"
host = "127.0.0.1"
port = ${PG_PORTS[staging]}
database_name = "$PG_DB"

[[mirroring]]
source_db = "prod"
destination_db = "staging"

[admin]
password = "$ADMIN_PW"
EOF
	cat >"$OUT/users.toml" <<EOF
# users.toml written by make demo: the same user for prod and for its mirror.
[[users]]
name = "$PG_ROLE"
database = "prod"
password = "$PG_ROLE_PW"

[[users]]
name = "$PG_ROLE"
database = "staging"
password = "$PG_ROLE_PW"
EOF
}

# start_pgdogd starts bin/pgdogd on the generated config and waits for it to answer.
start_pgdogd() {
	local out
	(cd "$OUT" && exec "$ROOT/bin/pgdogd" -c pgdog.toml -u users.toml) >"$OUT/pgdogd.log" 2>&1 &
	PGD_PID=$!
	track_proc pgdogd "$PGD_PID" TERM
	wait_port "$PGD_PORT" 15 "$PGD_PID" || {
		tail -n 20 "$OUT/pgdogd.log" >&2
		die "pgdogd did not start: see $OUT/pgdogd.log"
	}
	if ! out=$(app_psql -Atc 'SELECT 1' 2>&1) || [[ $out != 1 ]]; then
		die "SELECT 1 through pgdogd failed: $out"
	fi
	say "pgdogd (pid $PGD_PID) listens on 127.0.0.1:$PGD_PORT, pooling prod and mirroring it to staging"
}

# app_psql runs psql as the app user through pgdogd, database prod.
app_psql() {
	PGPASSWORD=$PG_ROLE_PW timeout 20 "$(pg_tool psql)" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGD_PORT" -U "$PG_ROLE" "$@" prod
}

# admin runs admin console command $1; prints rows unaligned, |-separated.
admin() {
	PGPASSWORD=$ADMIN_PW timeout 10 "$(pg_tool psql)" -X -At -h 127.0.0.1 -p "$PGD_PORT" -U admin -c "$1" admin
}

# run_workload runs pgbench tpcb-like through pgdogd (rate-limited) with a live status line;
# halfway it lowers mirror_exposure to 0.5 through the admin console.
run_workload() {
	local t0 now half=$((DEMO_SECONDS / 2)) lowered=0 rc=0
	say "pgbench through pgdogd: tpcb-like, with a lookup of demo_orders by customer (3 in 20) and an update of its note (1 in 20)"
	say "$DEMO_CLIENTS clients, $DEMO_RATE txn/s for ${DEMO_SECONDS}s"
	PGPASSWORD=$PG_ROLE_PW timeout -k 5 $((DEMO_SECONDS + 30)) "$(pg_tool pgbench)" -n -b tpcb-like@16 \
		-f "$OUT/lookup.sql@3" -f "$OUT/note.sql@1" -c "$DEMO_CLIENTS" -j 2 \
		-R "$DEMO_RATE" -T "$DEMO_SECONDS" -P 1 -h 127.0.0.1 -p "$PGD_PORT" -U "$PG_ROLE" prod >"$OUT/pgbench.log" 2>&1 &
	BENCH_PID=$!
	t0=$SECONDS
	view_start
	while pid_alive "$BENCH_PID" && ((SECONDS - t0 < DEMO_SECONDS + 30)); do
		sleep 1
		now=$((SECONDS - t0))
		view_status "$now"
		if ((lowered == 0 && now >= half)); then
			lowered=1
			view_break
			admin "SET mirror_exposure TO '0.5'" >/dev/null || die "SET mirror_exposure through the admin console failed"
			say "t=${now}s: SET mirror_exposure TO '0.5' (admin console): from now on half of prod's transactions go to staging"
		fi
	done
	view_break
	wait "$BENCH_PID" || rc=$?
	BENCH_PID=""
	((rc == 0)) || die "pgbench through pgdogd failed (exit $rc): $(grep -m 2 -iE 'error|abort' "$OUT/pgbench.log")"
}

# save_report keeps the /mirror report as it stands at the end, for after pgdogd stops.
save_report() {
	curl -fsS --max-time 10 "http://127.0.0.1:$MET_PORT/mirror" -o "$OUT/mirror.html" ||
		die "cannot read the /mirror report on 127.0.0.1:$MET_PORT"
}

# drain waits (at most 10 s) until no mirrored transaction is queued (SHOW MIRRORS's 7th column, queue_length, as PgDog orders them).
drain() {
	local i q
	for ((i = 0; i < 50; i++)); do
		q=$(admin "SHOW MIRRORS" | awk -F'|' '{ q += $7 } END { print q + 0 }')
		[[ $q == 0 ]] && return 0
		sleep 0.2
	done
	warn "the mirror queue still holds $q transactions after 10 s"
}

main() {
	[[ $# -eq 0 ]] || die "usage: $0 (knobs are environment variables, see the header)"
	local v
	for v in DEMO_SECONDS DEMO_RATE DEMO_CLIENTS; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number, got '${!v}'"
	done
	trap cleanup EXIT
	trap 'echo; echo "interrupted: stopping everything" >&2; exit 130' INT
	trap 'exit 143' TERM
	bash "$ROOT/scripts/need-postgres.sh" || die "PostgreSQL 15 is needed"
	if [[ ! -x $ROOT/bin/pgdogd ]]; then
		say "building bin/pgdogd"
		(cd "$ROOT" && go build -o bin/pgdogd ./cmd/pgdogd) || die "cannot build pgdogd"
	fi
	setup_clusters
	write_config
	write_scripts
	start_pgdogd
	run_workload
	drain
	timing_check
	save_report
	summary
}

main "$@"
