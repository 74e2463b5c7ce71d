// table_test.go tests Table: LRU eviction, capacity changes, totals, reset, ordering, concurrency and memory per entry.

package insight

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ok is a statement both sides completed alike.
func ok(fp uint64) Statement {
	return Statement{Timed: true, Fingerprint: fp, Text: []byte("SELECT 1"), Source: done("SELECT 1"), Mirror: done("SELECT 1")}
}

// present is the set of fingerprints the table holds.
func present(tab *Table) map[uint64]bool {
	m := make(map[uint64]bool)
	for _, q := range tab.Queries(false) {
		m[q.Fingerprint] = true
	}
	return m
}

// fill observes fingerprints from..to-1, one second apart from t0.
func fill(tab *Table, from, to uint64) {
	for fp := from; fp < to; fp++ {
		tab.Observe("m", []Statement{ok(fp)}, t0.Add(time.Duration(fp)*time.Second))
	}
}

func TestShardLayout(t *testing.T) {
	for _, tt := range []struct{ capacity, shards int }{{-1, 1}, {0, 1}, {10, 1}, {100, 1}, {127, 1}, {128, 2}, {1000, 8}, {1 << 20, maxShards}} {
		set := newShardSet(tt.capacity)
		total := 0
		for i := range set.shards {
			total += set.shards[i].cap
		}
		if len(set.shards) != tt.shards || total != max(tt.capacity, 0) {
			t.Errorf("capacity %d: %d shards holding %d, want %d shards holding %d", tt.capacity, len(set.shards), total, tt.shards, tt.capacity)
		}
	}
}

func TestLRUEviction(t *testing.T) {
	for _, capacity := range []int{100, 1000} {
		tab := NewTable(capacity)
		const n = 100000
		fill(tab, 0, n)
		if tab.Len() != capacity {
			t.Errorf("capacity %d: Len %d after %d fingerprints", capacity, tab.Len(), n)
		}
		// Every shard keeps its most recent capacity/shards entries at least, so the
		// most recent that many are all kept (all capacity with a single shard).
		recent := capacity / len(tab.set.Load().shards)
		got := present(tab)
		for fp := uint64(n - recent); fp < n; fp++ {
			if !got[fp] {
				t.Errorf("capacity %d: fingerprint %d, among the %d most recent, was evicted", capacity, fp, recent)
				break
			}
		}
	}
}

func TestLRUKeepsReobserved(t *testing.T) {
	tab := NewTable(100)
	for fp := uint64(1); fp < 10000; fp++ {
		tab.Observe("m", []Statement{ok(0), ok(fp)}, t0)
	}
	q := tab.Queries(false)
	if !present(tab)[0] || tab.Len() != 100 {
		t.Fatalf("the re-observed entry was evicted (Len %d)", tab.Len())
	}
	for _, e := range q {
		if e.Fingerprint == 0 && e.Calls != 9999 {
			t.Errorf("re-observed entry has %d calls, want 9999", e.Calls)
		}
	}
	// The same fingerprint on two mirrors is two entries.
	tab.Observe("other", []Statement{ok(0)}, t0)
	n := 0
	for _, e := range tab.Queries(false) {
		if e.Fingerprint == 0 {
			n++
		}
	}
	if n != 2 {
		t.Errorf("fingerprint 0 has %d entries, want one per mirror", n)
	}
}

func TestSetCapacity(t *testing.T) {
	tab := NewTable(100)
	fill(tab, 0, 100)
	tab.SetCapacity(10) // same single shard: shrink in place
	got := present(tab)
	if tab.Len() != 10 || !got[99] || !got[90] || got[89] {
		t.Errorf("shrink to 10: Len %d, want 90..99", tab.Len())
	}
	tab.SetCapacity(1000) // reshard to 8 shards: everything kept
	fill(tab, 100, 200)
	if tab.Len() != 110 {
		t.Errorf("grow to 1000: Len %d, want 110", tab.Len())
	}
	fill(tab, 200, 1100)
	tab.SetCapacity(100) // reshard back to one shard: the 100 seen last are kept
	got = present(tab)
	if tab.Len() != 100 {
		t.Errorf("shrink to 100: Len %d", tab.Len())
	}
	for fp := uint64(1000); fp < 1100; fp++ {
		if !got[fp] {
			t.Fatalf("shrink to 100: fingerprint %d, among the 100 seen last, was evicted", fp)
		}
	}
	fill(tab, 2000, 2001)
	if tab.Len() != 100 || !present(tab)[2000] {
		t.Errorf("after the reshard: Len %d", tab.Len())
	}
	tab.SetCapacity(0)
	fill(tab, 3000, 3010)
	if tab.Len() != 0 {
		t.Errorf("capacity 0: Len %d", tab.Len())
	}
	if tot := tab.Totals(); len(tot) != 1 || tot[0].Compared != 1111 {
		t.Errorf("totals through resizes: %+v, want 1111 compared", tot)
	}
}

func TestTotalsSurviveEvictionAndReset(t *testing.T) {
	tab := NewTable(10)
	for fp := range uint64(1000) {
		sts := []Statement{ok(fp), {Fingerprint: fp + 5000, Source: done("UPDATE 1"), Mirror: done("UPDATE 0")}}
		if fp%10 == 0 {
			sts = append(sts, Statement{Timed: true, Fingerprint: fp, Source: done("SELECT 1"), Mirror: fail("42P01", "no table")})
		}
		tab.Observe("b", sts, t0)
		tab.Observe("a", []Statement{ok(fp)}, t0)
	}
	var div [NumDivergenceKinds]int64
	div[TagMismatch], div[MirrorError] = 1000, 100
	want := []Totals{{Mirror: "a", Compared: 1000}, {Mirror: "b", Compared: 2100, Divergences: div}}
	got := tab.Totals()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("totals %+v, want %+v", got, want)
	}
	if tab.Len() != 10 {
		t.Errorf("Len %d, want 10", tab.Len())
	}
	tab.Reset()
	if tab.Len() != 0 || len(tab.Totals()) != 0 || len(tab.Queries(true)) != 0 || len(tab.Divergences()) != 0 {
		t.Errorf("after Reset: Len %d totals %v", tab.Len(), tab.Totals())
	}
	tab.Observe("a", []Statement{ok(1)}, t0)
	if tot := tab.Totals(); len(tot) != 1 || tot[0].Compared != 1 || tab.Len() != 1 {
		t.Errorf("after Reset and one statement: %+v", tot)
	}
}

func TestQueriesOrder(t *testing.T) {
	tab := NewTable(100)
	at := func(fp uint64, src, mir time.Duration, calls int) []Statement {
		st := ok(fp)
		st.Source.Latency, st.Mirror.Latency = src, mir
		return slices.Repeat([]Statement{st}, calls)
	}
	ms := time.Millisecond
	tab.Observe("m", slices.Concat(
		at(1, 0, 0, MinCalls), // ratio 1 (the floor on both sides)
		at(2, 900*time.Microsecond, 2900*time.Microsecond, MinCalls), // ratio (2.9+0.1)/(0.9+0.1) = 3
		at(3, 0, 50*ms, 1),                                        // ratio 501, but one call: ranked after the others
		at(4, ms, ms, MinCalls+1),                                 // ratio 1, more calls than 1
		at(5, 400*time.Microsecond, 0, MinCalls),                  // ratio 0.2: the mirror is faster
		at(6, 20*time.Microsecond, 90*time.Microsecond, MinCalls), // scheduling noise: ratio near 1, not 4.5
	), t0)
	var order []uint64
	qs := tab.Queries(true)
	for _, q := range qs {
		order = append(order, q.Fingerprint)
	}
	if fmt.Sprint(order) != "[2 6 4 1 5 3]" {
		t.Errorf("order %v, want [2 6 4 1 5 3]", order)
	}
	near := func(x, want float64) bool { return math.Abs(x-want) < 0.001 }
	f := float64(RatioFloor) / float64(ms) // in ms
	if !near(qs[0].Ratio, (2.9+f)/(0.9+f)) || !near(qs[1].Ratio, (0.09+f)/(0.02+f)) || !near(qs[5].Ratio, (50+f)/f) ||
		len(qs[0].OnSource.Buckets) != len(Bounds) || len(qs[0].OnMirror.Buckets) != len(Bounds) {
		t.Errorf("ratios %v %v %v, buckets %d", qs[0].Ratio, qs[1].Ratio, qs[5].Ratio, len(qs[0].OnSource.Buckets))
	}
	if tab.Queries(false)[0].OnSource.Buckets != nil {
		t.Errorf("buckets without asking")
	}
}

func TestDivergencesNewestFirst(t *testing.T) {
	tab := NewTable(100)
	for i := range uint64(5) {
		tab.Observe("m", []Statement{{Fingerprint: i, Source: done("UPDATE 1"), Mirror: done("UPDATE 2")}}, t0.Add(time.Duration(i)*time.Minute))
	}
	tab.Observe("m", []Statement{{Fingerprint: 2, Source: done("UPDATE 1"), Mirror: fail("40P01", "deadlock")}}, t0.Add(time.Hour))
	var got []string
	for _, d := range tab.Divergences() {
		got = append(got, fmt.Sprintf("%d/%v", d.Fingerprint, d.Kind))
	}
	want := "[2/mirror_error 4/tag_mismatch 3/tag_mismatch 2/tag_mismatch 1/tag_mismatch 0/tag_mismatch]"
	if fmt.Sprint(got) != want {
		t.Errorf("divergences %v, want %v", got, want)
	}
}

func TestConcurrentObserve(t *testing.T) {
	tab := NewTable(200)
	const workers, txns = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mirror := []string{"m0", "m1"}[w%2]
			for i := range txns {
				fp := uint64((w*txns + i) % 500)
				sts := []Statement{
					ok(fp),
					{Fingerprint: fp + 1, Source: done("UPDATE 1"), Mirror: done("UPDATE 0")},
					{Fingerprint: fp + 2, Source: done("INSERT 0 1"), Mirror: fail("23505", "dup")},
					{Fingerprint: fp + 3, Source: done("SELECT 1"), Mirror: fail("25P02", "aborted")},
					{Fingerprint: fp + 4, Source: done("SELECT 1"), Mirror: missing},
				}
				tab.Observe(mirror, sts, t0.Add(time.Duration(i)*time.Millisecond))
			}
		}()
	}
	// Readers and resizes (which reshard between 2, 1 and 4 shards) meanwhile.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tab.Queries(i%2 == 0)
			tab.Divergences()
			tab.Totals()
			tab.SetCapacity([]int{200, 100, 300}[i%3])
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	var div [NumDivergenceKinds]int64
	div[TagMismatch], div[MirrorError] = workers/2*txns, workers/2*txns
	want := fmt.Sprint([]Totals{{"m0", workers / 2 * txns * 3, div}, {"m1", workers / 2 * txns * 3, div}})
	if got := fmt.Sprint(tab.Totals()); got != want {
		t.Errorf("totals %s, want %s", got, want)
	}
	if tab.Len() > 300 {
		t.Errorf("Len %d over capacity", tab.Len())
	}
}

// TestMemoryPerEntry measures the heap an entry takes, with a 100-byte text, and with
// a divergence example besides.
func TestMemoryPerEntry(t *testing.T) {
	const n = 10000
	text := []byte(strings.Repeat("x", 100))
	measure := func(diverge bool) float64 {
		sts := make([]Statement, n)
		for i := range sts {
			sts[i] = Statement{Timed: true, Fingerprint: uint64(i), Text: text, Source: done("SELECT 1"), Mirror: done("SELECT 1")}
			if diverge {
				sts[i].Mirror = fail("23505", "duplicate key value violates unique constraint \"t_pkey\"")
			}
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tab := NewTable(2 * n) // room for the shards' uneven shares
		tab.Observe("mirror", sts, t0)
		runtime.GC()
		runtime.ReadMemStats(&after)
		if tab.Len() != n {
			t.Fatalf("Len %d", tab.Len())
		}
		runtime.KeepAlive(tab)
		runtime.KeepAlive(sts)
		return float64(after.HeapAlloc-before.HeapAlloc) / n
	}
	plain, diverging := measure(false), measure(true)
	t.Logf("bytes per entry: %.0f; with a divergence example: %.0f", plain, diverging)
	if plain > 3072 || diverging > 3584 {
		t.Errorf("bytes per entry %.0f (with an example %.0f), want ≤ 3072 (3584)", plain, diverging)
	}
}
