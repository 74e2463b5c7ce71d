// observe_test.go measures Observe: no allocation on existing entries, and its cost per transaction.

package insight

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// transaction is eight statements on distinct fingerprints from base: agreements, a
// command-tag and an error divergence, and statements Observe ignores.
func transaction(base uint64) []Statement {
	sts := make([]Statement, 8)
	for i := range sts {
		sts[i] = Statement{Timed: true, Fingerprint: base + uint64(i), Text: []byte("UPDATE t SET v = $1 WHERE id = $2 /* " + strconv.Itoa(i) + " */"),
			Source: done("UPDATE 1"), Mirror: done("UPDATE 1")}
		sts[i].Source.Latency, sts[i].Mirror.Latency = time.Duration(i+1)*150*time.Microsecond, time.Duration(i+2)*130*time.Microsecond
	}
	sts[2].Mirror.Tag = []byte("UPDATE 0")
	sts[3].Mirror = fail("23505", "duplicate key value violates unique constraint \"t_pkey\"")
	sts[4].Mirror = fail("25P02", "current transaction is aborted")
	sts[5].Source, sts[5].Mirror = fail("40001", "could not serialize access"), fail("40001", "could not serialize access")
	sts[6].Mirror = missing
	return sts
}

func TestObserveZeroAlloc(t *testing.T) {
	for _, capacity := range []int{100, 1000} { // one shard, eight
		tab := NewTable(capacity)
		sts := transaction(1)
		now := t0
		tab.Observe("mirror", sts, now)
		allocs := testing.AllocsPerRun(1000, func() {
			now = now.Add(time.Millisecond)
			tab.Observe("mirror", sts, now)
		})
		if allocs != 0 {
			t.Errorf("capacity %d: Observe on existing entries allocates %v times", capacity, allocs)
		}
		// Divergences with the same text, tags and message reuse their example.
		if d := tab.Divergences(); len(d) != 2 || d[0].Count != 1002 {
			t.Errorf("capacity %d: divergences %+v", capacity, d)
		}
	}
}

func BenchmarkObserve(b *testing.B) {
	tab := NewTable(1000)
	sts := transaction(1)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		tab.Observe("mirror", sts, now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(sts)), "ns/statement")
}

func BenchmarkObserveParallel(b *testing.B) {
	tab := NewTable(1000)
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		sts := transaction(next.Add(1) * 64) // each goroutine its own fingerprints
		now := t0
		for pb.Next() {
			now = now.Add(time.Microsecond)
			tab.Observe("mirror", sts, now)
		}
	})
}
