// insight.go holds pgdogd's families of the comparison of mirrored statements: statements compared and divergences per mirror, latency histograms and query texts of the slowest fingerprints.

package metrics

import (
	"io"
	"math"
	"strconv"

	"github.com/pgdogd/pgdogd/mirror/insight"
)

// infoQueryChars is the most characters of a query's text mirror_query_info carries.
const infoQueryChars = 120

// topQueries are the comparison's first mirror_stats_metrics entries (the
// slowest on their mirror relative to the source), with their buckets,
// read once per scrape.
func (s *scrape) topQueries() []insight.QueryStats {
	if !s.queriesRead {
		s.queriesRead = true
		if n := s.snap.Config().General.MirrorStatsMetrics; n > 0 {
			s.queries = s.snap.MirrorQueries(true)
			s.queries = s.queries[:min(n, len(s.queries))]
		}
	}
	return s.queries
}

// compared writes each mirror's statements compared.
func compared(w io.Writer, name string, s *scrape) {
	for _, t := range s.snap.MirrorTotals() {
		writeInt(w, series(name, label("mirror", t.Mirror)), t.Compared)
	}
}

// divergences writes each mirror's divergences, one sample per kind.
func divergences(w io.Writer, name string, s *scrape) {
	for _, t := range s.snap.MirrorTotals() {
		for k := range insight.NumDivergenceKinds {
			writeInt(w, series(name, label("mirror", t.Mirror), label("kind", k.String())), t.Divergences[k])
		}
	}
}

// queryLatency writes the two histograms, source and mirror, of each top query.
func queryLatency(w io.Writer, name string, s *scrape) {
	for _, q := range s.topQueries() {
		m, fp := label("mirror", q.Mirror), label("fingerprint", fingerprint(q.Fingerprint))
		writeHistogram(w, name, []string{m, fp, label("side", "source")}, &q.OnSource)
		writeHistogram(w, name, []string{m, fp, label("side", "mirror")}, &q.OnMirror)
	}
}

// writeHistogram writes one histogram: a bucket per finite bound of
// insight.Bounds that l has a count for, the +Inf bucket (l's count),
// the sum in seconds and the count.
func writeHistogram(w io.Writer, name string, labels []string, l *insight.Latency) {
	bucket := name + "_bucket"
	labels = labels[:len(labels):len(labels)] // each append below copies
	for i, b := range insight.Bounds {
		if i >= len(l.Buckets) || b == math.MaxInt64 {
			break
		}
		le := label("le", strconv.FormatFloat(b.Seconds(), 'f', -1, 64))
		writeInt(w, series(bucket, append(labels, le)...), l.Buckets[i])
	}
	writeInt(w, series(bucket, append(labels, label("le", "+Inf"))...), l.Count)
	writeFloat(w, series(name+"_sum", labels...), l.Total.Seconds())
	writeInt(w, series(name+"_count", labels...), l.Count)
}

// queryInfo writes 1 for each top query, its text in a label.
func queryInfo(w io.Writer, name string, s *scrape) {
	for _, q := range s.topQueries() {
		writeInt(w, series(name, label("mirror", q.Mirror), label("fingerprint", fingerprint(q.Fingerprint)),
			label("query", shortQuery(q.Query, infoQueryChars))), 1)
	}
}

// insightFamilies are pgdogd's own families of the comparison. The
// per-query ones are bounded by mirror_stats_metrics.
var insightFamilies = []family{
	{"mirror_compared_total", counter, "", "Mirrored statements compared with their run on the source, per mirror (destination database), since the start or the last RESET MIRROR STATS.", compared},
	{"mirror_divergences_total", counter, "", "Mirrored statements whose outcome differed from the source's, per mirror and kind: mirror_error (the source succeeded, the mirror failed), source_error, error_mismatch (different SQLSTATEs), tag_mismatch (different command tags).", divergences},
	{"mirror_query_latency_seconds", histogram, "", "Latency of statements on the source and on the mirror (side), in seconds, per query fingerprint and mirror; only for the mirror_stats_metrics (default 20, 0 for none) fingerprint and mirror pairs slowest on the mirror relative to the source, which bounds the series.", queryLatency},
	{"mirror_query_info", gauge, "", "The text of each query fingerprint that has a mirror_query_latency_seconds histogram (at most mirror_stats_metrics pairs), cut to 120 characters; always 1.", queryInfo},
}
