// report.go holds the table's readers: the entries, the divergences and the per-mirror totals, copied out.

package insight

import (
	"cmp"
	"slices"
	"time"
)

// RatioFloor is added to both sides' median latency in Ratio (medians, not means: a
// replay goroutine descheduled for a few milliseconds on a loaded machine would otherwise
// make a quick statement's mean several times the source's). The source's loop times a
// statement between its own write and its own read of the reply, often without sleeping in
// between; the mirror's replay goroutine sleeps in its read and is woken by the runtime,
// which under load adds 0.1 to 0.2 ms (measured on make demo's 2-core run: BEGIN at 10 us
// on the source, 170 us on an idle mirror). Without a floor a statement that quick reads
// ten times slower on any mirror; with 0.2 ms on each side it stays near 1, while a real
// regression (a missing index: milliseconds) keeps its order of magnitude.
const RatioFloor = 200 * time.Microsecond

// MinCalls is how many times a query must have been compared for Queries to rank it with
// the others: one slow call says little.
const MinCalls = 5

// Queries returns every entry, those compared at least MinCalls times first, each part
// ordered by Ratio, descending, then Calls; with buckets, each Latency carries its Buckets.
//
// The slice and everything in it are the caller's: the table keeps no reference to them,
// so they stay valid, and unchanged, for as long as the caller keeps them.
func (t *Table) Queries(buckets bool) []QueryStats {
	var out []QueryStats
	t.each(func(sh *shard) {
		for e := sh.head; e != nil; e = e.next {
			out = append(out, e.stats(buckets))
		}
	})
	slices.SortFunc(out, func(a, b QueryStats) int {
		return cmp.Or(
			cmp.Compare(rare(a), rare(b)),
			cmp.Compare(b.Ratio, a.Ratio),
			cmp.Compare(b.Calls, a.Calls),
			cmp.Compare(a.Fingerprint, b.Fingerprint),
			cmp.Compare(a.Mirror, b.Mirror))
	})
	return out
}

// rare is 1 for an entry compared fewer than MinCalls times, else 0.
func rare(q QueryStats) int {
	if q.Calls < MinCalls {
		return 1
	}
	return 0
}

// stats is e's QueryStats.
func (e *entry) stats(buckets bool) QueryStats {
	q := QueryStats{
		Mirror:      e.key.mirror,
		Fingerprint: e.key.fp,
		Query:       e.text,
		Calls:       e.calls,
		OnSource:    e.src.Summary(buckets),
		OnMirror:    e.mir.Summary(buckets),
		LastSeen:    e.last,
	}
	if e.calls > 0 {
		q.Ratio = float64(q.OnMirror.P50+RatioFloor) / float64(q.OnSource.P50+RatioFloor)
	}
	for _, ex := range e.divs {
		q.Divergences[ex.kind] += ex.count
	}
	return q
}

// Divergences returns every divergence the entries hold, newest first.
//
// The slice is the caller's: the table keeps no reference to it, so it stays valid, and
// unchanged, for as long as the caller keeps it.
func (t *Table) Divergences() []Divergence {
	var out []Divergence
	t.each(func(sh *shard) {
		for e := sh.head; e != nil; e = e.next {
			for _, ex := range e.divs {
				out = append(out, Divergence{
					Mirror: e.key.mirror, Fingerprint: e.key.fp, Kind: ex.kind,
					SQLState: ex.sqlstate, Message: ex.message,
					SourceTag: ex.sourceTag, MirrorTag: ex.mirrorTag,
					Query: ex.query, Count: ex.count, First: ex.first, Last: ex.last,
				})
			}
		}
	})
	slices.SortFunc(out, func(a, b Divergence) int {
		return cmp.Or(
			b.Last.Compare(a.Last),
			cmp.Compare(a.Fingerprint, b.Fingerprint),
			cmp.Compare(a.Mirror, b.Mirror),
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.SQLState, b.SQLState))
	})
	return out
}

// Totals returns each mirror's counters, by mirror name.
//
// The slice is the caller's: the table keeps no reference to it, so it stays valid, and
// unchanged, for as long as the caller keeps it.
func (t *Table) Totals() []Totals {
	var out []Totals
	t.each(func(sh *shard) {
		for _, c := range sh.totals {
			i, found := slices.BinarySearchFunc(out, c.mirror, func(x Totals, m string) int {
				return cmp.Compare(x.Mirror, m)
			})
			if !found {
				out = slices.Insert(out, i, Totals{Mirror: c.mirror})
			}
			out[i].Compared += c.compared
			for k, d := range c.div {
				out[i].Divergences[k] += d
			}
		}
	})
	return out
}
