// metrics.go holds the metric families: PgDog's metric names and pgdogd's own, computed at scrape time from an engine Snapshot.

package metrics

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/pgdogd/pgdogd/engine"
)

// metricFamily is one metric's name, help text and type, and how to write
// its samples. Every family is written with its HELP and TYPE lines, even
// when it has no sample yet.
type metricFamily struct {
	name, help, typ string
	write           func(w io.Writer, name string, s *scrape)
}

// scrape is what one scrape reads, once.
type scrape struct {
	snap  engine.Snapshot
	pools []engine.PoolInfo
}

// poolLabels are a pool's labels, in PgDog's order.
func poolLabels(user, database string) string {
	return `user="` + escapeLabel(user) + `",database="` + escapeLabel(database) + `"`
}

func mirrorLabels(p *engine.PoolInfo, d *engine.MirrorInfo) string {
	return poolLabels(p.User, p.Database) + `,destination="` + escapeLabel(d.Destination) + `"`
}

// escapeLabel escapes a label value for the text format.
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// perPool writes one sample per pool.
func perPool(counter bool, f func(v *engine.PoolInfo) float64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for i := range s.pools {
			v := &s.pools[i]
			writeSample(w, counter, name+"{"+poolLabels(v.User, v.Database)+"}", f(v))
		}
	}
}

// perMirror writes one sample per mirror of every pool.
func perMirror(counter bool, f func(d *engine.MirrorInfo) float64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for i := range s.pools {
			p := &s.pools[i]
			for j := range p.Mirrors {
				writeSample(w, counter, name+"{"+mirrorLabels(p, &p.Mirrors[j])+"}", f(&p.Mirrors[j]))
			}
		}
	}
}

func writeSample(w io.Writer, counter bool, name string, v float64) {
	if counter {
		metrics.WriteCounterFloat64(w, name, v)
	} else {
		metrics.WriteGaugeFloat64(w, name, v)
	}
}

func micros(d time.Duration) float64 { return float64(d.Microseconds()) }

// metricFamilies are PgDog's metrics (clients .. mirror_queue_length) and
// pgdogd's own (drops by reason, replay lag, mirror memory, events, prepared statements). Counters keep PgDog's names
// for drop-in dashboards, although Prometheus conventions would end them in
// _total.
var metricFamilies = []metricFamily{
	{"clients", "Clients connected to the pool.", "gauge", perPool(false, func(v *engine.PoolInfo) float64 { return float64(v.Clients) })},
	{"cl_waiting", "Clients waiting for a server connection.", "gauge", perPool(false, func(v *engine.PoolInfo) float64 { return float64(v.ClWaiting) })},
	{"sv_active", "Server connections linked to a client.", "gauge", perPool(false, func(v *engine.PoolInfo) float64 { return float64(v.SvActive) })},
	{"sv_idle", "Server connections idle in the pool.", "gauge", perPool(false, func(v *engine.PoolInfo) float64 { return float64(v.SvIdle) })},
	{"sv_idle_xact", "Server connections linked to a client that is idle inside a transaction.", "gauge", perPool(false, func(v *engine.PoolInfo) float64 { return float64(v.SvIdleXact) })},
	{"maxwait", "Longest wait of a waiting client, in seconds.", "gauge", perPool(false, func(v *engine.PoolInfo) float64 { return v.MaxWait.Seconds() })},
	{"errors", "Error responses servers sent to clients.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return float64(v.Totals.Errors) })},
	{"total_xact_count", "Transactions run.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return float64(v.Totals.Xacts) })},
	{"total_query_count", "Queries run.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return float64(v.Totals.Queries) })},
	{"total_received", "Bytes received from clients.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return float64(v.Totals.Received) })},
	{"total_sent", "Bytes sent to clients.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return float64(v.Totals.Sent) })},
	{"total_xact_time", "Time spent in transactions, in microseconds.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return micros(v.Totals.XactTime) })},
	{"total_query_time", "Time spent in queries, in microseconds.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return micros(v.Totals.QueryTime) })},
	{"total_wait_time", "Time clients waited for a server connection, in microseconds.", "counter", perPool(true, func(v *engine.PoolInfo) float64 { return micros(v.Totals.WaitTime) })},
	{"mirror_total_count", "Transactions considered for mirroring.", "counter", perMirror(true, func(d *engine.MirrorInfo) float64 { return float64(d.Total) })},
	{"mirror_mirrored_count", "Transactions replayed on the mirror.", "counter", perMirror(true, func(d *engine.MirrorInfo) float64 { return float64(d.Mirrored) })},
	{"mirror_dropped_count", "Transactions not replayed on the mirror, all reasons.", "counter", perMirror(true, func(d *engine.MirrorInfo) float64 {
		var n int64
		for _, c := range d.Dropped {
			n += c.N
		}
		return float64(n)
	})},
	{"mirror_dropped_reason_count", "Transactions not replayed on the mirror, by reason.", "counter", writeDropsByReason},
	{"mirror_error_count", "Errors the mirror returned during replay.", "counter", perMirror(true, func(d *engine.MirrorInfo) float64 { return float64(d.Errors) })},
	{"mirror_queue_length", "Transactions waiting in the mirror's queues.", "gauge", perMirror(false, func(d *engine.MirrorInfo) float64 { return float64(d.Queued) })},
	{"mirror_lag_seconds", "Replay lag of the mirror's last transaction, in seconds.", "gauge", perMirror(false, func(d *engine.MirrorInfo) float64 { return d.Lag.Seconds() })},
	{"mirror_lag_p50_seconds", "Median replay lag of the mirror, in seconds.", "gauge", perMirror(false, func(d *engine.MirrorInfo) float64 { return d.LagP50.Seconds() })},
	{"mirror_lag_p99_seconds", "99th percentile of the mirror's replay lag, in seconds.", "gauge", perMirror(false, func(d *engine.MirrorInfo) float64 { return d.LagP99.Seconds() })},
	{"mirror_memory_bytes", "Bytes the mirror queues of the process hold (captured transactions waiting, being replayed or recorded), by buffer capacity.", "gauge", func(w io.Writer, name string, s *scrape) {
		used, _ := s.snap.MirrorMemory()
		metrics.WriteGaugeUint64(w, name, uint64(used))
	}},
	{"mirror_memory_limit_bytes", "The bytes the mirror queues of the process may hold: mirror_memory_limit, capped at a quarter of the memory available.", "gauge", func(w io.Writer, name string, s *scrape) {
		_, limit := s.snap.MirrorMemory()
		metrics.WriteGaugeUint64(w, name, uint64(limit))
	}},
	{"events_total", "Rare events of the whole process, by event (logins, server connections, migrations, timeouts, pauses, ...).", "counter", counters("event", engine.Snapshot.Events)},
	{"pins_total", "Clients pinned to their server in transaction mode, by the kind of session state that pins them.", "counter", counters("reason", engine.Snapshot.Pins)},
	{"prepared_statements", "Distinct prepared statements in the shared cache.", "gauge", func(w io.Writer, name string, s *scrape) {
		metrics.WriteGaugeUint64(w, name, uint64(s.snap.Prepared().Statements))
	}},
	{"prepared_parses_total", "Named Parse messages from clients.", "counter", func(w io.Writer, name string, s *scrape) {
		metrics.WriteCounterUint64(w, name, uint64(s.snap.Prepared().Parses))
	}},
	{"prepared_binds_total", "Bind messages from clients, with prepared statements on.", "counter", func(w io.Writer, name string, s *scrape) {
		metrics.WriteCounterUint64(w, name, uint64(s.snap.Prepared().Binds))
	}},
	{"prepared_evictions_total", "Statements closed on servers by prepared_statements_limit.", "counter", func(w io.Writer, name string, s *scrape) {
		metrics.WriteCounterUint64(w, name, uint64(s.snap.Prepared().Evictions))
	}},
}

// counters writes one sample per named counter, labelled label="name".
func counters(label string, read func(engine.Snapshot) []engine.Counter) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for _, c := range read(s.snap) {
			metrics.WriteCounterUint64(w, name+`{`+label+`="`+c.Name+`"}`, uint64(c.N))
		}
	}
}

func writeDropsByReason(w io.Writer, name string, s *scrape) {
	for i := range s.pools {
		p := &s.pools[i]
		for j := range p.Mirrors {
			d := &p.Mirrors[j]
			for _, r := range d.Dropped {
				labels := mirrorLabels(p, d) + `,reason="` + r.Name + `"`
				metrics.WriteCounterUint64(w, name+"{"+labels+"}", uint64(r.N))
			}
		}
	}
}

// newMetricsSet builds the engine's metrics.Set: one writer computing every
// family from the pools at scrape time (nothing is counted per query).
func newSet(snap engine.Snapshot, namespace string) *metrics.Set {
	set := metrics.NewSet()
	prefix := ""
	if namespace != "" {
		prefix = strings.TrimSuffix(namespace, "_") + "_"
	}
	set.RegisterMetricsWriter(func(w io.Writer) {
		pools, _ := snap.Pools() // a silent loop's counts are left out
		s := &scrape{snap: snap, pools: pools}
		for _, f := range metricFamilies {
			name := prefix + f.name
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, f.help, name, f.typ)
			f.write(w, name, s)
		}
	})
	return set
}
