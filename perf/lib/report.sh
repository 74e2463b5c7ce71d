# Summary table of a perf/bench.sh results file (JSON lines): medians per case and target, ratios.
# shellcheck shell=bash

# report_table prints the table for results file $1 on stdout. A case/target with any failed
# round shows FAIL instead of numbers. Failed runs are listed under the table.
report_table() {
	awk '
	function jget(s, k,   re, v) {
		re = "\"" k "\":(\"[^\"]*\"|[^,}]*)"
		if (!match(s, re)) return ""
		v = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		gsub(/^"|"$/, "", v)
		return v == "null" ? "" : v
	}
	function median(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		if (n == 0) return ""
		for (i = 2; i <= n; i++) {
			t = a[i] + 0
			for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
			a[j + 1] = t
		}
		return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	BEGIN { nt = split("direct pgbouncer pgdogd", targets, " "); for (i = 1; i <= nt; i++) seen_t[targets[i]] = 1 }
	function add(arr, key, v) { if (v != "") arr[key] = arr[key] " " v }
	function fmt(v, f) { return v == "" ? "-" : sprintf(f, v) }
	function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("x%.2f", a / b) }
	jget($0, "type") == "run" {
		c = jget($0, "case"); t = jget($0, "target"); k = c SUBSEP t
		if (!(c in seen_c)) { seen_c[c] = 1; cases[++nc] = c }
		if (!(t in seen_t)) { seen_t[t] = 1; targets[++nt] = t }
		runs[k]++
		if (jget($0, "status") != "ok") {
			failed[k]++
			fails[++nf] = c " round " jget($0, "round") " " t ": " jget($0, "reason")
			next
		}
		add(tps, k, jget($0, "tps")); add(lat, k, jget($0, "latency_ms")); add(cpu, k, jget($0, "cpu_us_per_txn"))
		r = jget($0, "peak_rss_kb"); if (r != "" && r + 0 > rss[k]) rss[k] = r + 0
	}
	END {
		hdr = "%-20s %-10s %10s %8s %11s %7s %9s %9s %9s\n"
		row = "%-20s %-10s %10s %8s %11s %7s %9s %9s %9s\n"
		printf hdr, "case", "target", "TPS", "lat ms", "CPU us/txn", "RSS MB", "TPS/pgb", "TPS/dir", "CPU/pgb"
		for (i = 1; i <= nc; i++) {
			c = cases[i]
			for (j = 1; j <= nt; j++) {
				t = targets[j]; k = c SUBSEP t
				if (!(k in runs)) continue
				if (failed[k]) { printf row, c, t, "FAIL", "-", "-", "-", "-", "-", "-"; bad[k] = 1; continue }
				mt[k] = median(tps[k]); mc[k] = median(cpu[k])
				printf row, c, t, fmt(mt[k], "%.0f"), fmt(median(lat[k]), "%.3f"), fmt(mc[k], "%.1f"),
					(rss[k] ? sprintf("%.1f", rss[k] / 1024) : "-"),
					(t == "pgdogd" && !bad[c SUBSEP "pgbouncer"] ? ratio(mt[k], mt[c SUBSEP "pgbouncer"]) : "-"),
					(t == "pgdogd" && !bad[c SUBSEP "direct"] ? ratio(mt[k], mt[c SUBSEP "direct"]) : "-"),
					(t == "pgdogd" && !bad[c SUBSEP "pgbouncer"] ? ratio(mc[k], mc[c SUBSEP "pgbouncer"]) : "-")
			}
		}
		if (nf) {
			print ""
			print "failed runs:"
			for (i = 1; i <= nf; i++) print "  " fails[i]
		}
	}' "$1"
}
