# One measured case x round x target run of perf/bench.sh: pgbench under a watchdog, progress lines.
# shellcheck shell=bash

# CURRENT_PID is the pgbench (timeout) process running now, stopped by the exit trap.
CURRENT_PID=""

# run_pgbench runs pgbench for case args $1 against port $2 for $4 seconds, output to file $3,
# with per-transaction logs under prefix $5, in environment CLIENT_ENV; returns its exit code.
run_pgbench() {
	local args=$1 port=$2 out=$3 secs=$4 prefix=$5 rc=0
	# shellcheck disable=SC2086 # args is a word list by design
	env "${CLIENT_ENV[@]}" timeout -k 5 $((secs + 60)) "$(pg_tool pgbench)" -n -j 2 \
		-T "$secs" $args -l --log-prefix="$prefix" -h 127.0.0.1 -p "$port" -U bench bench >"$out" 2>&1 &
	CURRENT_PID=$!
	wait "$CURRENT_PID" || rc=$?
	CURRENT_PID=""
	return "$rc"
}

# latency_p99 prints the 99th percentile latency in ms of the pgbench per-transaction logs
# "$1".* (third field: latency in µs), or nothing when there are none; removes the logs.
latency_p99() {
	local prefix=$1 files
	files=$(compgen -G "$prefix.*") || return 0
	# shellcheck disable=SC2086 # one file name per word (temp paths without spaces)
	awk '{ print $3 }' $files | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		i = int(NR * 0.99); if (i < NR * 0.99) i++; if (i < 1) i = 1
		printf "%.3f\n", v[i] / 1000 }'
	# shellcheck disable=SC2086
	rm -f $files
}

# mirror_before records the mirror counters of target $1 before a run (pgdogd-mirror only).
mirror_before() {
	MIR0="" M_MIRRORED="" M_DROPPED="" M_MERRORS=""
	[[ $1 == pgdogd-mirror* ]] || return 0
	MIR0=$(mirror_counts "$1") || MIR0=""
}

# mirror_after waits for the mirror queue to drain, then sets M_MIRRORED, M_DROPPED and
# M_MERRORS to the run's deltas (pgdogd-mirror only).
mirror_after() {
	local m0 d0 e0 m1 d1 e1 now
	[[ -n $MIR0 ]] || return 0
	mirror_drain "$1" 30 || true
	now=$(mirror_counts "$1") || return 0
	read -r m0 d0 e0 _ <<<"$MIR0"
	read -r m1 d1 e1 _ <<<"$now"
	M_MIRRORED=$((m1 - m0)) M_DROPPED=$((d1 - d0)) M_MERRORS=$((e1 - e0))
}

# run_one measures case $1, round $2, target $3 and appends its JSON line. Returns 1 on FAIL.
run_one() {
	local c=$1 round=$2 target=$3 args out rc=0 ticks0="" sys0="" t0 secs box0 box1
	args=$(case_args "$c")
	secs=$(case_seconds "$c")
	out=$WORK/runs/$c.r$round.$target.log
	P_TXNS=- P_FAILED=- P_LAT=- P_TPS=- P_CONN=- P_ABORT=0 P_P99=""
	M_CPU_US="" M_CPU_SYS_US="" M_CPU_PCT="" M_BOX_PCT="" M_RSS="" M_RSS_SCOPE="" MIR0="" M_MIRRORED="" M_DROPPED="" M_MERRORS=""
	target_endpoint "$target"
	log "start  $c round $round $target: pgbench -n -j 2 -T $secs $args$(is_tls_target "$target" && echo " (PGSSLMODE=require)")"
	if [[ -n $T_ERR ]]; then
		R_STATUS=FAIL R_REASON=$T_ERR rc=null
	else
		[[ $c == tpcb-* ]] && pg_maintain "${BENCH_CLUSTERS[@]}"
		mirror_before "$target"
		if [[ -n $T_PID ]]; then
			M_RSS_SCOPE=$(proc_reset_peak "$T_PID")
			ticks0=$(proc_cpu_ticks "$T_PID")
			sys0=$(proc_sys_ticks "$T_PID")
		fi
		t0=$(now_ns)
		box0=$(box_cpu_ticks)
		run_pgbench "$args" "$T_PORT" "$out" "$secs" "$WORK/txlog/$c.r$round.$target" || rc=$?
		box1=$(box_cpu_ticks)
		M_BOX_PCT=$(awk -v a="$box0" -v b="$box1" 'BEGIN { split(a, x, " "); split(b, y, " ")
			if (y[1] > x[1]) printf "%.1f", 100 * (y[2] - x[2]) / (y[1] - x[1]) }')
		mirror_after "$target"
		parse_pgbench "$out"
		P_P99=$(latency_p99 "$WORK/txlog/$c.r$round.$target")
		run_verdict "$rc" "$out"
		[[ -n $ticks0 ]] && measure_after "$T_PID" "$ticks0" "$t0" "$sys0"
		if [[ -n $T_PID ]] && ! pid_alive "$T_PID"; then
			R_STATUS=FAIL R_REASON="$target exited during the run${R_REASON:+; $R_REASON}"
		fi
	fi
	[[ $R_STATUS != ok ]] && expected_fail "$c" "$target" && R_REASON="expected: $R_REASON"
	emit_json "$c" "$round" "$target" "$args" "$rc" "$secs"
	if [[ $R_STATUS == ok ]]; then
		log "end    $c round $round $target: tps ${P_TPS%.*}, latency $P_LAT ms (p99 ${P_P99:--}), cpu ${M_CPU_US:--} us/txn, peak rss ${M_RSS:--} kB${M_MIRRORED:+, mirrored $M_MIRRORED dropped $M_DROPPED}"
		return 0
	fi
	log "end    $c round $round $target: FAIL: $R_REASON"
	[[ -s $out ]] && tail -n 5 "$out" | sed 's/^/    | /' >&2
	return 1
}
