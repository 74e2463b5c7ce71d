// table.go holds the comparison table: (fingerprint, mirror) entries, bounded, least recently seen evicted.

package insight

import "time"

// Table is the comparison of mirrored statements. It is safe for concurrent use.
type Table struct{}

// NewTable returns a table of at most capacity (fingerprint, mirror) entries.
func NewTable(capacity int) *Table { return &Table{} }

// SetCapacity changes the bound; entries beyond it are evicted, least recently seen first.
func (t *Table) SetCapacity(n int) {}

// Observe records the statements of one replayed transaction on mirror.
func (t *Table) Observe(mirror string, sts []Statement, now time.Time) {}

// Queries returns every entry, ordered by Ratio, descending, then Calls; with buckets, each
// Latency carries its Buckets.
func (t *Table) Queries(buckets bool) []QueryStats { return nil }

// Divergences returns every divergence the entries hold, newest first.
func (t *Table) Divergences() []Divergence { return nil }

// Totals returns each mirror's counters, by mirror name.
func (t *Table) Totals() []Totals { return nil }

// Reset empties the table and zeroes the totals.
func (t *Table) Reset() {}

// Len is the number of entries.
func (t *Table) Len() int { return 0 }
