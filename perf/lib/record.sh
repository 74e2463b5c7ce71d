# Outcome of one pgbench run for perf/bench.sh: output parsing, verdict, CPU/RSS figures, JSON line.
# shellcheck shell=bash

# parse_pgbench reads pgbench output file $1 and sets P_TXNS P_FAILED P_LAT P_TPS P_CONN P_ABORT.
parse_pgbench() {
	local line
	line=$(awk '
		/^number of transactions actually processed:/ { split($6, a, "/"); txns = a[1] }
		/^number of failed transactions:/ { failed = $5 }
		/^latency average = / { lat = $4 }
		/^initial connection time = / { conn = $5 }
		/^tps = / { tps = $3 }
		/aborted|Run was aborted/ { abort = 1 }
		END { printf "%s %s %s %s %s %d\n", (txns == "" ? "-" : txns), (failed == "" ? "-" : failed),
			(lat == "" ? "-" : lat), (tps == "" ? "-" : tps), (conn == "" ? "-" : conn), abort }' "$1")
	read -r P_TXNS P_FAILED P_LAT P_TPS P_CONN P_ABORT <<<"$line"
}

# run_verdict sets R_STATUS/R_REASON from the pgbench exit code $1, parsed output and log file $2.
run_verdict() {
	R_STATUS=ok R_REASON=""
	if [[ $1 -ne 0 ]]; then
		R_REASON="pgbench exit code $1"
		[[ $1 -eq 124 || $1 -eq 137 ]] && R_REASON="pgbench timed out"
	elif [[ $P_ABORT -ne 0 ]]; then
		R_REASON="pgbench reports aborted clients"
	elif [[ $P_FAILED != 0 ]]; then
		R_REASON="failed transactions: $P_FAILED"
	elif [[ $P_TPS == - || $P_TXNS == - || $P_TXNS == 0 ]]; then
		R_REASON="no transactions processed (initial connection time ${P_CONN} ms)"
	fi
	if [[ -n $R_REASON ]]; then
		R_STATUS=FAIL
		local first
		first=$(grep -m 1 -E 'error|FATAL|ERROR|aborted' "$2" 2>/dev/null || true)
		[[ -n $first ]] && R_REASON+=": ${first:0:200}"
	fi
}

# emit_json appends one run record to $RESULTS_FILE.
emit_json() {
	local c=$1 round=$2 target=$3 args=$4 rc=$5 secs=$6
	{
		printf '{"type":"run","ts":%s,"case":%s,"round":%d,"target":%s,"status":%s,"reason":%s,' \
			"$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(json_str "$c")" "$round" \
			"$(json_str "$target")" "$(json_str "$R_STATUS")" "$(json_str "$R_REASON")"
		printf '"pgbench_args":%s,"sslmode":%s,"seconds":%d,"pgbench_rc":%s,"txns":%s,"failed":%s,' \
			"$(json_str "$args")" "$(if is_tls_target "$target"; then json_str require; else echo null; fi)" \
			"$secs" "$rc" "$(num "$P_TXNS")" "$(num "$P_FAILED")"
		printf '"tps":%s,"latency_ms":%s,"conn_ms":%s,"cpu_us_per_txn":%s,"cpu_sys_us_per_txn":%s,"cpu_pct":%s,"box_busy_pct":%s,' \
			"$(num "$P_TPS")" "$(num "$P_LAT")" "$(num "$P_CONN")" "$(num "$M_CPU_US")" "$(num "$M_CPU_SYS_US")" "$(num "$M_CPU_PCT")" "$(num "$M_BOX_PCT")"
		printf '"latency_p99_ms":%s,"mirrored":%s,"mirror_dropped":%s,"mirror_errors":%s,' \
			"$(num "$P_P99")" "$(num "$M_MIRRORED")" "$(num "$M_DROPPED")" "$(num "$M_MERRORS")"
		printf '"peak_rss_kb":%s,"rss_scope":%s}\n' "$(num "$M_RSS")" "$(if [[ -n $M_RSS_SCOPE ]]; then json_str "$M_RSS_SCOPE"; else echo null; fi)"
	} >>"$RESULTS_FILE"
}

# num prints $1 as a JSON number, or null when it is empty or "-".
num() {
	if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then echo "$1"; else echo null; fi
}

# measure_after sets M_CPU_US (µs per transaction), M_CPU_SYS_US (its part in the kernel),
# M_CPU_PCT and M_RSS for pid $1 given the CPU ticks $2, wall-clock ns $3 and kernel CPU
# ticks $4 read before the run.
measure_after() {
	local pid=$1 ticks0=$2 t0=$3 sys0=${4:-} ticks1 t1 sys1=""
	M_CPU_US="" M_CPU_SYS_US="" M_CPU_PCT="" M_RSS=""
	[[ -n $pid ]] || return 0
	ticks1=$(proc_cpu_ticks "$pid") || return 0
	[[ -n $sys0 ]] && sys1=$(proc_sys_ticks "$pid")
	t1=$(now_ns)
	M_RSS=$(proc_peak_rss_kb "$pid")
	M_CPU_PCT=$(awk -v d=$((ticks1 - ticks0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) \
		'BEGIN { printf "%.1f", (ns > 0 ? d / hz * 1e11 / ns : 0) }')
	if [[ $P_TXNS =~ ^[0-9]+$ && $P_TXNS -gt 0 ]]; then
		M_CPU_US=$(awk -v d=$((ticks1 - ticks0)) -v hz="$CLK_TCK" -v n="$P_TXNS" \
			'BEGIN { printf "%.1f", d / hz * 1e6 / n }')
		if [[ -n $sys0 && -n $sys1 ]]; then
			M_CPU_SYS_US=$(awk -v d=$((sys1 - sys0)) -v hz="$CLK_TCK" -v n="$P_TXNS" \
				'BEGIN { printf "%.1f", d / hz * 1e6 / n }')
		fi
	fi
}
