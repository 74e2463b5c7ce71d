// metrics.go holds the families in the order they are written and the metrics.Set that computes them at scrape time.

package metrics

import (
	"io"
	"slices"

	"github.com/VictoriaMetrics/metrics"

	"github.com/pgdogd/pgdogd/engine"
)

// families are PgDog's (in PgDog's order: clients, pools, mirrors, cache)
// and then pgdogd's own, the comparison of mirrored statements last.
var families = slices.Concat(pgdogGlobal[:2], pgdogPools, pgdogMirrors, pgdogGlobal[2:], ownFamilies, insightFamilies)

// newSet builds the endpoint's metrics.Set: one writer computing every
// family at scrape time, each name prefixed with namespace as it is (as
// PgDog does: "pgdog_" gives pgdog_clients).
func newSet(snap engine.MetricsSnapshot, namespace string, avg *averager) *metrics.Set {
	set := metrics.NewSet()
	set.RegisterMetricsWriter(func(w io.Writer) {
		s := readScrape(snap, avg)
		for i := range families {
			f := &families[i]
			name := namespace + f.name
			f.writeHeader(w, name)
			f.write(w, name, s)
		}
	})
	return set
}
