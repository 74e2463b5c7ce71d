// compare_timing_test.go benchmarks the comparison of one mirrored tpcb-like transaction: pairing its statements, fingerprinting them, and recording them in the table.

package perf

import (
	"fmt"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/mirror"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// tpcbStatements are the statements of one pgbench tpcb-like transaction, simple protocol.
var tpcbStatements = []struct{ sql, tag string }{
	{"BEGIN;", "BEGIN"},
	{"UPDATE pgbench_accounts SET abalance = abalance + -4066 WHERE aid = 50291;", "UPDATE 1"},
	{"SELECT abalance FROM pgbench_accounts WHERE aid = 50291;", "SELECT 1"},
	{"UPDATE pgbench_tellers SET tbalance = tbalance + -4066 WHERE tid = 7;", "UPDATE 1"},
	{"UPDATE pgbench_branches SET bbalance = bbalance + -4066 WHERE bid = 1;", "UPDATE 1"},
	{"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 50291, -4066, CURRENT_TIMESTAMP);", "INSERT 0 1"},
	{"END;", "COMMIT"},
}

// tpcbTransaction returns the capture records and the outcome records of one transaction.
func tpcbTransaction() (reqs, outs []byte) {
	for i, st := range tpcbStatements {
		reqs = mirror.AppendRecord(reqs, time.Duration(i)*100*time.Microsecond, codec.AppendQuery(nil, st.sql))
		cc := append([]byte{codec.MsgCommandComplete, 0, 0, 0, byte(4 + len(st.tag) + 1)}, st.tag...)
		outs = mirror.AppendOutcome(outs, append(cc, 0), 80*time.Microsecond)
		outs = append(outs, mirror.SyncPoint)
	}
	return reqs, outs
}

// BenchmarkCompareTransaction is the replay goroutine's work per transaction beyond the
// replay itself, with a table already holding the statements.
func BenchmarkCompareTransaction(b *testing.B) {
	reqs, outs := tpcbTransaction()
	tab := insight.NewTable(1000)
	var c mirror.Comparer
	b.ReportAllocs()
	for b.Loop() {
		tab.Observe("mirror", c.Compare(reqs, outs, outs, true), time.Now())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(tpcbStatements)), "ns/stmt")
}

// BenchmarkCompareDistinct is the same with a new fingerprint in every transaction: each
// Observe makes an entry and, past the bound, evicts one.
func BenchmarkCompareDistinct(b *testing.B) {
	tab := insight.NewTable(1000)
	var c mirror.Comparer
	outs := mirror.AppendOutcome(nil, append([]byte{codec.MsgCommandComplete, 0, 0, 0, 13}, "SELECT 1\x00"...), time.Millisecond)
	outs = append(outs, mirror.SyncPoint)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		reqs := mirror.AppendRecord(nil, 0, codec.AppendQuery(nil, fmt.Sprintf("select c%d from t", i)))
		tab.Observe("mirror", c.Compare(reqs, outs, outs, true), time.Now())
		i++
	}
}
