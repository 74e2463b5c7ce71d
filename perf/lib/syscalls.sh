# Syscall counts per transaction of each proxy for perf/bench.sh (BENCH_STRACE seconds, after the matrix): strace -c.
# shellcheck shell=bash
#
# strace stops the traced process at every syscall, so the proxy runs many times slower while it
# is attached: the TPS of these runs means nothing and they are not part of the table's runs.
# What they give is how many syscalls (of which kind) the proxy makes per transaction.

# STRACE_PID is the strace attached now, stopped by the exit trap.
STRACE_PID=""

# strace_attached waits (at most 10 s) until every thread of pid $1 is traced by strace pid $2.
strace_attached() {
	local pid=$1 spid=$2 i task tracer ok
	for ((i = 0; i < 100; i++)); do
		ok=1
		for task in /proc/"$pid"/task/*; do
			tracer=$(awk '$1 == "TracerPid:" { print $2 }' "$task/status" 2>/dev/null)
			[[ $tracer == "$spid" ]] || ok=0
		done
		((ok)) && return 0
		pid_alive "$spid" || return 1
		sleep 0.1
	done
	return 1
}

# strace_counts prints "name=calls:errors ..." from strace -c summary file $1 (total excluded).
strace_counts() {
	awk '$1 ~ /^[0-9.]+$/ && $NF != "total" && NF >= 5 {
		err = (NF >= 6 ? $5 : 0); printf "%s%s=%d:%d", sep, $NF, $4, err; sep = " " }' "$1"
}

# syscalls_one counts the syscalls of target $1 (pid $2, port $3) during BENCH_STRACE seconds of
# pgbench -S -M simple -c 16 and appends its "syscalls" JSON line. Returns 1 when it could not.
syscalls_one() {
	local t=$1 pid=$2 port=$3 trace=$WORK/runs/strace.$t.txt out=$WORK/runs/strace.$t.log rc=0 counts total
	log "strace -c -f -p $pid ($t) during ${BENCH_STRACE}s of pgbench -S -M simple -c 16"
	strace -c -f -o "$trace" -p "$pid" 2>"$WORK/runs/strace.$t.err" &
	STRACE_PID=$!
	if ! strace_attached "$pid" "$STRACE_PID"; then
		warn "strace did not attach to $t (pid $pid): $(head -n 2 "$WORK/runs/strace.$t.err" | tr '\n' ' ')"
		stop_pid "$STRACE_PID" INT
		wait "$STRACE_PID" 2>/dev/null
		STRACE_PID=""
		return 1
	fi
	env "${CLIENT_ENV[@]}" timeout -k 5 $((BENCH_STRACE + 60)) "$(pg_tool pgbench)" -n -j 2 -T "$BENCH_STRACE" \
		-S -M simple -c 16 -h 127.0.0.1 -p "$port" -U bench bench >"$out" 2>&1 &
	CURRENT_PID=$!
	wait "$CURRENT_PID" || rc=$?
	CURRENT_PID=""
	stop_pid "$STRACE_PID" INT
	wait "$STRACE_PID" 2>/dev/null
	STRACE_PID=""
	parse_pgbench "$out"
	run_verdict "$rc" "$out"
	counts=$(strace_counts "$trace")
	total=$(awk '$NF == "total" { print $4 }' "$trace")
	if [[ $R_STATUS != ok || -z $counts ]]; then
		warn "syscall count of $t failed: ${R_REASON:-no strace summary}"
		return 1
	fi
	printf '{"type":"syscalls","ts":%s,"target":%s,"seconds":%d,"pgbench_args":"-S -M simple -c 16","txns":%s,"tps":%s,"calls_total":%s,"calls":%s}\n' \
		"$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(json_str "$t")" "$BENCH_STRACE" "$(num "$P_TXNS")" \
		"$(num "$P_TPS")" "$(num "$total")" "$(json_str "$counts")" >>"$RESULTS_FILE"
	log "end    strace $t: $total syscalls for $P_TXNS transactions"
}

# run_syscalls counts syscalls per transaction of every proxy target that is up (see syscalls_one).
run_syscalls() {
	local t
	command -v strace >/dev/null 2>&1 || {
		warn "BENCH_STRACE: strace is not installed (apt-get install strace): no syscall counts"
		return 0
	}
	for t in $BENCH_TARGETS; do
		[[ $t == direct ]] && continue
		target_endpoint "$t"
		[[ -z $T_ERR && -n $T_PID ]] || continue
		syscalls_one "$t" "$T_PID" "$T_PORT" || true
	done
}
