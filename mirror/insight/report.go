// report.go holds the table's readers: the entries, the divergences and the per-mirror totals, copied out.

package insight

import (
	"cmp"
	"slices"
)

// Queries returns every entry, ordered by Ratio, descending, then Calls; with buckets, each
// Latency carries its Buckets.
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
			cmp.Compare(b.Ratio, a.Ratio),
			cmp.Compare(b.Calls, a.Calls),
			cmp.Compare(a.Fingerprint, b.Fingerprint),
			cmp.Compare(a.Mirror, b.Mirror))
	})
	return out
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
	if src := e.src.Total(); src > 0 { // both sides have the same count: a ratio of means
		q.Ratio = float64(e.mir.Total()) / float64(src)
	}
	for k, ex := range e.div {
		if ex != nil {
			q.Divergences[k] = ex.count
		}
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
			for k, ex := range e.div {
				if ex == nil || ex.count == 0 {
					continue
				}
				out = append(out, Divergence{
					Mirror: e.key.mirror, Fingerprint: e.key.fp, Kind: DivergenceKind(k),
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
			cmp.Compare(a.Kind, b.Kind))
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
