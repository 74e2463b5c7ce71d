# What scripts/demo.sh shows: the live status line, the paused-transaction timing check and the closing summary.
# shellcheck shell=bash

# view_start resets the status line state; a terminal gets one line rewritten in place.
view_start() {
	VIEW_TTY=0 VIEW_OPEN=0 VIEW_LAST_M=0 VIEW_LAST_T=0
	[[ -t 1 ]] && VIEW_TTY=1
}

# view_break ends the in-place status line so the next output starts on a fresh line.
view_break() {
	((VIEW_TTY && VIEW_OPEN)) && echo
	VIEW_OPEN=0
}

# mirror_row prints SHOW MIRRORS summed over its rows as "total mirrored dropped errors queue
# exposure-drops queue-full too-large unavailable source-failed level lag p50 p99" (lags of the last row).
# SHOW MIRRORS' columns: PgDog's (database, user, total_count, mirrored_count, dropped_count,
# error_count, queue_length), then destination, dropped_<reason> for each reason (exposure,
# queue_full, too_large, mirror_unavailable, source_failed, level, memory), exposure,
# queue_capacity, lag_ms, lag_p50_ms, lag_p99_ms.
mirror_row() {
	admin "SHOW MIRRORS" | awk -F'|' 'NF >= 20 {
		for (i = 3; i <= 7; i++) s[i] += $i
		for (i = 9; i <= 14; i++) s[i] += $i
		lag = $18; p50 = $19; p99 = $20; n++
	} END {
		if (!n) exit 1
		for (i = 3; i <= 7; i++) printf "%d ", s[i]
		for (i = 9; i <= 14; i++) printf "%d ", s[i]
		printf "%s %s %s\n", lag, p50, p99
	}'
}

# view_status prints the status at second $1: prod TPS (pgbench progress), mirrored, drops, queue, lag.
view_status() {
	local now=$1 tps row total m d e q dx dq dl du ds dv lag rate
	tps=$(awk '/^progress:/ { v = $4 } END { print v == "" ? "-" : int(v + 0.5) }' "$OUT/pgbench.log")
	row=$(mirror_row 2>/dev/null) || return 0
	read -r total m d e q dx dq dl du ds dv lag _ _ <<<"$row"
	rate=$(((m - VIEW_LAST_M) / (now > VIEW_LAST_T ? now - VIEW_LAST_T : 1)))
	VIEW_LAST_M=$m VIEW_LAST_T=$now
	local line
	line=$(printf 't=%2ds  prod %4s tps | mirrored %6d (%4d/s) | dropped: exposure %d, queue full %d, other %d | queue %d | lag %s ms' \
		"$now" "$tps" "$m" "$rate" "$dx" "$dq" $((dl + du + ds + dv)) "$q" "$lag")
	line+=$(slowest_line)
	if ((VIEW_TTY)); then
		printf '\r\033[K%s' "$line"
		VIEW_OPEN=1
	else
		echo "$line"
	fi
	: "$total" "$d" "$e"
}

# admin_tsv runs admin console command $1; prints rows unaligned, tab-separated (query texts may hold '|').
admin_tsv() {
	PGPASSWORD=$ADMIN_PW timeout 10 "$(pg_tool psql)" -X -At -F $'\t' -h 127.0.0.1 -p "$PGD_PORT" -U admin -c "$1" admin
}

# SHOW MIRROR QUERIES' columns: mirror, fingerprint, calls, source_p50_ms, source_p95_ms,
# source_p99_ms, mirror_p50_ms, mirror_p95_ms, mirror_p99_ms, ratio, mirror_errors,
# source_errors, error_mismatches, tag_mismatches, query; the mirror's slowest first.
# SHOW MIRROR ERRORS': mirror, fingerprint, kind, sqlstate, message, source_tag, mirror_tag,
# count, first_seen, last_seen, query; the newest first.

# slowest_line prints " | slowest on staging: <query> xN" for the first SHOW MIRROR QUERIES row
# the mirror runs at least twice as slow, or nothing.
slowest_line() {
	admin_tsv "SHOW MIRROR QUERIES" 2>/dev/null | awk -F'\t' 'NR == 1 && $10 >= 2 {
		q = $15; if (length(q) > 48) q = substr(q, 1, 45) "..."
		printf " | slowest on staging: %s x%.0f", q, $10 }'
}

# insight_summary prints the three queries the mirror runs slowest against prod and the
# statements that fail only on the mirror, for the summary; sets INSIGHT_TOP (the slowest
# one's ratio and text) and INSIGHT_ERRORS (SQLSTATE and query of each error divergence).
insight_summary() {
	local rows errs
	rows=$(admin_tsv "SHOW MIRROR QUERIES") || die "SHOW MIRROR QUERIES failed"
	errs=$(admin_tsv "SHOW MIRROR ERRORS") || die "SHOW MIRROR ERRORS failed"
	INSIGHT_TOP=$(awk -F'\t' 'NR == 1 { print $10 "\t" $15 }' <<<"$rows")
	INSIGHT_ERRORS=$(awk -F'\t' '$3 == "mirror_error" { print $4 "\t" $11 }' <<<"$errs")
	echo "  slowest on staging against prod (p50, calls compared):"
	awk -F'\t' 'NR <= 3 { printf "    x%-6.1f %8.2f ms vs %6.2f ms  %6d  %s\n", $10, $7, $4, $3, substr($15, 1, 70) }' <<<"$rows"
	echo "  divergences (statements that end differently on staging):"
	awk -F'\t' 'NR <= 5 { printf "    %-13s %-5s x%-5d %s: %s\n", $3, $4, $8, substr($11, 1, 50), substr($5, 1, 50) }' <<<"$errs"
	[[ -n $errs ]] || echo "    none"
}

# timing_check runs one transaction through pgdogd with 300 ms client-side pauses between
# its statements and compares the pauses between its rows on prod and on staging.
# Sets TIMING_PROD, TIMING_STAGING (gaps in ms) and TIMING_DIFF (largest difference in ms).
timing_check() {
	local i n=0 sql="SELECT string_agg(round((extract(epoch FROM at - prev) * 1000)::numeric, 1)::text, ' ' ORDER BY step)
		FROM (SELECT step, at, lag(at) OVER (ORDER BY step) AS prev FROM demo_timing) g WHERE prev IS NOT NULL"
	admin "SET mirror_exposure TO '1.0'" >/dev/null || die "SET mirror_exposure TO '1.0' failed"
	say "timing check: exposure back to 1.0, then one transaction through pgdogd pausing 300 ms between statements"
	{
		echo "BEGIN;"
		for i in 1 2 3 4 5; do
			echo "INSERT INTO demo_timing VALUES ($i, clock_timestamp());"
			sleep 0.3
		done
		echo "COMMIT;"
	} | app_psql >/dev/null || die "the paused transaction through pgdogd failed"
	for ((i = 0; i < 50; i++)); do
		n=$(pg_sql staging "$PG_DB" "SELECT count(*) FROM demo_timing") || n=0
		[[ $n == 5 ]] && break
		sleep 0.2
	done
	[[ $n == 5 ]] || die "the paused transaction did not arrive on staging (rows: $n of 5)"
	TIMING_PROD=$(pg_sql prod "$PG_DB" "$sql") || die "cannot read demo_timing on prod"
	TIMING_STAGING=$(pg_sql staging "$PG_DB" "$sql") || die "cannot read demo_timing on staging"
	TIMING_DIFF=$(awk -v a="$TIMING_PROD" -v b="$TIMING_STAGING" 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); m = 0
		for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > m) m = d }
		printf "%.1f", m }')
}

# summary prints the closing table (also kept as $OUT/summary.txt) and fails loudly when a check fails.
summary() {
	local txns tpcb prod_rows staging_rows row total m d e q dx dq dl du ds dv p50 p99 pct bad=()
	txns=$(awk '/^number of transactions actually processed:/ { split($6, a, "/"); print a[1] }' "$OUT/pgbench.log")
	# tpcb-like is pgbench's first script: each of its transactions adds one history row.
	tpcb=$(awk '/^SQL script 1:/ { s = 1 } s && /^ - [0-9]+ transactions/ { print $2; exit }' "$OUT/pgbench.log")
	prod_rows=$(pg_sql prod "$PG_DB" "SELECT count(*) FROM pgbench_history") || die "cannot count rows on prod"
	staging_rows=$(pg_sql staging "$PG_DB" "SELECT count(*) FROM pgbench_history") || die "cannot count rows on staging"
	row=$(mirror_row) || die "SHOW MIRRORS returned no mirror"
	read -r total m d e q dx dq dl du ds dv _ p50 p99 <<<"$row"
	pct=$(awk -v a="$staging_rows" -v b="$prod_rows" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
	{
		echo
		echo "==> summary"
		printf '  %-44s %s\n' "transactions on prod (pgbench)" "${txns:-?} (${tpcb:-?} tpcb-like)" \
			"rows in pgbench_history on prod" "$prod_rows" \
			"rows arrived in pgbench_history on staging" "$staging_rows ($pct%: exposure 1.0, then 0.5 from halfway)" \
			"mirror: transactions seen / mirrored" "$total / $m" \
			"dropped: exposure / queue full / too large" "$dx / $dq / $dl" \
			"dropped: mirror down / source failed / level" "$du / $ds / $dv" \
			"errors on staging" "$e" \
			"replay lag p50 / p99" "$p50 ms / $p99 ms" \
			"pauses on prod (ms)" "$TIMING_PROD" \
			"pauses on staging (ms)" "$TIMING_STAGING" \
			"timing fidelity: largest difference" "$TIMING_DIFF ms" \
			"mirror report (/mirror, saved at the end)" "$OUT/mirror.html" \
			"generated config" "$OUT/pgdog.toml, $OUT/users.toml" \
			"logs" "$OUT/pgdogd.log, $OUT/pgbench.log"
		insight_summary
	} | tee "$OUT/summary.txt"
	insight_summary >/dev/null # sets INSIGHT_TOP and INSIGHT_ERRORS here, outside the pipe
	((staging_rows > 0 && m > 0)) || bad+=("no mirrored rows arrived on staging")
	((staging_rows < prod_rows)) || bad+=("lowering mirror_exposure had no effect (staging $staging_rows rows, prod $prod_rows)")
	[[ $prod_rows == "${tpcb:-x}" ]] || bad+=("prod holds $prod_rows history rows but pgbench reports ${tpcb:-no} tpcb-like transactions")
	awk -v d="$TIMING_DIFF" 'BEGIN { exit !(d <= 100) }' || bad+=("replayed pauses differ by $TIMING_DIFF ms (more than 100 ms)")
	awk -F'\t' '{ exit !($1 >= 3 && $2 ~ /demo_orders/ && $2 ~ /customer/) }' <<<"$INSIGHT_TOP" ||
		bad+=("the lookup by customer (no index on staging) is not reported slowest on staging: '$INSIGHT_TOP'")
	grep -q $'^42703\t.*note' <<<"$INSIGHT_ERRORS" ||
		bad+=("the update of demo_orders.note (no such column on staging) is not reported as a 42703 divergence")
	((dq == 0)) || warn "$dq transactions dropped because the mirror queue was full: staging could not keep up (lower DEMO_RATE)"
	((e == 0)) || say "$e statements failed on staging: the divergences above say which"
	if ((${#bad[@]} > 0)); then
		printf 'CHECK FAILED: %s\n' "${bad[@]}" >&2
		exit 1
	fi
	say "all checks passed"
}
