// insight_test.go holds the tests of the comparison's families on a fake engine: totals, histograms and query texts, their bound, and promtool's reading of them.

package metrics

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/enginetest"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// useBounds sets insight.Bounds to the fixtures' for the test.
func useBounds(t *testing.T) {
	saved := insight.Bounds
	insight.Bounds = enginetest.Bounds
	t.Cleanup(func() { insight.Bounds = saved })
}

// insightText is the exposition of the metrics fixture with the
// comparison's fixture and mirror_stats_metrics set to top.
func insightText(t *testing.T, top int, edit func(*enginetest.MetricsSnapshot)) string {
	t.Helper()
	snap := enginetest.MetricsFixture()
	enginetest.WithInsight(snap.Snapshot)
	snap.Cfg.General.MirrorStatsMetrics = top
	if edit != nil {
		edit(snap)
	}
	var buf bytes.Buffer
	newSet(snap, "pgdog_", newAverager(time.Unix(1000, 0))).WritePrometheus(&buf)
	return buf.String()
}

// values are the samples of one family name (with its suffix), keyed by
// their labels written as k=v in order of the given names.
func values(samples []sampleLine, name string, keys ...string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range samples {
		if s.name != name {
			continue
		}
		var k []string
		for _, key := range keys {
			k = append(k, key+"="+s.labels[key])
		}
		out[strings.Join(k, ",")] = s.value
	}
	return out
}

// TestInsightTotals: statements compared per mirror, divergences per
// mirror and kind, every kind written.
func TestInsightTotals(t *testing.T) {
	samples := parseExposition(t, insightText(t, 0, nil))
	if got := values(samples, "pgdog_mirror_compared_total", "mirror"); !reflect.DeepEqual(got, map[string]float64{"mirror=app_mirror": 7920}) {
		t.Errorf("mirror_compared_total %v", got)
	}
	want := map[string]float64{"mirror=app_mirror,kind=mirror_error": 2, "mirror=app_mirror,kind=source_error": 0,
		"mirror=app_mirror,kind=error_mismatch": 0, "mirror=app_mirror,kind=tag_mismatch": 3}
	if got := values(samples, "pgdog_mirror_divergences_total", "mirror", "kind"); !reflect.DeepEqual(got, want) {
		t.Errorf("mirror_divergences_total %v, want %v", got, want)
	}
}

// TestInsightHistograms: the slowest queries' histograms carry the
// cumulative buckets with le in seconds, +Inf, the sum in seconds and the
// count, per side; their info series carries the text.
func TestInsightHistograms(t *testing.T) {
	useBounds(t)
	samples := parseExposition(t, insightText(t, 2, nil))
	const name = "pgdog_mirror_query_latency_seconds"
	buckets := values(samples, name+"_bucket", "fingerprint", "side", "le")
	upd := "fingerprint=1a2b3c4d5e6f7081"
	for le, want := range map[string][2]float64{ // source, mirror
		"0.001": {0, 0}, "0.005": {114, 0}, "0.01": {118, 0}, "0.05": {120, 60}, "0.1": {120, 118}, "0.5": {120, 120}, "1": {120, 120}, "+Inf": {120, 120},
	} {
		for i, side := range []string{"source", "mirror"} {
			k := upd + ",side=" + side + ",le=" + le
			if got, ok := buckets[k]; !ok || got != want[i] {
				t.Errorf("bucket %s: %v (present %v), want %v", k, got, ok, want[i])
			}
		}
	}
	if n := len(buckets); n != 2*2*len(enginetest.Bounds) {
		t.Errorf("%d buckets, want %d: two queries, two sides, %d bounds", n, 2*2*len(enginetest.Bounds), len(enginetest.Bounds))
	}
	sums := values(samples, name+"_sum", "fingerprint", "side")
	counts := values(samples, name+"_count", "fingerprint", "side")
	if sums[upd+",side=source"] != 0.24 || sums[upd+",side=mirror"] != 3.6 || counts[upd+",side=mirror"] != 120 {
		t.Errorf("UPDATE's sums %v, counts %v; want 0.24 s and 3.6 s, 120", sums, counts)
	}
	info := values(samples, "pgdog_mirror_query_info", "mirror", "fingerprint", "query")
	want := map[string]float64{
		"mirror=app_mirror,fingerprint=1a2b3c4d5e6f7081,query=UPDATE accounts SET balance = balance - $1 WHERE id = $2":                                      1,
		"mirror=app_mirror,fingerprint=00ff00ff00ff00ff,query=SELECT * FROM orders WHERE customer_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT 50": 1,
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("mirror_query_info\n%v\nwant\n%v", info, want)
	}
}

// TestInsightCardinality: mirror_stats_metrics bounds the fingerprints
// with histograms and info series: the first ones of the comparison's
// order, none at 0, all of them at most.
func TestInsightCardinality(t *testing.T) {
	useBounds(t)
	order := []string{"1a2b3c4d5e6f7081", "00ff00ff00ff00ff", "0000000000000042", "fedcba9876543210"}
	for _, top := range []int{0, 1, 3, 4, 20} {
		samples := parseExposition(t, insightText(t, top, nil))
		n := min(top, len(order))
		perSide := map[string]int{}
		var info []string
		for _, s := range samples {
			switch {
			case strings.HasPrefix(s.name, "pgdog_mirror_query_latency_seconds"):
				perSide[s.labels["fingerprint"]+" "+s.labels["side"]]++
			case s.name == "pgdog_mirror_query_info":
				info = append(info, s.labels["fingerprint"])
			}
		}
		if !reflect.DeepEqual(info, order[:n]) && !(n == 0 && info == nil) {
			t.Errorf("mirror_stats_metrics %d: info series for %v, want %v", top, info, order[:n])
		}
		if len(perSide) != 2*n {
			t.Errorf("mirror_stats_metrics %d: histograms %v, want %d", top, perSide, 2*n)
		}
		for k, lines := range perSide {
			if lines != len(enginetest.Bounds)+2 {
				t.Errorf("mirror_stats_metrics %d: histogram %s has %d lines, want %d buckets, sum and count", top, k, lines, len(enginetest.Bounds))
			}
		}
	}
}

// TestInsightQueryLabel: the query label is one line, escaped, cut to 120
// characters; promtool reads the whole exposition and finds nothing to
// say about the comparison's families.
func TestInsightQueryLabel(t *testing.T) {
	useBounds(t)
	long := "SELECT \"weird\\name\",\n\t'" + strings.Repeat("é", 200) + "' FROM t"
	text := insightText(t, 1, func(s *enginetest.MetricsSnapshot) { s.Queries[0].Query = long })
	info := values(parseExposition(t, text), "pgdog_mirror_query_info", "query")
	var got string
	for k := range info {
		got = strings.TrimPrefix(k, "query=")
	}
	want := `SELECT "weird\name", '` + strings.Repeat("é", 120-23) + "…"
	if len(info) != 1 || got != want {
		t.Errorf("query label %q (%d characters), want %q", got, len([]rune(got)), want)
	}
	if !strings.Contains(text, `query="SELECT \"weird\\name\", 'é`) {
		t.Error("the query label is not escaped in the text")
	}
	for _, f := range promtoolFindings(t, text) {
		if strings.Contains(f, "pgdog_mirror_compared") || strings.Contains(f, "pgdog_mirror_divergences") || strings.Contains(f, "pgdog_mirror_query") {
			t.Errorf("promtool: %s", f)
		}
	}
}

// TestShortQuery: white space folded, valid UTF-8, at most the limit.
func TestShortQuery(t *testing.T) {
	for _, tc := range []struct {
		in   string
		most int
		want string
	}{
		{"select  1\n", 10, "select 1"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"a\xffb", 10, "a\uFFFDb"},
	} {
		if got := shortQuery(tc.in, tc.most); got != tc.want {
			t.Errorf("shortQuery(%q, %d) = %q, want %q", tc.in, tc.most, got, tc.want)
		}
	}
	if got := fingerprint(0x42); got != fmt.Sprintf("%016x", 0x42) || len(got) != 16 {
		t.Errorf("fingerprint %q", got)
	}
}
