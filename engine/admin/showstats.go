// showstats.go holds SHOW STATS: each pool's traffic totals and averages, in PgDog's columns.

package admin

import (
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// statRow is one pool's totals and its averages over the last statsWindow.
type statRow struct {
	engine.PoolTotals
	xacts, queries, received, sent, errors int64   // per second
	xactTime, queryTime, waitTime          float64 // milliseconds per transaction, per query, per transaction
}

// statKind is one of PgDog's counters, shown as total_<name> and avg_<name>;
// nil readers are counters pgdogd does not keep (they read 0).
type statKind struct {
	name       string
	total, avg func(*statRow) any
}

// statKinds are PgDog's counters in its order (pgdog/src/admin/show_stats.rs).
// Times are in milliseconds, to the microsecond, sizes in bytes.
var statKinds = []statKind{
	{"xact_count", func(r *statRow) any { return r.Totals.Xacts }, func(r *statRow) any { return r.xacts }},
	{"xact_2pc_count", nil, nil},
	{"query_count", func(r *statRow) any { return r.Totals.Queries }, func(r *statRow) any { return r.queries }},
	{"server_assignment_count", nil, nil},
	{"received", func(r *statRow) any { return r.Totals.Received }, func(r *statRow) any { return r.received }},
	{"sent", func(r *statRow) any { return r.Totals.Sent }, func(r *statRow) any { return r.sent }},
	{"xact_time", func(r *statRow) any { return millis(r.Totals.XactTime) }, func(r *statRow) any { return r.xactTime }},
	{"idle_xact_time", nil, nil},
	{"query_time", func(r *statRow) any { return millis(r.Totals.QueryTime) }, func(r *statRow) any { return r.queryTime }},
	{"wait_time", func(r *statRow) any { return millis(r.Totals.WaitTime) }, func(r *statRow) any { return r.waitTime }},
	{"server_parse_count", nil, nil},
	{"bind_count", nil, nil},
	{"close_count", nil, nil},
	{"errors", func(r *statRow) any { return r.Totals.Errors }, func(r *statRow) any { return r.errors }},
	{"cleaned", nil, nil},
	{"rollbacks", nil, nil},
	{"client_idle_xact_timeouts", nil, nil},
	{"connect_time", nil, nil},
	{"connect_count", nil, nil},
	{"reads", nil, nil},
	{"writes", nil, nil},
	{"auth_attempts", nil, nil},
	{"rows_inserted", nil, nil},
	{"rows_updated", nil, nil},
	{"rows_deleted", nil, nil},
}

// statFields are SHOW STATS' columns: the pool, then every counter's total, then every average.
var statFields = func() []field[statRow] {
	fs := []field[statRow]{
		{text("database"), func(r *statRow) any { return r.Database }},
		{text("user"), func(r *statRow) any { return r.User }},
		{text("addr"), func(r *statRow) any { return r.Host }},
		{numeric("port"), func(r *statRow) any { return r.Port }},
		{numeric("shard"), zero[statRow]},
		{text("role"), func(*statRow) any { return "primary" }},
	}
	for _, avg := range []bool{false, true} {
		for _, k := range statKinds {
			name, read := "total_"+k.name, k.total
			if avg {
				name, read = "avg_"+k.name, k.avg
			}
			if read == nil {
				read = zero[statRow]
			}
			fs = append(fs, field[statRow]{numeric(name), read})
		}
	}
	return fs
}()

// showStats: totals since start, and averages over the last statsWindow
// (or since start when younger): counts and sizes per second; the
// transaction and wait times per transaction, the query time per query.
func showStats(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW STATS", args); err != nil {
		return nil, err
	}
	now := time.Now()
	var rows []statRow
	for _, p := range c.snap.PoolTotals() {
		base, since := c.history.baseline(p.ID, now)
		rows = append(rows, averages(p, base, max(now.Sub(since).Seconds(), 0.001)))
	}
	return listing("SHOW STATS", statFields, nil, rows)
}

// averages is p's row, with its averages since base, secs seconds ago.
func averages(p engine.PoolTotals, base engine.StatTotals, secs float64) statRow {
	t := p.Totals
	dx, dq := float64(t.Xacts-base.Xacts), float64(t.Queries-base.Queries)
	return statRow{PoolTotals: p,
		xacts: rate(dx, secs), queries: rate(dq, secs), received: rate(float64(t.Received-base.Received), secs),
		sent: rate(float64(t.Sent-base.Sent), secs), errors: rate(float64(t.Errors-base.Errors), secs),
		xactTime: per(t.XactTime-base.XactTime, dx), queryTime: per(t.QueryTime-base.QueryTime, dq),
		waitTime: per(t.WaitTime-base.WaitTime, dx)}
}

func rate(n, secs float64) int64 { return int64(n/secs + 0.5) }

// per is a duration per event in milliseconds, to the microsecond; 0 without events.
func per(d time.Duration, n float64) float64 {
	if n <= 0 {
		return 0
	}
	return float64(int64(float64(d.Microseconds())/n+0.5)) / 1000
}
