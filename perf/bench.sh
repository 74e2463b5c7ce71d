#!/usr/bin/env bash
# Side-by-side pgbench numbers on loopback: PostgreSQL direct vs PgBouncer vs pgdogd vs pgdogd mirroring,
# and on request both proxies with client TLS (targets pgbouncer-tls, pgdogd-tls) (see perf/README.md).
#
# Usage: bash perf/bench.sh            run the matrix, print the table, write perf/results/<ts>.jsonl
#        bash perf/bench.sh report F   print the table of an earlier results file F
# Knobs: BENCH_SECONDS (10) BENCH_ROUNDS (2) BENCH_CASES BENCH_TARGETS BENCH_SCALE (10)
#        BENCH_WARMUP (2, seconds per target, 0 = none) BENCH_KEEP (1 = keep the temp dir)
#        BENCH_IDLE_CLIENTS (10000) BENCH_IDLE_SECONDS (5) MIRROR_QUEUE (1024)
#        BENCH_STRACE (0, seconds of syscall counting per proxy after the matrix, 0 = none)
#        PG_BIN (/usr/lib/postgresql/15/bin) PGDOGD_BIN (default: build bin/pgdogd)
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$PERF_DIR/.." && pwd)
# shellcheck source=lib/common.sh
source "$PERF_DIR/lib/common.sh"
# shellcheck source=lib/procstat.sh
source "$PERF_DIR/lib/procstat.sh"
# shellcheck source=lib/postgres.sh
source "$PERF_DIR/lib/postgres.sh"
# shellcheck source=lib/tls.sh
source "$PERF_DIR/lib/tls.sh"
# shellcheck source=lib/pgbouncer.sh
source "$PERF_DIR/lib/pgbouncer.sh"
# shellcheck source=lib/pgdogd.sh
source "$PERF_DIR/lib/pgdogd.sh"
# shellcheck source=lib/cases.sh
source "$PERF_DIR/lib/cases.sh"
# shellcheck source=lib/record.sh
source "$PERF_DIR/lib/record.sh"
# shellcheck source=lib/run.sh
source "$PERF_DIR/lib/run.sh"
# shellcheck source=lib/report.sh
source "$PERF_DIR/lib/report.sh"
# shellcheck source=lib/idle.sh
source "$PERF_DIR/lib/idle.sh"
# shellcheck source=lib/syscalls.sh
source "$PERF_DIR/lib/syscalls.sh"

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_SCALE=${BENCH_SCALE:-10}
BENCH_WARMUP=${BENCH_WARMUP:-2}
BENCH_CASES=${BENCH_CASES:-$ALL_CASES}
BENCH_TARGETS=${BENCH_TARGETS:-$DEFAULT_TARGETS}
BENCH_STRACE=${BENCH_STRACE:-0}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
WORK="" RESULTS_FILE="" FAILS=0
# BENCH_CLUSTERS lists the PostgreSQL clusters: main (what every target serves), plus mirror
# (the destination of pgdogd-mirror) when that target runs.
BENCH_CLUSTERS=(main)

# check_knobs validates the environment knobs and normalises lists (commas become spaces).
check_knobs() {
	local v c
	for v in BENCH_SECONDS BENCH_ROUNDS BENCH_SCALE BENCH_WARMUP BENCH_IDLE_CLIENTS BENCH_IDLE_SECONDS MIRROR_QUEUE BENCH_STRACE; do
		[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
	done
	((BENCH_SECONDS > 0 && BENCH_ROUNDS > 0 && BENCH_SCALE > 0)) || die "BENCH_SECONDS, BENCH_ROUNDS and BENCH_SCALE must be > 0"
	((BENCH_IDLE_CLIENTS > 0 && BENCH_IDLE_SECONDS > 0 && MIRROR_QUEUE > 0)) || die "BENCH_IDLE_CLIENTS, BENCH_IDLE_SECONDS and MIRROR_QUEUE must be > 0"
	BENCH_CASES=${BENCH_CASES//,/ }
	BENCH_TARGETS=${BENCH_TARGETS//,/ }
	for c in $BENCH_CASES; do
		case_args "$c" >/dev/null || die "unknown case '$c' (known: $ALL_CASES)"
	done
	for c in $BENCH_TARGETS; do
		[[ " $ALL_TARGETS " == *" $c "* ]] || die "unknown target '$c' (known: $ALL_TARGETS)"
	done
	[[ -n ${BENCH_CASES// /} && -n ${BENCH_TARGETS// /} ]] || die "BENCH_CASES and BENCH_TARGETS must not be empty"
}

# check_tools makes sure the PostgreSQL programs exist before anything starts.
check_tools() {
	local t
	for t in initdb postgres pg_isready psql pgbench; do
		pg_tool "$t" >/dev/null || exit 1
	done
	command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is required"
}

# cleanup stops everything this script started (by pid) and removes the temp dir.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[[ -n $CURRENT_PID ]] && stop_pid "$CURRENT_PID" TERM
	[[ -n $STRACE_PID ]] && stop_pid "$STRACE_PID" INT
	stop_all
	if [[ -n $WORK && -d $WORK ]]; then
		if ((FAILS > 0 || rc != 0)) && [[ -n $RESULTS_FILE ]]; then
			local logs=${RESULTS_FILE%.jsonl}.logs
			mkdir -p "$logs" && (cd "$WORK" && find . -name '*.log' -size -20M -exec cp --parents {} "$logs/" \;) 2>/dev/null
			log "logs kept in $logs"
		fi
		if [[ ${BENCH_KEEP:-0} == 1 ]]; then
			log "temp dir kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# make_workdir creates the temp dir, readable by the postgres user.
make_workdir() {
	WORK=$(mktemp -d /tmp/pgdogd-bench.XXXXXX) || die "cannot create a temp dir"
	chmod 755 "$WORK"
	mkdir -p "$WORK/runs" "$WORK/txlog"
	if [[ $EUID -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "no postgres OS user (install postgresql-15)"
		chown postgres: "$WORK"
	fi
}

# write_meta appends the environment record (first line of the results file).
write_meta() {
	local git_rev pgb_ver=""
	git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)
	command -v pgbouncer >/dev/null 2>&1 && pgb_ver=$(pgbouncer --version 2>/dev/null | head -n 1)
	local t tls=""
	for t in pgdogd-tls pgbouncer-tls; do
		[[ -n ${TLS_SESSION[$t]:-} ]] && tls+="${tls:+; }$t ${TLS_SESSION[$t]}"
	done
	printf '{"type":"meta","ts":%s,"seconds":%d,"rounds":%d,"scale":%d,"cases":%s,"targets":%s,"nproc":%s,"kernel":%s,"postgres":%s,"pgbouncer":%s,"git":%s,"pgdogd_bin":%s,"pgdogd_error":%s,"clk_tck":%s,"cpu":%s,"mirror_queue":%d,"idle_clients":%d,"tls":%s}\n' \
		"$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$BENCH_SECONDS" "$BENCH_ROUNDS" "$BENCH_SCALE" \
		"$(json_str "$BENCH_CASES")" "$(json_str "$BENCH_TARGETS")" "$(nproc)" "$(json_str "$(uname -r)")" \
		"$(json_str "$("$(pg_tool postgres)" --version)")" "$(json_str "$pgb_ver")" "$(json_str "$git_rev")" \
		"$(json_str "${PGDOGD_BIN:-}")" "$(json_str "$PGDOGD_ERROR")" "$CLK_TCK" \
		"$(json_str "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)")" "$MIRROR_QUEUE" "$BENCH_IDLE_CLIENTS" \
		"$(json_str "$tls")" >>"$RESULTS_FILE"
}

# start_targets starts the proxies named in BENCH_TARGETS; a missing pgbouncer (outside CI) drops its columns.
start_targets() {
	local t
	if [[ " $BENCH_TARGETS " == *" pgbouncer "* || " $BENCH_TARGETS " == *" pgbouncer-tls "* ]]; then
		if pgbouncer_ensure; then
			for t in pgbouncer pgbouncer-tls; do
				[[ " $BENCH_TARGETS " == *" $t "* ]] && pgbouncer_start "$t"
			done
		else
			BENCH_TARGETS=$(echo " $BENCH_TARGETS " | sed 's/ pgbouncer / /; s/ pgbouncer-tls / /')
		fi
	fi
	for t in pgdogd pgdogd-mirror pgdogd-mirror-nostats pgdogd-tls; do
		if [[ " $BENCH_TARGETS " == *" $t "* ]]; then
			pgdogd_start "$t" || true
		fi
	done
}

# start_clusters creates, starts and loads the clusters in BENCH_CLUSTERS (same data in each).
start_clusters() {
	local c
	[[ " $BENCH_TARGETS " == *" pgdogd-mirror"* ]] && BENCH_CLUSTERS+=(mirror)
	pg_init_all "${BENCH_CLUSTERS[@]}"
	for c in "${BENCH_CLUSTERS[@]}"; do
		pg_start "$c"
	done
	for c in "${BENCH_CLUSTERS[@]}"; do
		pg_load "$c" "$BENCH_SCALE"
	done
}

# warm_up runs a short read-only pgbench against every live target (not recorded).
warm_up() {
	local t
	((BENCH_WARMUP > 0)) || return 0
	for t in $BENCH_TARGETS; do
		target_endpoint "$t"
		[[ -z $T_ERR ]] || continue
		log "warm-up $t (${BENCH_WARMUP}s)"
		env "${CLIENT_ENV[@]}" timeout -k 5 $((BENCH_WARMUP + 30)) "$(pg_tool pgbench)" -n -S -c 16 -j 2 \
			-T "$BENCH_WARMUP" -h 127.0.0.1 -p "$T_PORT" -U bench bench >"$WORK/runs/warmup.$t.log" 2>&1 ||
			warn "warm-up of $t failed: see the runs below"
	done
}

# run_matrix runs every case, round by round; within a round the targets are interleaved and
# their order rotates each round so no target always runs first.
run_matrix() {
	local c round i n t
	local -a tl
	read -r -a tl <<<"$BENCH_TARGETS"
	n=${#tl[@]}
	for c in $BENCH_CASES; do
		for ((round = 1; round <= BENCH_ROUNDS; round++)); do
			if [[ $c == idle-clients ]]; then
				run_idle "$round" || FAILS=$((FAILS + 1))
				continue
			fi
			for ((i = 0; i < n; i++)); do
				t=${tl[(i + round - 1) % n]}
				run_one "$c" "$round" "$t" || expected_fail "$c" "$t" || FAILS=$((FAILS + 1))
			done
		done
	done
}

main() {
	if [[ ${1:-} == report ]]; then
		[[ -r ${2:-} ]] || die "usage: $0 report RESULTS.jsonl"
		report_table "$2"
		return 0
	fi
	[[ $# -eq 0 ]] || die "usage: $0 [report RESULTS.jsonl] (knobs are environment variables)"
	check_knobs
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 8192 2>/dev/null || true
	trap cleanup EXIT
	trap 'log "interrupted"; exit 130' INT
	trap 'log "terminated"; exit 143' TERM
	make_workdir
	mkdir -p "$PERF_DIR/results" || die "cannot create $PERF_DIR/results"
	RESULTS_FILE=$PERF_DIR/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl
	check_tools
	start_clusters
	start_targets
	write_meta
	warm_up
	run_matrix
	((BENCH_STRACE > 0)) && run_syscalls
	report_table "$RESULTS_FILE"
	echo
	echo "raw results: $RESULTS_FILE"
	local t
	for t in pgdogd pgdogd-mirror pgdogd-mirror-nostats pgdogd-tls; do
		if [[ -n ${PGD_ERR[$t]:-} && " $BENCH_TARGETS " == *" $t "* ]]; then
			log "ERROR: $t was not benchmarked: ${PGD_ERR[$t]}"
		fi
	done
	if ((FAILS > 0)); then
		log "ERROR: $FAILS run(s) failed"
		return 1
	fi
}

main "$@"
