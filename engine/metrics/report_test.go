// report_test.go holds the tests of the /mirror report on a fake engine: the page's rows, its escaping, its SVG chart, its empty state and its routing.

package metrics

import (
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/enginetest"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// getReport serves the report of snap and returns its body, checking the
// status and the content type.
func getReport(t *testing.T, snap *enginetest.Snapshot) string {
	t.Helper()
	srv := httptest.NewServer(reportHandler(snap, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/mirror")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(body)
}

// attrs are the values of attr in the elements <tag class="class" ... of page, in order.
func attrs(page, tag, class, attr string) []string {
	re := regexp.MustCompile(`<` + tag + ` class="` + class + `"[^>]*? ` + attr + `="([^"]*)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// chartSVG parses the page's chart as XML and returns the texts of its
// <text> elements and how many rows it draws.
func chartSVG(t *testing.T, page string) (texts []string, rows int) {
	t.Helper()
	start := strings.Index(page, `<svg id="latency-chart"`)
	end := strings.Index(page, "</svg>")
	if start < 0 || end < start {
		t.Fatal("no latency-chart SVG")
	}
	dec := xml.NewDecoder(strings.NewReader(page[start : end+len("</svg>")]))
	var inText bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return texts, rows
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			inText = el.Name.Local == "text"
			for _, a := range el.Attr {
				if el.Name.Local == "g" && a.Name.Local == "class" && a.Value == "chart-row" {
					rows++
				}
			}
		case xml.CharData:
			if inText {
				texts = append(texts, string(el))
			}
		case xml.EndElement:
			inText = false
		}
	}
}

// TestReportPage: the mirrors' totals, a row per query in the engine's
// order and per divergence, the drops by reason, the chart with its
// ratios, everything escaped, nothing loaded from elsewhere.
func TestReportPage(t *testing.T) {
	snap := enginetest.WithInsight(enginetest.Fixture())
	snap.Queries = append(snap.Queries, enginetest.Query("app_mirror", 0xbad, `SELECT '</text><script>alert(1)</script>'`, 3,
		[3]time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}, [3]time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}))
	page := getReport(t, snap)
	want := []string{"1a2b3c4d5e6f7081", "00ff00ff00ff00ff", "0000000000000042", "fedcba9876543210", "0000000000000bad"}
	if got := attrs(page, "tr", "query-row", "data-fingerprint"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("query rows %v, want %v", got, want)
	}
	if got := attrs(page, "tr", "divergence-row", "data-kind"); fmt.Sprint(got) != "[mirror_error tag_mismatch]" {
		t.Errorf("divergence rows %v, want mirror_error then tag_mismatch", got)
	}
	if got := attrs(page, "span", "chip", "data-reason"); fmt.Sprint(got) != "[exposure memory]" {
		t.Errorf("drop reasons %v, want exposure and memory", got)
	}
	for _, s := range []string{`<meta http-equiv="refresh" content="5">`, `data-mirror="app_mirror"`, "<b>7920</b>", "<b>5</b>",
		"tag_mismatch <b>3</b>", "UPDATE 1</code> / <code>UPDATE 0", `relation &#34;orders_archive&#34; does not exist`,
		"2026-11-29 12:00:00.000 UTC", "exposure <b>2</b>", "30.000 / 55.000 / 80.000", "×15.00",
		`SELECT &#39;&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;`} {
		if !strings.Contains(page, s) {
			t.Errorf("the page has no %q", s)
		}
	}
	for _, s := range []string{"<script", "src=", "href=", "url(", "@import"} {
		if strings.Contains(page, s) {
			t.Errorf("the page holds %q", s)
		}
	}
	texts, rows := chartSVG(t, page)
	if rows != 5 {
		t.Errorf("%d chart rows, want 5", rows)
	}
	joined := strings.Join(texts, "\n")
	for _, s := range []string{"×15.0", "×2.4", shortQuery(snap.Queries[0].Query, chartQueryLen), "SELECT '</text><script>alert(1)</script>'", "latency, ms (log scale)", "source p50", "mirror p99"} {
		if !strings.Contains(joined, s) {
			t.Errorf("the chart has no text %q", s)
		}
	}
	if strings.Contains(page, "empty-state") {
		t.Error("the empty state shows beside queries")
	}
}

// TestReportBounds: the chart shows the first 15 queries, the table 50,
// the rest counted; every row of the chart has its ratio, highlighted
// from ×2.
func TestReportBounds(t *testing.T) {
	snap := enginetest.Fixture()
	for i := range 60 {
		p50 := time.Duration(i+1) * 100 * time.Microsecond
		snap.Queries = append(snap.Queries, enginetest.Query("m", uint64(i), fmt.Sprintf("SELECT %d", i), 10,
			[3]time.Duration{p50, 2 * p50, 3 * p50}, [3]time.Duration{p50 * 3 / 2, 3 * p50, 4 * p50}))
	}
	snap.Queries[0].Ratio = 2
	page := getReport(t, snap)
	if n := len(attrs(page, "tr", "query-row", "data-fingerprint")); n != reportQueries || !strings.Contains(page, "10 more: SHOW MIRROR QUERIES") {
		t.Errorf("%d query rows, want %d and 10 more", n, reportQueries)
	}
	texts, rows := chartSVG(t, page)
	if rows != chartRows {
		t.Errorf("%d chart rows, want %d", rows, chartRows)
	}
	ratios := 0
	for _, s := range texts {
		if strings.HasPrefix(s, "×") {
			ratios++
		}
	}
	if ratios != chartRows || strings.Count(page, `font-weight="700"`) != 1 {
		t.Errorf("%d ratios in the chart, %d highlighted; want %d and 1", ratios, strings.Count(page, `font-weight="700"`), chartRows)
	}
}

// TestReportEmpty: before any comparison the page says so, with no chart
// and no rows; the mirrors' drops still show.
func TestReportEmpty(t *testing.T) {
	page := getReport(t, enginetest.Fixture())
	if !strings.Contains(page, `id="empty-state"`) || !strings.Contains(page, "No mirrored statements were compared yet") {
		t.Error("no empty state")
	}
	if strings.Contains(page, "latency-chart") || strings.Contains(page, "query-row") || strings.Contains(page, "divergence-row") {
		t.Error("a chart or rows without a comparison")
	}
	if !strings.Contains(page, `<tr class="drop-row" data-destination="app_mirror">`) || !strings.Contains(page, "mirror_stats = false") {
		t.Error("no drops, or no word that mirror_stats is off")
	}
}

// TestChartAxis: the axis spans whole decades around every p50 and p99,
// grows left to right, and labels its decades in milliseconds.
func TestChartAxis(t *testing.T) {
	q := enginetest.Query("m", 1, "q", 1, [3]time.Duration{300 * time.Microsecond, 0, time.Millisecond}, [3]time.Duration{2 * time.Millisecond, 0, 40 * time.Millisecond})
	a := axisFor([]insight.QueryStats{q})
	if a.lo != 0.1 || a.hi != 100 {
		t.Fatalf("axis %v to %v ms, want 0.1 to 100", a.lo, a.hi)
	}
	if a.x(0.1) != chartPlotX0 || a.x(100) != chartPlotX1 || !(a.x(1) < a.x(2)) || a.x(0) != chartPlotX0 {
		t.Errorf("x: %v %v %v %v", a.x(0.1), a.x(100), a.x(1), a.x(0))
	}
	var labels []string
	for _, tk := range a.ticks() {
		if tk.Major {
			labels = append(labels, tk.Label)
		}
	}
	if fmt.Sprint(labels) != "[0.1 1 10 100]" {
		t.Errorf("decades %v", labels)
	}
	if e := axisFor(nil); e.lo >= e.hi {
		t.Errorf("empty axis %v", e)
	}
}
