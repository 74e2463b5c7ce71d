// own.go holds pgdogd's own families, named apart from PgDog's: active clients and wait time per pool, drops by reason and replay lag per mirror, mirror memory, events, pins, Parse and Bind counts.

package metrics

import (
	"io"

	"github.com/pgdogd/pgdogd/engine"
)

// perMirror writes one sample per mirror of every pool.
func perMirror(v func(d *engine.MirrorInfo) float64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for i := range s.pools {
			p := s.pools[i].info
			for j := range p.Mirrors {
				writeFloat(w, series(name, mirrorLabels(p, &p.Mirrors[j])...), v(&p.Mirrors[j]))
			}
		}
	}
}

// mirrorLabels are a mirror's labels: its pool's user and database, and where it replays.
func mirrorLabels(p *engine.PoolInfo, d *engine.MirrorInfo) []string {
	return []string{label("user", p.User), label("database", p.Database), label("destination", d.Destination)}
}

// dropsByReason writes one sample per mirror and drop reason.
func dropsByReason(w io.Writer, name string, s *scrape) {
	for i := range s.pools {
		p := s.pools[i].info
		for j := range p.Mirrors {
			d := &p.Mirrors[j]
			for _, r := range d.Dropped {
				writeInt(w, series(name, append(mirrorLabels(p, d), label("reason", r.Name))...), r.N)
			}
		}
	}
}

// counters writes one sample per named counter, labelled label="name".
func counters(name string, read func(engine.Snapshot) []engine.Counter) func(io.Writer, string, *scrape) {
	return func(w io.Writer, family string, s *scrape) {
		for _, c := range read(s.snap) {
			writeInt(w, series(family, label(name, c.Name)), c.N)
		}
	}
}

// ownFamilies are pgdogd's own. Counters follow Prometheus's naming
// (_total) where PgDog has no name to keep.
var ownFamilies = []family{
	{"cl_active", gauge, "", "Clients of the pool not waiting for a server connection.", perPool(func(r *poolRow) float64 { return float64(r.info.ClActive) })},
	{"client_wait_seconds_total", counter, "", "Time clients waited for a server connection, in seconds.", perPool(func(r *poolRow) float64 { return r.info.Totals.WaitTime.Seconds() })},
	{"mirror_dropped_total", counter, "", "Transactions not replayed on the mirror, by reason.", dropsByReason},
	{"mirror_lag_seconds", gauge, "", "Replay lag of the mirror's last transaction, in seconds.", perMirror(func(d *engine.MirrorInfo) float64 { return d.Lag.Seconds() })},
	{"mirror_lag_p50_seconds", gauge, "", "Median replay lag of the mirror, in seconds.", perMirror(func(d *engine.MirrorInfo) float64 { return d.LagP50.Seconds() })},
	{"mirror_lag_p99_seconds", gauge, "", "99th percentile of the mirror's replay lag, in seconds.", perMirror(func(d *engine.MirrorInfo) float64 { return d.LagP99.Seconds() })},
	{"mirror_memory_bytes", gauge, "", "Bytes the mirror queues of the process hold (captured transactions waiting, being replayed or recorded), by buffer capacity.", global(func(s *scrape) int64 {
		used, _ := s.snap.MirrorMemory()
		return used
	})},
	{"mirror_memory_limit_bytes", gauge, "", "The bytes the mirror queues of the process may hold: mirror_memory_limit, capped at a quarter of the memory available.", global(func(s *scrape) int64 {
		_, limit := s.snap.MirrorMemory()
		return limit
	})},
	{"events_total", counter, "", "Rare events of the whole process, by event (logins, server connections, migrations, timeouts, pauses, ...).", counters("event", engine.Snapshot.Events)},
	{"pins_total", counter, "", "Clients pinned to their server in transaction mode, by the kind of session state that pins them.", counters("reason", engine.Snapshot.Pins)},
	{"prepared_parses_total", counter, "", "Named Parse messages from clients.", global(func(s *scrape) int64 { return s.snap.Prepared().Parses })},
	{"prepared_binds_total", counter, "", "Bind messages from clients, with prepared statements on.", global(func(s *scrape) int64 { return s.snap.Prepared().Binds })},
	{"replica_reads_total", counter, "", "Transactions that only read routed to the pool of a replica.", perPool(func(r *poolRow) float64 { return float64(r.info.Replica.Reads) })},
	{"replica_banned", gauge, "", "1 while the replica is banned (a failed connection or health check, or replication lag past ban_replica_lag).", perPool(func(r *poolRow) float64 { return b2f(r.info.Replica.Banned) })},
	{"replica_bans_total", counter, "", "Times the replica was banned.", perPool(func(r *poolRow) float64 { return float64(r.info.Replica.Bans) })},
	{"replica_health_checks_total", counter, "", "Health checks of the replica.", perPool(func(r *poolRow) float64 { return float64(r.info.Replica.Checks) })},
	{"replica_health_check_failures_total", counter, "", "Health checks of the replica that failed.", perPool(func(r *poolRow) float64 { return float64(r.info.Replica.CheckFailures) })},
}

// b2f is 1 for true, 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
