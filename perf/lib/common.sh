# Shared helpers for perf/bench.sh: logging, running as postgres, free ports, process tracking and cleanup.
# shellcheck shell=bash

# log prints a timestamped line on stderr (stdout is reserved for the final table).
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { log "WARN: $*"; }
die() {
	log "ERROR: $*"
	exit 1
}

# as_pg runs a command as the postgres OS user when root (initdb, postgres and pgbouncer refuse root).
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# as_pg_daemon runs "$@" as postgres from directory $1 with a raised open-files limit
# (runuser resets it to 1024). Meant to be started in the background.
as_pg_daemon() {
	local dir=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	as_pg bash -c 'ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"; cd "$1" || exit 1; shift; exec "$@"' _ "$dir" "$@"
}

# port_in_use tells whether something listens on 127.0.0.1:$1.
port_in_use() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		[[ -n $(ss -Htln "sport = :$port" 2>/dev/null) ]] && return 0
	fi
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# ALLOCATED_PORTS remembers ports handed out so two services never get the same one.
ALLOCATED_PORTS=" "

# free_port prints an unused TCP port on 127.0.0.1, bounded tries. It picks below the
# kernel's ephemeral range, so a port is never one that thousands of client sockets
# (the idle-clients case) are using as their own.
free_port() {
	local try port lo=20000 hi=32000 eph
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || eph=32768
	((eph > lo + 1000 && eph - 1 < hi)) && hi=$((eph - 1))
	for ((try = 0; try < 200; try++)); do
		port=$((lo + RANDOM % (hi - lo)))
		[[ $ALLOCATED_PORTS == *" $port "* ]] && continue
		port_in_use "$port" && continue
		ALLOCATED_PORTS+="$port "
		echo "$port"
		return 0
	done
	die "cannot find a free port"
}

# wait_port waits until 127.0.0.1:$1 accepts connections, at most $2 seconds, while pid $3 lives.
wait_port() {
	local port=$1 limit=$2 pid=${3:-} i
	for ((i = 0; i < limit * 10; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		if [[ -n $pid ]] && ! pid_alive "$pid"; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# pid_alive tells whether pid $1 runs (a zombie counts as gone).
pid_alive() {
	local stat
	{ stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# Tracked processes, stopped in reverse order by stop_all. PROC_WRAP holds the pid of
# the runuser wrapper (or of the process itself when started directly).
PROC_NAMES=()
PROC_PIDS=()
PROC_SIGS=()
PROC_WRAP=()

# track_proc registers a process to stop on exit: name, pid, stop signal, wrapper pid.
track_proc() {
	PROC_NAMES+=("$1")
	PROC_PIDS+=("$2")
	PROC_SIGS+=("$3")
	PROC_WRAP+=("${4:-$2}")
}

# stop_pid sends signal $2 to pid $1, waits up to 10 s, then SIGKILLs it.
stop_pid() {
	local pid=$1 sig=$2 i
	pid_alive "$pid" || return 0
	kill "-$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# stop_all stops every tracked process (newest first) and reaps the wrappers.
stop_all() {
	local i wrap
	for ((i = ${#PROC_PIDS[@]} - 1; i >= 0; i--)); do
		[[ -n ${PROC_PIDS[i]} ]] || continue
		log "stopping ${PROC_NAMES[i]} (pid ${PROC_PIDS[i]})"
		stop_pid "${PROC_PIDS[i]}" "${PROC_SIGS[i]}"
		wrap=${PROC_WRAP[i]}
		if [[ $wrap != "${PROC_PIDS[i]}" ]]; then
			stop_pid "$wrap" TERM
		fi
		wait "$wrap" 2>/dev/null || true
		PROC_PIDS[i]=""
	done
}

# read_pidfile waits up to $2 seconds for the first line of file $1 to hold a live pid and prints it.
read_pidfile() {
	local file=$1 limit=$2 i pid
	for ((i = 0; i < limit * 10; i++)); do
		if [[ -s $file ]]; then
			read -r pid <"$file" || true
			if [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid"; then
				echo "$pid"
				return 0
			fi
		fi
		sleep 0.1
	done
	return 1
}

# json_str escapes $1 as a JSON string (quotes included).
json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/ }
	s=${s//$'\t'/ }
	s=${s//$'\r'/}
	printf '"%s"' "$s"
}
