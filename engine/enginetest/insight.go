// insight.go holds the fake engine's comparison of mirrored statements: latencies built from percentiles, and a fixture of queries, divergences and totals.

package enginetest

import (
	"math"
	"time"

	"github.com/pgdogd/pgdogd/mirror/insight"
)

// Bounds are histogram bounds for the tests that need buckets (the tests
// set insight.Bounds to them): 1 ms to 1 s, then +Inf.
var Bounds = []time.Duration{time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 500 * time.Millisecond, time.Second, math.MaxInt64}

// Latency is a distribution of count observations with these
// percentiles: half at p50, then up to p95, p99 and the rest at twice
// p99. Its mean is p50 (Total is count × p50) and its Buckets are
// cumulative over insight.Bounds as they are when it is called.
func Latency(count int64, p50, p95, p99 time.Duration) insight.Latency {
	l := insight.Latency{Count: count, Total: time.Duration(count) * p50, P50: p50, P95: p95, P99: p99}
	for _, b := range insight.Bounds {
		var n int64
		switch {
		case b >= 2*p99 || b == math.MaxInt64:
			n = count
		case b >= p99:
			n = count * 99 / 100
		case b >= p95:
			n = count * 95 / 100
		case b >= p50:
			n = count / 2
		}
		l.Buckets = append(l.Buckets, n)
	}
	return l
}

// Query is one comparison entry: calls statements of query on mirror, with
// the latencies of both sides (percentiles p50, p95, p99 each) and the
// ratio of their medians as the ratio of their means.
func Query(mirror string, fp uint64, query string, calls int64, src, mir [3]time.Duration) insight.QueryStats {
	q := insight.QueryStats{Mirror: mirror, Fingerprint: fp, Query: query, Calls: calls, LastSeen: At,
		OnSource: Latency(calls, src[0], src[1], src[2]), OnMirror: Latency(calls, mir[0], mir[1], mir[2])}
	if src[0] > 0 {
		q.Ratio = float64(mir[0]) / float64(src[0])
	}
	return q
}

// ms is n milliseconds.
func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// WithInsight fills s's comparison: four queries on app_mirror, slowest
// first (an UPDATE 15 times slower with tag mismatches, a SELECT failing
// on the mirror, an INSERT, a SELECT 1), their two divergences, newest
// first, and the mirror's totals. It returns s.
func WithInsight(s *Snapshot) *Snapshot {
	const m = "app_mirror"
	upd := Query(m, 0x1a2b3c4d5e6f7081, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", 120,
		[3]time.Duration{ms(2), ms(4), ms(6)}, [3]time.Duration{ms(30), ms(55), ms(80)})
	upd.Divergences[insight.TagMismatch] = 3
	sel := Query(m, 0x00ff00ff00ff00ff, "SELECT * FROM orders WHERE customer_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT 50", 800,
		[3]time.Duration{ms(1.5), ms(3), ms(7)}, [3]time.Duration{ms(3.6), ms(9), ms(20)})
	sel.Divergences[insight.MirrorError] = 2
	ins := Query(m, 0x0000000000000042, "INSERT INTO events (kind, payload) VALUES ($1, $2)", 2000,
		[3]time.Duration{ms(0.8), ms(1.2), ms(2)}, [3]time.Duration{ms(0.88), ms(1.4), ms(2.5)})
	one := Query(m, 0xfedcba9876543210, "SELECT 1", 5000,
		[3]time.Duration{ms(0.1), ms(0.2), ms(0.4)}, [3]time.Duration{ms(0.09), ms(0.2), ms(0.3)})
	s.Queries = []insight.QueryStats{upd, sel, ins, one}
	s.Divergences = []insight.Divergence{
		{Mirror: m, Fingerprint: sel.Fingerprint, Kind: insight.MirrorError, SQLState: "42P01",
			Message: `relation "orders_archive" does not exist`, SourceTag: "SELECT 50", MirrorTag: "42P01",
			Query: sel.Query, Count: 2, First: At.Add(-time.Hour), Last: At},
		{Mirror: m, Fingerprint: upd.Fingerprint, Kind: insight.TagMismatch, SourceTag: "UPDATE 1", MirrorTag: "UPDATE 0",
			Query: upd.Query, Count: 3, First: At.Add(-2 * time.Hour), Last: At.Add(-time.Minute)},
	}
	s.MirrorTotalList = []insight.Totals{{Mirror: m, Compared: 7920, Divergences: [insight.NumDivergenceKinds]int64{2, 0, 0, 3}}}
	return s
}
