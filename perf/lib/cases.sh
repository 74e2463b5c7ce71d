# Benchmark cases and targets of perf/bench.sh: pgbench options, durations, target endpoints.
# shellcheck shell=bash

ALL_CASES="select-simple-c16 select-extended-c16 select-prepared-c16 select-simple-c200 tpcb-c16 tpcb-r1000-c16 connect-c8 idle-clients"
ALL_TARGETS="direct pgbouncer pgdogd pgdogd-mirror pgdogd-mirror-nostats pgbouncer-tls pgdogd-tls"
# DEFAULT_TARGETS is what runs without BENCH_TARGETS: the -tls targets are asked for by name.
DEFAULT_TARGETS="direct pgbouncer pgdogd pgdogd-mirror"

# case_args prints the pgbench arguments of case $1 (without -n -j -T and connection options).
# idle-clients is not a pgbench case (see perf/lib/idle.sh) and prints nothing.
case_args() {
	case $1 in
	select-simple-c16) echo "-S -M simple -c 16" ;;
	select-extended-c16) echo "-S -M extended -c 16" ;;
	select-prepared-c16) echo "-S -M prepared -c 16" ;;
	select-simple-c200) echo "-S -M simple -c 200" ;;
	tpcb-c16) echo "-b tpcb-like -M simple -c 16" ;;
	# The same at a fixed 1000 transactions/s: every target does the same work, and a mirror
	# keeps up (no drops), so CPU per transaction compares like with like.
	tpcb-r1000-c16) echo "-b tpcb-like -M simple -c 16 -R 1000" ;;
	connect-c8) echo "-S -M simple -C -c 8" ;;
	idle-clients) echo "" ;;
	*) return 1 ;;
	esac
}

# case_seconds prints the pgbench -T of case $1: BENCH_SECONDS, plus 5 s for 200 clients since
# pgbench counts their connection setup (200 SCRAM handshakes) inside -T ("tps" excludes it).
case_seconds() {
	case $1 in
	*-c200) echo $((BENCH_SECONDS + 5)) ;;
	*) echo "$BENCH_SECONDS" ;;
	esac
}

# target_endpoint sets T_PORT, T_PID (empty for direct), T_ERR (why it cannot run) and CLIENT_ENV
# (pgbench's environment, see client_env) for target $1.
target_endpoint() {
	T_PORT="" T_PID="" T_ERR=""
	client_env "$1"
	case $1 in
	direct) T_PORT=${PG_PORTS[main]} ;;
	pgbouncer | pgbouncer-tls) T_PORT=${PGB_PORT[$1]:-} T_PID=${PGB_PID[$1]:-} ;;
	pgdogd | pgdogd-mirror | pgdogd-mirror-nostats | pgdogd-tls) T_PORT=${PGD_PORT[$1]:-} T_PID=${PGD_PID[$1]:-} T_ERR=${PGD_ERR[$1]:-} ;;
	esac
	if [[ -z $T_ERR && -n $T_PID ]] && ! pid_alive "$T_PID"; then
		T_ERR="$1 (pid $T_PID) is no longer running"
	fi
	[[ -n $T_ERR || -n $T_PORT ]] || T_ERR="$1 was not started"
}

# expected_fail tells whether a FAIL of case $1 on target $2 is a known limitation of that
# target rather than a broken run: PgBouncer 1.18 has no prepared statements in transaction
# mode (pgbench -M prepared: "prepared statement "P_0" already exists"), over TLS or not.
expected_fail() {
	[[ $2 == pgbouncer* && $1 == select-prepared-* ]]
}
