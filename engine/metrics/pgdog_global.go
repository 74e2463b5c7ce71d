// pgdog_global.go holds PgDog's families without labels: clients, locked clients, the prepared statement cache and its limit, two-phase commit recovery.

package metrics

import (
	"io"
)

// global writes the family's one sample.
func global(v func(s *scrape) int64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) { writeInt(w, name, v(s)) }
}

// pgdogGlobal are PgDog's families without labels. two_pc_recovered_total
// is 0: two-phase commit is for sharding, which pgdogd does not do.
var pgdogGlobal = []family{
	{"clients", gauge, "", "Total number of connected clients.", global(func(s *scrape) int64 { return int64(s.snap.Counts().Clients) })},
	{"clients_locked", gauge, "", "Total number of locked clients (pinned to their server by session state).", global(func(s *scrape) int64 { return int64(s.locked.Clients) })},
	{"prepared_statements_limit", gauge, "", "Maximum number of prepared statements that can be cached", global(func(s *scrape) int64 {
		return int64(s.snap.Config().General.PreparedStatementsLimit)
	})},
	{"prepared_statements", gauge, "", "Number of prepared statements in the cache", global(func(s *scrape) int64 { return int64(s.snap.Prepared().Statements) })},
	{"prepared_statements_memory", gauge, "", "Amount of bytes used for the prepared statements cache", global(func(s *scrape) int64 { return s.snap.PreparedBytes() })},
	{"two_pc_recovered_total", counter, "", "Total number of in-flight 2PC transactions restored from the WAL during recovery.", global(func(*scrape) int64 { return 0 })},
}
