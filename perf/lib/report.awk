# report.awk: the table of a perf/bench.sh results file (see perf/lib/report.sh).
function jget(s, k,   re, v) {
	re = "\"" k "\":(\"([^\"\\\\]|\\\\.)*\"|[^,}]*)"
	if (!match(s, re)) return ""
	v = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
	gsub(/^"|"$/, "", v)
	gsub(/\\"/, "\"", v)
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
function add(arr, key, v) { if (v != "") arr[key] = arr[key] " " v }
function fmt(v, f) { return v == "" ? "-" : sprintf(f, v) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("x%.2f", a / b) }
# ok tells whether case c / target t has numbers (ran, no failed round).
function ok(c, t) { return ((c SUBSEP t) in runs) && !failed[c SUBSEP t] }
# goal prints one goal line: name, value, comparison ("ge"/"le"), threshold.
function goal(name, v, op, lim,   verdict) {
	if (v == "") { printf "  %-58s %10s  %s\n", name, "-", "not measured"; return }
	verdict = (op == "ge" ? v >= lim : v <= lim) ? "met" : "MISSED"
	printf "  %-58s %10.2f  %s (goal %s %s)\n", name, v, verdict, op == "ge" ? ">=" : "<=", lim
}
# pgb is the PgBouncer target a pgdogd target t is compared with: over TLS for a -tls target.
function pgb(t) { return t ~ /-tls$/ ? "pgbouncer-tls" : "pgbouncer" }
# plain is the target without TLS of a -tls target t.
function plain(t) { sub(/-tls$/, "", t); return t }
BEGIN { nt = split("direct pgbouncer pgdogd pgdogd-mirror pgbouncer-tls pgdogd-tls", targets, " "); for (i = 1; i <= nt; i++) seen_t[targets[i]] = 1 }
jget($0, "type") == "meta" { cpu_model = jget($0, "cpu"); nproc = jget($0, "nproc"); kernel = jget($0, "kernel"); tls_meta = jget($0, "tls") }
jget($0, "type") == "syscalls" {
	sc_t[++nsc] = jget($0, "target"); sc_txns[nsc] = jget($0, "txns"); sc_total[nsc] = jget($0, "calls_total")
	sc_calls[nsc] = jget($0, "calls"); sc_secs = jget($0, "seconds")
	next
}
jget($0, "type") == "idle" {
	nidle++
	if (jget($0, "status") != "ok") { fails[++nf] = "idle-clients round " jget($0, "round") ": " jget($0, "reason"); idle_bad++; next }
	iclients = jget($0, "clients"); add(irss, 1, jget($0, "rss_kb")); add(ibase, 1, jget($0, "rss_before_kb"))
	add(icpu, 1, jget($0, "idle_cpu_ms")); add(iconn, 1, jget($0, "connect_s")); isecs = jget($0, "idle_seconds")
	next
}
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
	add(p99, k, jget($0, "latency_p99_ms")); add(csys, k, jget($0, "cpu_sys_us_per_txn"))
	r = jget($0, "peak_rss_kb"); if (r != "" && r + 0 > rss[k]) rss[k] = r + 0
	if (jget($0, "mirrored") != "") { mir[k] += jget($0, "mirrored"); mdrop[k] += jget($0, "mirror_dropped"); hasmir[k] = 1 }
}
END {
	row = "%-20s %-13s %8s %8s %8s %8s %7s %8s %8s %8s %8s %9s %8s\n"
	printf row, "case", "target", "TPS", "lat ms", "p99 ms", "CPU us", "RSS MB", "TPS/pgb", "TPS/dir", "CPU/pgb", "CPU/pgd", "mirrored", "dropped"
	for (i = 1; i <= nc; i++) {
		c = cases[i]
		for (j = 1; j <= nt; j++) {
			t = targets[j]; k = c SUBSEP t
			if (!(k in runs)) continue
			if (failed[k]) { printf row, c, t, "FAIL", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"; continue }
			mt[k] = median(tps[k]); mc[k] = median(cpu[k])
		}
		for (j = 1; j <= nt; j++) {
			t = targets[j]; k = c SUBSEP t
			if (!(k in runs) || failed[k]) continue
			pg = (t ~ /^pgdogd/); b = pgb(t)
			printf row, c, t, fmt(mt[k], "%.0f"), fmt(median(lat[k]), "%.3f"), fmt(median(p99[k]), "%.3f"), fmt(mc[k], "%.1f"),
				(rss[k] ? sprintf("%.1f", rss[k] / 1024) : "-"),
				(pg && ok(c, b) ? ratio(mt[k], mt[c SUBSEP b]) : "-"),
				(pg && ok(c, "direct") ? ratio(mt[k], mt[c SUBSEP "direct"]) : "-"),
				(pg && ok(c, b) ? ratio(mc[k], mc[c SUBSEP b]) : "-"),
				(t ~ /^pgdogd-(mirror|tls)$/ && ok(c, "pgdogd") ? ratio(mc[k], mc[c SUBSEP "pgdogd"]) : "-"),
				(hasmir[k] ? mir[k] : "-"), (hasmir[k] ? mdrop[k] : "-")
		}
	}
	if (nf) {
		print ""
		print "failed runs:"
		for (i = 1; i <= nf; i++) print "  " fails[i]
	}
	ntls = 0
	for (i = 1; i <= nc; i++) {
		c = cases[i]
		for (j = 1; j <= nt; j++) {
			t = targets[j]
			if (t !~ /-tls$/ || !ok(c, t) || !ok(c, plain(t))) continue
			if (!ntls++) {
				print ""
				printf "TLS: pgbench with PGSSLMODE=require%s; each -tls target against the same proxy in plaintext:\n", tls_meta != "" ? " (" tls_meta ")" : ""
				printf "  %-20s %-13s %9s %9s %12s %16s\n", "case", "target", "TPS/plain", "CPU/plain", "+CPU us/txn", "of which kernel"
			}
			k = c SUBSEP t; kp = c SUBSEP plain(t); s1 = median(csys[k]); s0 = median(csys[kp])
			printf "  %-20s %-13s %9s %9s %+12.1f %16s\n", c, t, ratio(mt[k], mt[kp]), ratio(mc[k], mc[kp]), mc[k] - mc[kp],
				(s1 != "" && s0 != "" ? sprintf("%+.1f", s1 - s0) : "-")
		}
	}
	if (nsc) {
		print ""
		printf "syscalls per transaction (strace -c -f on the proxy during %s s of pgbench -S -M simple -c 16; strace slows the proxy, so its TPS there means nothing):\n", sc_secs
		for (i = 1; i <= nsc; i++) {
			if (sc_txns[i] + 0 <= 0) continue
			n = split(sc_calls[i], parts, " "); line = ""
			for (j = 1; j <= n; j++) { split(parts[j], kv, "="); split(kv[2], ce, ":"); nm[j] = kv[1]; cl[j] = ce[1] + 0; er[j] = ce[2] + 0 }
			for (j = 2; j <= n; j++) {
				for (m = j; m > 1 && cl[m] > cl[m - 1]; m--) {
					x = cl[m]; cl[m] = cl[m - 1]; cl[m - 1] = x; x = nm[m]; nm[m] = nm[m - 1]; nm[m - 1] = x; x = er[m]; er[m] = er[m - 1]; er[m - 1] = x
				}
			}
			for (j = 1; j <= n && j <= 8; j++) {
				if (cl[j] / sc_txns[i] < 0.01) break
				line = line (j > 1 ? ", " : "") sprintf("%s %.2f", nm[j], cl[j] / sc_txns[i]) (er[j] > 0 ? sprintf(" (%.2f failed)", er[j] / sc_txns[i]) : "")
			}
			printf "  %-13s %6.2f  %s\n", sc_t[i], sc_total[i] / sc_txns[i], line
		}
	}
	if (nidle && irss[1] != "") {
		print ""
		printf "idle clients: %d logged-in idle clients on pgdogd (md5 auth), median of rounds:\n", iclients
		printf "  connect %.2f s, RSS %.1f MB (%.1f MB before), CPU while idle %d ms over %d s\n",
			median(iconn[1]), median(irss[1]) / 1024, median(ibase[1]) / 1024, median(icpu[1]), isecs
	}
	print ""
	print "goals:"
	s = "select-simple-c16"; e = "select-extended-c16"; h = "select-simple-c200"; p = "select-prepared-c16"
	goal("TPS pgdogd / PgBouncer, -S simple, 16 clients", ok(s, "pgdogd") && ok(s, "pgbouncer") ? mt[s SUBSEP "pgdogd"] / mt[s SUBSEP "pgbouncer"] : "", "ge", 1.15)
	goal("TPS pgdogd / PgBouncer, -S extended, 16 clients", ok(e, "pgdogd") && ok(e, "pgbouncer") ? mt[e SUBSEP "pgdogd"] / mt[e SUBSEP "pgbouncer"] : "", "ge", 1.15)
	goal("TPS pgdogd / PgBouncer, -S simple, 200 clients", ok(h, "pgdogd") && ok(h, "pgbouncer") ? mt[h SUBSEP "pgdogd"] / mt[h SUBSEP "pgbouncer"] : "", "ge", 1.2)
	goal("TPS pgdogd -M prepared / PgBouncer -M simple, 16 clients", ok(p, "pgdogd") && ok(s, "pgbouncer") ? mt[p SUBSEP "pgdogd"] / mt[s SUBSEP "pgbouncer"] : "", "ge", 1.3)
	for (i = 1; i <= nc; i++) {
		c = cases[i]
		if (c !~ /^select-/) continue
		goal("pgdogd CPU us per txn, " c, ok(c, "pgdogd") ? mc[c SUBSEP "pgdogd"] : "", "le", 20)
	}
	for (i = 1; i <= nc; i++) {
		c = cases[i]
		if (!ok(c, "pgdogd-mirror") || !ok(c, "pgdogd")) continue
		goal("CPU per txn pgdogd+mirror / pgdogd, " c, mc[c SUBSEP "pgdogd"] > 0 ? mc[c SUBSEP "pgdogd-mirror"] / mc[c SUBSEP "pgdogd"] : "", "le", 1.3)
		k = c SUBSEP "pgdogd-mirror"
		if (mdrop[k] > 0)
			printf "    (%.0f%% of its transactions were dropped, not mirrored: the ratio understates the cost)\n", 100 * mdrop[k] / (mir[k] + mdrop[k])
	}
	if (nidle) goal("RSS MB with " (iclients ? iclients : "N") " idle clients", irss[1] != "" ? median(irss[1]) / 1024 : "", "le", 200)
	if (nproc != "") printf "\nmachine: %s cores, %s, kernel %s\n", nproc, cpu_model, kernel
}
