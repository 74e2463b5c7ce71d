// metrics.go holds the Prometheus endpoint: PgDog's metric names, computed at scrape time and served over HTTP.

package engine

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
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
	e     *Engine
	pools []poolView
}

// poolLabels are a pool's labels, in PgDog's order.
func poolLabels(p *pool) string {
	return `user="` + escapeLabel(p.cfg.user) + `",database="` + escapeLabel(p.cfg.database) + `"`
}

func mirrorLabels(p *pool, d *mirrorDest) string {
	return poolLabels(p) + `,destination="` + escapeLabel(d.destDB) + `"`
}

// escapeLabel escapes a label value for the text format.
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// perPool writes one sample per pool.
func perPool(counter bool, f func(v *poolView) float64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for i := range s.pools {
			v := &s.pools[i]
			writeSample(w, counter, name+"{"+poolLabels(v.p)+"}", f(v))
		}
	}
}

// perMirror writes one sample per mirror of every pool.
func perMirror(counter bool, f func(d *mirrorDest) float64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for i := range s.pools {
			p := s.pools[i].p
			for _, d := range p.mirrors {
				writeSample(w, counter, name+"{"+mirrorLabels(p, d)+"}", f(d))
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
	{"clients", "Clients connected to the pool.", "gauge", perPool(false, func(v *poolView) float64 { return float64(v.clients) })},
	{"cl_waiting", "Clients waiting for a server connection.", "gauge", perPool(false, func(v *poolView) float64 { return float64(v.clWaiting) })},
	{"sv_active", "Server connections linked to a client.", "gauge", perPool(false, func(v *poolView) float64 { return float64(v.svActive) })},
	{"sv_idle", "Server connections idle in the pool.", "gauge", perPool(false, func(v *poolView) float64 { return float64(v.svIdle) })},
	{"sv_idle_xact", "Server connections linked to a client that is idle inside a transaction.", "gauge", perPool(false, func(v *poolView) float64 { return float64(v.svIdleXact) })},
	{"maxwait", "Longest wait of a waiting client, in seconds.", "gauge", perPool(false, func(v *poolView) float64 { return v.maxWait.Seconds() })},
	{"errors", "Error responses servers sent to clients.", "counter", perPool(true, func(v *poolView) float64 { return float64(v.totals.Errors) })},
	{"total_xact_count", "Transactions run.", "counter", perPool(true, func(v *poolView) float64 { return float64(v.totals.Xacts) })},
	{"total_query_count", "Queries run.", "counter", perPool(true, func(v *poolView) float64 { return float64(v.totals.Queries) })},
	{"total_received", "Bytes received from clients.", "counter", perPool(true, func(v *poolView) float64 { return float64(v.totals.Received) })},
	{"total_sent", "Bytes sent to clients.", "counter", perPool(true, func(v *poolView) float64 { return float64(v.totals.Sent) })},
	{"total_xact_time", "Time spent in transactions, in microseconds.", "counter", perPool(true, func(v *poolView) float64 { return micros(v.totals.XactTime) })},
	{"total_query_time", "Time spent in queries, in microseconds.", "counter", perPool(true, func(v *poolView) float64 { return micros(v.totals.QueryTime) })},
	{"total_wait_time", "Time clients waited for a server connection, in microseconds.", "counter", perPool(true, func(v *poolView) float64 { return micros(v.totals.WaitTime) })},
	{"mirror_total_count", "Transactions considered for mirroring.", "counter", perMirror(true, func(d *mirrorDest) float64 { return float64(d.stats.total.Load()) })},
	{"mirror_mirrored_count", "Transactions replayed on the mirror.", "counter", perMirror(true, func(d *mirrorDest) float64 { return float64(d.stats.mirrored.Load()) })},
	{"mirror_dropped_count", "Transactions not replayed on the mirror, all reasons.", "counter", perMirror(true, func(d *mirrorDest) float64 {
		var n int64
		for i := range d.stats.dropped {
			n += d.stats.dropped[i].Load()
		}
		return float64(n)
	})},
	{"mirror_dropped_reason_count", "Transactions not replayed on the mirror, by reason.", "counter", writeDropsByReason},
	{"mirror_error_count", "Errors the mirror returned during replay.", "counter", perMirror(true, func(d *mirrorDest) float64 { return float64(d.stats.errors.Load()) })},
	{"mirror_queue_length", "Transactions waiting in the mirror's queues.", "gauge", perMirror(false, func(d *mirrorDest) float64 { return float64(d.stats.queued.Load()) })},
	{"mirror_lag_seconds", "Replay lag of the mirror's last transaction, in seconds.", "gauge", perMirror(false, func(d *mirrorDest) float64 { return time.Duration(d.stats.lagNanos.Load()).Seconds() })},
	{"mirror_lag_p50_seconds", "Median replay lag of the mirror, in seconds.", "gauge", perMirror(false, func(d *mirrorDest) float64 { return d.stats.lag.quantile(0.5).Seconds() })},
	{"mirror_lag_p99_seconds", "99th percentile of the mirror's replay lag, in seconds.", "gauge", perMirror(false, func(d *mirrorDest) float64 { return d.stats.lag.quantile(0.99).Seconds() })},
	{"mirror_memory_bytes", "Bytes the mirror queues of the process hold (captured transactions waiting, being replayed or recorded), by buffer capacity.", "gauge", func(w io.Writer, name string, _ *scrape) {
		metrics.WriteGaugeUint64(w, name, uint64(max(mirrorMemory.Used(), 0)))
	}},
	{"mirror_memory_limit_bytes", "The bytes the mirror queues of the process may hold: mirror_memory_limit, capped at a quarter of the memory available.", "gauge", func(w io.Writer, name string, s *scrape) {
		s.e.checkMirrorMemory() // the configuration may have changed since the last mirrored transaction
		metrics.WriteGaugeUint64(w, name, uint64(max(mirrorMemory.Limit(), 0)))
	}},
	{"events_total", "Rare events of the whole process, by event (logins, server connections, migrations, timeouts, pauses, ...).", "counter", writeEvents},
	{"pins_total", "Clients pinned to their server in transaction mode, by the kind of session state that pins them.", "counter", func(w io.Writer, name string, s *scrape) {
		for k := range numPins {
			metrics.WriteCounterUint64(w, name+`{reason="`+pinNames[k]+`"}`, uint64(s.e.stats.pins[k].Load()))
		}
	}},
	{"prepared_statements", "Distinct prepared statements in the shared cache.", "gauge", func(w io.Writer, name string, s *scrape) {
		metrics.WriteGaugeUint64(w, name, uint64(s.e.stmts.size()))
	}},
	{"prepared_parses_total", "Named Parse messages from clients.", "counter", func(w io.Writer, name string, s *scrape) {
		metrics.WriteCounterUint64(w, name, uint64(s.e.stmts.parses.Load()))
	}},
	{"prepared_binds_total", "Bind messages from clients, with prepared statements on.", "counter", func(w io.Writer, name string, s *scrape) {
		metrics.WriteCounterUint64(w, name, uint64(s.e.stmts.binds.Load()))
	}},
	{"prepared_evictions_total", "Statements closed on servers by prepared_statements_limit.", "counter", func(w io.Writer, name string, s *scrape) {
		metrics.WriteCounterUint64(w, name, uint64(s.e.stmts.evictions.Load()))
	}},
}

func writeEvents(w io.Writer, name string, s *scrape) {
	for _, ev := range s.e.stats.events() {
		metrics.WriteCounterUint64(w, name+`{event="`+ev.name+`"}`, uint64(ev.n.Load()))
	}
}

func writeDropsByReason(w io.Writer, name string, s *scrape) {
	for i := range s.pools {
		p := s.pools[i].p
		for _, d := range p.mirrors {
			for r := range d.stats.dropped {
				labels := mirrorLabels(p, d) + `,reason="` + dropReasonNames[r] + `"`
				metrics.WriteCounterUint64(w, name+"{"+labels+"}", uint64(d.stats.dropped[r].Load()))
			}
		}
	}
}

// newMetricsSet builds the engine's metrics.Set: one writer computing every
// family from the pools at scrape time (nothing is counted per query).
func (e *Engine) newMetricsSet(namespace string) *metrics.Set {
	set := metrics.NewSet()
	prefix := ""
	if namespace != "" {
		prefix = strings.TrimSuffix(namespace, "_") + "_"
	}
	set.RegisterMetricsWriter(func(w io.Writer) {
		s := &scrape{e: e, pools: e.poolViews()}
		for _, f := range metricFamilies {
			name := prefix + f.name
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, f.help, name, f.typ)
			f.write(w, name, s)
		}
	})
	return set
}

// metricsServer serves the set's text exposition at /metrics and /.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// startMetrics listens on openmetrics_host:openmetrics_port and serves on
// its own goroutine, away from the event loops.
func (e *Engine) startMetrics(host string, port int, set *metrics.Set) (*metricsServer, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for metrics on %s: %w", addr, err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		set.WritePrometheus(w)
	})
	ms := &metricsServer{srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	go func() {
		if err := ms.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			e.log.Error("metrics server stopped", "err", err)
		}
	}()
	e.log.Info("metrics listening", "addr", ln.Addr().String())
	return ms, nil
}

func (ms *metricsServer) stop() { _ = ms.srv.Close() }
