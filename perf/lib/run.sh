# One measured case x round x target run of perf/bench.sh: pgbench under a watchdog, progress lines.
# shellcheck shell=bash

# CURRENT_PID is the pgbench (timeout) process running now, stopped by the exit trap.
CURRENT_PID=""

# run_pgbench runs pgbench for case args $1 against port $2 for $4 seconds, output to file $3;
# returns its exit code.
run_pgbench() {
	local args=$1 port=$2 out=$3 secs=$4 rc=0
	# shellcheck disable=SC2086 # args is a word list by design
	PGPASSWORD=bench_pw timeout -k 5 $((secs + 60)) "$(pg_tool pgbench)" -n -j 2 \
		-T "$secs" $args -h 127.0.0.1 -p "$port" -U bench bench >"$out" 2>&1 &
	CURRENT_PID=$!
	wait "$CURRENT_PID" || rc=$?
	CURRENT_PID=""
	return "$rc"
}

# run_one measures case $1, round $2, target $3 and appends its JSON line. Returns 1 on FAIL.
run_one() {
	local c=$1 round=$2 target=$3 args out rc=0 ticks0="" t0 secs
	args=$(case_args "$c")
	secs=$(case_seconds "$c")
	out=$WORK/runs/$c.r$round.$target.log
	P_TXNS=- P_FAILED=- P_LAT=- P_TPS=- P_CONN=- P_ABORT=0
	M_CPU_US="" M_CPU_PCT="" M_RSS="" M_RSS_SCOPE=""
	target_endpoint "$target"
	log "start  $c round $round $target: pgbench -n -j 2 -T $secs $args"
	if [[ -n $T_ERR ]]; then
		R_STATUS=FAIL R_REASON=$T_ERR rc=null
	else
		[[ $c == tpcb-* ]] && pg_maintain
		if [[ -n $T_PID ]]; then
			M_RSS_SCOPE=$(proc_reset_peak "$T_PID")
			ticks0=$(proc_cpu_ticks "$T_PID")
		fi
		t0=$(now_ns)
		run_pgbench "$args" "$T_PORT" "$out" "$secs" || rc=$?
		parse_pgbench "$out"
		run_verdict "$rc" "$out"
		[[ -n $ticks0 ]] && measure_after "$T_PID" "$ticks0" "$t0"
		if [[ -n $T_PID ]] && ! pid_alive "$T_PID"; then
			R_STATUS=FAIL R_REASON="$target exited during the run${R_REASON:+; $R_REASON}"
		fi
	fi
	emit_json "$c" "$round" "$target" "$args" "$rc" "$secs"
	if [[ $R_STATUS == ok ]]; then
		log "end    $c round $round $target: tps ${P_TPS%.*}, latency $P_LAT ms, cpu ${M_CPU_US:--} us/txn, peak rss ${M_RSS:--} kB"
		return 0
	fi
	log "end    $c round $round $target: FAIL: $R_REASON"
	[[ -s $out ]] && tail -n 5 "$out" | sed 's/^/    | /' >&2
	return 1
}
