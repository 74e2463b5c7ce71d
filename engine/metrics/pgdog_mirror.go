// pgdog_mirror.go holds PgDog's mirror families (mirror_total_count .. mirror_queue_length): one sample per pool, summed over its mirrors, and one without labels for the whole process.

package metrics

import (
	"io"

	"github.com/pgdogd/pgdogd/engine"
)

// perMirroredPool writes one sample per pool (labelled with its user and
// database, as PgDog does), of v summed over the pool's mirrors, and the
// sum over every pool without labels.
func perMirroredPool(v func(d *engine.MirrorInfo) int64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		var all int64
		for i := range s.pools {
			p := s.pools[i].info
			var n int64
			for j := range p.Mirrors {
				n += v(&p.Mirrors[j])
			}
			all += n
			writeInt(w, series(name, label("user", p.User), label("database", p.Database)), n)
		}
		writeInt(w, name, all)
	}
}

// dropped is a mirror's transactions not replayed, all reasons.
func dropped(d *engine.MirrorInfo) int64 {
	var n int64
	for _, c := range d.Dropped {
		n += c.N
	}
	return n
}

// pgdogMirrors are PgDog's mirror families.
var pgdogMirrors = []family{
	{"mirror_total_count", counter, "", "Total number of requests considered for mirroring.", perMirroredPool(func(d *engine.MirrorInfo) int64 { return d.Total })},
	{"mirror_mirrored_count", counter, "", "Total number of requests successfully mirrored.", perMirroredPool(func(d *engine.MirrorInfo) int64 { return d.Mirrored })},
	{"mirror_dropped_count", counter, "", "Total number of requests not mirrored, all reasons (mirror_dropped_total tells which).", perMirroredPool(dropped)},
	{"mirror_error_count", counter, "", "Total number of mirror requests that encountered errors.", perMirroredPool(func(d *engine.MirrorInfo) int64 { return d.Errors })},
	{"mirror_queue_length", gauge, "", "Current number of transactions in the mirror queue.", perMirroredPool(func(d *engine.MirrorInfo) int64 { return d.Queued })},
}
