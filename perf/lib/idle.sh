# Idle-clients case of perf/bench.sh: thousands of logged-in idle clients on a dedicated pgdogd, its RSS and idle CPU.
# shellcheck shell=bash

BENCH_IDLE_CLIENTS=${BENCH_IDLE_CLIENTS:-10000}
BENCH_IDLE_SECONDS=${BENCH_IDLE_SECONDS:-5}

# idle_build builds perf/idleclients into $WORK once; prints its path.
idle_build() {
	local bin=$WORK/idleclients
	if [[ ! -x $bin ]]; then
		(cd "$ROOT" && timeout 600 go build -o "$bin" ./perf/idleclients) >"$WORK/idleclients-build.log" 2>&1 || return 1
	fi
	echo "$bin"
}

# idle_wait_ready waits (at most $2 seconds) for the "ready" line in file $1 while pid $3 lives.
idle_wait_ready() {
	local file=$1 limit=$2 pid=$3 i
	for ((i = 0; i < limit * 10; i++)); do
		grep -q '^ready ' "$file" 2>/dev/null && return 0
		pid_alive "$pid" || return 1
		sleep 0.1
	done
	return 1
}

# idle_measure runs the client program ($1) against instance pgdogd-idle (pid $2) with $3
# clients and sets I_* figures; returns 1 with R_REASON on failure.
idle_measure() {
	local bin=$1 pid=$2 n=$3 out=$WORK/runs/$4.log cpid rc=0 ticks0 ticks1 t0 t1
	I_BASE_RSS=$(proc_rss_kb "$pid")
	proc_reset_peak "$pid" >/dev/null
	timeout -k 5 $((BENCH_IDLE_SECONDS + 150)) "$bin" -addr "127.0.0.1:${PGD_PORT[pgdogd-idle]}" \
		-user bench -password bench_pw -db bench -n "$n" -hold "$((BENCH_IDLE_SECONDS + 3))s" \
		-timeout "$((BENCH_IDLE_SECONDS + 140))s" >"$out" 2>&1 &
	cpid=$!
	CURRENT_PID=$cpid
	if idle_wait_ready "$out" 120 "$cpid"; then
		I_CONNECT_S=$(awk '/^connected / { sub(/s$/, "", $6); print $6 }' "$out")
		ticks0=$(proc_cpu_ticks "$pid") t0=$(now_ns)
		sleep "$BENCH_IDLE_SECONDS"
		ticks1=$(proc_cpu_ticks "$pid") t1=$(now_ns)
		I_RSS=$(proc_rss_kb "$pid")
		I_CPU_MS=$(((ticks1 - ticks0) * 1000 / CLK_TCK))
		I_CPU_PCT=$(awk -v d=$((ticks1 - ticks0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) \
			'BEGIN { printf "%.2f", (ns > 0 ? d / hz * 1e11 / ns : 0) }')
	fi
	wait "$cpid" || rc=$?
	CURRENT_PID=""
	I_PEAK_RSS=$(proc_peak_rss_kb "$pid")
	if ((rc != 0)) || [[ -z ${I_RSS:-} ]]; then
		R_REASON="idleclients exit code $rc: $(grep -v '^connected\|^ready' "$out" | head -n 2 | tr '\n' ' ')"
		return 1
	fi
	pid_alive "$pid" || {
		R_REASON="pgdogd-idle exited"
		return 1
	}
}

# run_idle runs round $1 of the idle-clients case on a fresh pgdogd-idle instance and appends
# its JSON line. Returns 1 on FAIL.
run_idle() {
	local round=$1 bin n=$BENCH_IDLE_CLIENTS lim pid
	I_BASE_RSS="" I_RSS="" I_PEAK_RSS="" I_CPU_MS="" I_CPU_PCT="" I_CONNECT_S=""
	R_STATUS=FAIL R_REASON=""
	lim=$(ulimit -n)
	if [[ $lim =~ ^[0-9]+$ ]] && ((lim < n + 200)); then
		n=$((lim - 200))
		warn "open-files limit $lim: idle-clients uses $n clients instead of $BENCH_IDLE_CLIENTS"
	fi
	log "start  idle-clients round $round pgdogd: $n idle clients, ${BENCH_IDLE_SECONDS}s idle window"
	if ! bin=$(idle_build); then
		R_REASON="cannot build perf/idleclients: $(head -n 3 "$WORK/idleclients-build.log" | tr '\n' ' ')"
	elif pgdogd_start pgdogd-idle; then
		pid=${PGD_PID[pgdogd-idle]}
		idle_measure "$bin" "$pid" "$n" "idle-clients.r$round" && R_STATUS=ok
		stop_pid "$pid" TERM
		wait "$pid" 2>/dev/null || true
	else
		R_REASON=${PGD_ERR[pgdogd-idle]}
	fi
	idle_json "$round" "$n"
	if [[ $R_STATUS == ok ]]; then
		log "end    idle-clients round $round pgdogd: $n clients in ${I_CONNECT_S}s, rss $I_RSS kB (before $I_BASE_RSS kB, peak $I_PEAK_RSS kB), idle cpu ${I_CPU_MS} ms over ${BENCH_IDLE_SECONDS}s"
		return 0
	fi
	log "end    idle-clients round $round pgdogd: FAIL: $R_REASON"
	return 1
}

# idle_json appends the idle-clients record of round $1 with $2 clients to $RESULTS_FILE.
idle_json() {
	printf '{"type":"idle","ts":%s,"case":"idle-clients","round":%d,"target":"pgdogd","status":%s,"reason":%s,"clients":%d,"connect_s":%s,"idle_seconds":%d,"rss_before_kb":%s,"rss_kb":%s,"peak_rss_kb":%s,"idle_cpu_ms":%s,"idle_cpu_pct":%s}\n' \
		"$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$1" "$(json_str "$R_STATUS")" "$(json_str "$R_REASON")" "$2" \
		"$(num "$I_CONNECT_S")" "$BENCH_IDLE_SECONDS" "$(num "$I_BASE_RSS")" "$(num "$I_RSS")" "$(num "$I_PEAK_RSS")" \
		"$(num "$I_CPU_MS")" "$(num "$I_CPU_PCT")" >>"$RESULTS_FILE"
}
