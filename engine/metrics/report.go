// report.go holds the /mirror report: what it shows (mirrors and their totals and drops, the slowest queries, the divergences), read from a Snapshot, and its HTTP handler.

package metrics

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// The most rows of the report's tables, and of a query's text in them.
const (
	reportQueries     = 50
	reportDivergences = 100
	reportQueryLen    = 160
)

// report is what the page shows.
type report struct {
	Now             string
	StatsOff        bool // mirror_stats is off: nothing is compared
	Empty           bool // no statement compared yet
	Mirrors         []reportMirror
	Drops           []reportDrops
	Chart           *chart
	Queries         []reportQuery
	MoreQueries     int // entries beyond the table
	Divergences     []reportDivergence
	MoreDivergences int
}

// reportMirror is one mirror's totals.
type reportMirror struct {
	Name      string
	Compared  int64
	Diverged  int64
	Kinds     []namedCount // every kind of divergence
	Divergent bool
}

// namedCount is a count and its name.
type namedCount struct {
	Name string
	N    int64
}

// reportDrops is one pool's mirror and its transactions, dropped by reason.
type reportDrops struct {
	User, Source, Destination       string
	Total, Mirrored, Errors, Queued int64
	Dropped                         int64
	Reasons                         []namedCount // the reasons that dropped any
}

// reportQuery is one row of the queries' table.
type reportQuery struct {
	Mirror, Fingerprint, Query string
	Calls                      int64
	OnSource, OnMirror         [3]string // p50, p95, p99 in milliseconds
	Ratio                      string
	Slow                       bool
	Divergences                int64
}

// reportDivergence is one row of the divergences' table.
type reportDivergence struct {
	Mirror, Fingerprint, Kind, SQLState, Message string
	SourceTag, MirrorTag, Last, Query            string
	Count                                        int64
}

// reportTime is how the report writes a moment, as the console does.
func reportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 MST")
}

// newReport reads what the page shows from snap at now.
func newReport(snap engine.Snapshot, now time.Time) *report {
	r := &report{Now: reportTime(now), StatsOff: !snap.Config().General.MirrorStats}
	r.Mirrors = reportMirrors(snap.MirrorTotals())
	r.Drops = reportDropList(snap.Mirrors())
	qs := snap.MirrorQueries(false)
	r.Chart = newChart(qs)
	for i := range qs[:min(len(qs), reportQueries)] {
		r.Queries = append(r.Queries, newReportQuery(&qs[i]))
	}
	r.MoreQueries = len(qs) - len(r.Queries)
	ds := snap.MirrorDivergences()
	for _, d := range ds[:min(len(ds), reportDivergences)] {
		r.Divergences = append(r.Divergences, reportDivergence{Mirror: d.Mirror, Fingerprint: fingerprint(d.Fingerprint),
			Kind: d.Kind.String(), SQLState: d.SQLState, Message: d.Message, SourceTag: d.SourceTag, MirrorTag: d.MirrorTag,
			Last: reportTime(d.Last), Query: shortQuery(d.Query, reportQueryLen), Count: d.Count})
	}
	r.MoreDivergences = len(ds) - len(r.Divergences)
	r.Empty = len(qs) == 0 && len(ds) == 0
	return r
}

// reportMirrors are the mirrors' totals, every kind of divergence listed.
func reportMirrors(totals []insight.Totals) []reportMirror {
	var out []reportMirror
	for _, t := range totals {
		m := reportMirror{Name: t.Mirror, Compared: t.Compared}
		for k := range insight.NumDivergenceKinds {
			m.Kinds = append(m.Kinds, namedCount{k.String(), t.Divergences[k]})
			m.Diverged += t.Divergences[k]
		}
		m.Divergent = m.Diverged > 0
		out = append(out, m)
	}
	return out
}

// reportDropList is each pool's mirror with the reasons that dropped transactions.
func reportDropList(mirrors []engine.MirrorInfo) []reportDrops {
	var out []reportDrops
	for _, m := range mirrors {
		d := reportDrops{User: m.User, Source: m.Source, Destination: m.Destination, Total: m.Total,
			Mirrored: m.Mirrored, Errors: m.Errors, Queued: m.Queued}
		for _, c := range m.Dropped {
			d.Dropped += c.N
			if c.N > 0 {
				d.Reasons = append(d.Reasons, namedCount{c.Name, c.N})
			}
		}
		out = append(out, d)
	}
	return out
}

// newReportQuery is q's row in the queries' table.
func newReportQuery(q *insight.QueryStats) reportQuery {
	r := reportQuery{Mirror: q.Mirror, Fingerprint: fingerprint(q.Fingerprint), Query: shortQuery(q.Query, reportQueryLen),
		Calls: q.Calls, Ratio: strconv.FormatFloat(q.Ratio, 'f', 2, 64), Slow: q.Ratio >= slowRatio,
		OnSource: [3]string{ms3(q.OnSource.P50), ms3(q.OnSource.P95), ms3(q.OnSource.P99)},
		OnMirror: [3]string{ms3(q.OnMirror.P50), ms3(q.OnMirror.P95), ms3(q.OnMirror.P99)}}
	for _, n := range q.Divergences {
		r.Divergences += n
	}
	return r
}

// reportHandler serves the page, rendered whole before a byte is sent so
// that a failure is a 500, not half a page.
func reportHandler(snap engine.Snapshot, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var buf bytes.Buffer
		if err := reportPage.Execute(&buf, newReport(snap, time.Now())); err != nil {
			log.Error("mirror report", "err", err)
			http.Error(w, "cannot render the report", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
	})
}
