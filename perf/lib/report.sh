# Summary table of a perf/bench.sh results file (JSON lines): medians per case and target, ratios, goals, idle clients.
# shellcheck shell=bash

# report_table prints the table for results file $1 on stdout. A case/target with any failed
# round shows FAIL instead of numbers. Failed runs are listed under the table, then the
# idle-clients figures and the goals the numbers are read against.
report_table() {
	awk -f "$PERF_DIR/lib/report.awk" "$1"
}
