# Per-process resource readings from /proc for perf/bench.sh: CPU ticks and peak RSS.
# shellcheck shell=bash

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# proc_cpu_ticks prints utime+stime (fields 14 and 15 of /proc/PID/stat, in clock ticks) of pid $1.
proc_cpu_ticks() {
	local stat f
	{ stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	# The command name (field 2) may hold spaces: fields after ") " start at field 3.
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	echo $((f[11] + f[12]))
}

# proc_sys_ticks prints stime (field 15 of /proc/PID/stat: CPU in the kernel, in clock ticks) of pid $1.
proc_sys_ticks() {
	local stat f
	{ stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	echo "${f[12]}"
}

# box_cpu_ticks prints "all busy" CPU ticks of the whole machine (first line of /proc/stat;
# busy is everything but idle and iowait).
box_cpu_ticks() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, t - $5 - $6; exit }' /proc/stat
}

# proc_reset_peak resets VmHWM of pid $1 (writing 5 to clear_refs) so the next reading is
# the peak of one run; prints "run" when done, "process" when the peak stays since start.
proc_reset_peak() {
	if { echo 5 >"/proc/$1/clear_refs"; } 2>/dev/null; then
		echo run
	else
		echo process
	fi
}

# proc_peak_rss_kb prints VmHWM (peak resident set size, kB) of pid $1.
proc_peak_rss_kb() {
	awk '$1 == "VmHWM:" { print $2; found = 1 } END { if (!found) print "" }' "/proc/$1/status" 2>/dev/null
}

# now_ns prints a monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# proc_rss_kb prints VmRSS (current resident set size, kB) of pid $1.
proc_rss_kb() {
	awk '$1 == "VmRSS:" { print $2; found = 1 } END { if (!found) print "" }' "/proc/$1/status" 2>/dev/null
}
