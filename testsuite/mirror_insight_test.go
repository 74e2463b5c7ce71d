// Mirror insight through pgdogd: each mirrored statement compared with its source, per fingerprint (latency, errors, command tags), and its bound.

package testsuite

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgdogd/pgdogd/mirror/insight"
)

// insightSchema is created on every cluster; insightSource only on the source (and the
// second mirror), insightMirror only on mirror1, which differs from the source on purpose.
var (
	insightSchema = []string{
		"CREATE TABLE mi_plain (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)",
		"INSERT INTO mi_plain SELECT g, 0 FROM generate_series(1, 100) g",
		"CREATE TABLE mi_tag (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)",
		"CREATE TABLE mi_div (d int NOT NULL)",
	}
	insightSource = []string{
		"CREATE TABLE mi_cols (id int PRIMARY KEY, v int NOT NULL DEFAULT 0, note text)",
		"INSERT INTO mi_cols SELECT g, 0 FROM generate_series(1, 100) g",
		"INSERT INTO mi_tag SELECT g, 0 FROM generate_series(1, 10) g",
		"INSERT INTO mi_div VALUES (0)",
		"CREATE FUNCTION mi_lookup(k int) RETURNS int LANGUAGE sql AS 'SELECT k'",
	}
	insightMirror = []string{
		// The column note is missing: updates of it fail with 42703.
		"CREATE TABLE mi_cols (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)",
		"INSERT INTO mi_cols SELECT g, 0 FROM generate_series(1, 100) g",
		// Rows 6 to 10 are missing: their updates say UPDATE 0.
		"INSERT INTO mi_tag SELECT g, 0 FROM generate_series(1, 5) g",
		// No division by zero here: the source's error is not reproduced.
		"INSERT INTO mi_div VALUES (1)",
		// The same function, 20 ms slower.
		"CREATE FUNCTION mi_lookup(k int) RETURNS int LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.02); RETURN k; END'",
	}
)

// TestMirrorInsight runs the comparison tests against one source and one mirror whose
// schema differs (the second mirror cluster stays unused).
func TestMirrorInsight(t *testing.T) {
	s := startMirrorSet(t)
	ctx := testCtx(t, 30*time.Second)
	for c, stmts := range map[*Cluster][]string{s.source: insightSource, s.m1: insightMirror, s.m2: insightSource} {
		conn := c.MustConnect(t, Alice)
		if err := execAll(ctx, conn, append(append([]string(nil), insightSchema...), stmts...)); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	}
	t.Run("Attribution", func(t *testing.T) { testInsightAttribution(t, s) })
	t.Run("Bound", func(t *testing.T) { testInsightBound(t, s) })
}

// insightProxy starts pgdogd mirroring TestDatabase to mirror1 only, every transaction.
func insightProxy(t *testing.T, s *mirrorSet, tune func(*ProxyConfig)) (*Proxy, *pgx.Conn) {
	t.Helper()
	cfg := mirrorConfig(t, s)
	cfg.Mirroring = cfg.Mirroring[:1]
	cfg.General.MirrorExposure = float64p(1)
	cfg.General.MirrorQueue = 100000
	cfg.General.MirrorStatsTiming = float64p(1) // every statement timed: the latency checks need them all
	if tune != nil {
		tune(&cfg)
	}
	p := StartProxy(t, cfg)
	return p, p.MustConnect(t, adminLogin)
}

// insightStatement is one statement of the workload, run n times with ids from id(i); key
// is a part of its normalised text that names it.
type insightStatement struct {
	sql, key string
	n        int
	id       func(i int) int
}

// insightWorkload: a slow function on the mirror, plain reads and writes, a missing
// column, updates that match no row on the mirror, and an error the mirror does not make.
var insightWorkload = []insightStatement{
	{"select mi_lookup($1)", "mi_lookup", 40, func(i int) int { return i }},
	{"select v from mi_plain where id = $1", "select v from mi_plain", 40, func(i int) int { return 1 + i%100 }},
	{"update mi_plain set v = v + 1 where id = $1", "update mi_plain", 40, func(i int) int { return 1 + i%100 }},
	{"update mi_cols set note = 'n' where id = $1", "update mi_cols set note", 20, func(i int) int { return 1 + i }},
	{"select id, v from mi_cols where id = $1", "select id, v from mi_cols", 20, func(i int) int { return 1 + i }},
	{"update mi_tag set v = v + 1 where id = $1", "update mi_tag", 20, func(i int) int { return 1 + i%10 }}, // half of them on rows 6..10
	{"select 10 / d from mi_div where $1::int >= 0", "mi_div", 10, func(i int) int { return i }},
}

// runInsightWorkload runs every statement of the workload through p, half of each over
// the extended protocol (pgx's cached prepared statements), half over the simple one
// (literal values), from four clients at once. Errors are expected from mi_div only.
func runInsightWorkload(t *testing.T, p *Proxy) {
	t.Helper()
	ctx := testCtx(t, 60*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, len(insightWorkload))
	for w, st := range insightWorkload {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := p.MustConnect(t, Alice)
			defer conn.Close(ctx)
			for i := range st.n {
				mode := pgx.QueryExecModeCacheStatement
				if (i+w)%2 == 1 {
					mode = pgx.QueryExecModeSimpleProtocol
				}
				_, err := conn.Exec(ctx, st.sql, mode, st.id(i))
				if err != nil && !strings.Contains(st.sql, "mi_div") {
					errs <- fmt.Errorf("%s: %w", st.sql, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// queryRow finds the SHOW MIRROR QUERIES row of the statement whose text holds what.
func queryRow(t *testing.T, res adminResult, what string) map[string]string {
	t.Helper()
	var found map[string]string
	for _, row := range res.rows {
		if row["mirror"] == mirrorDB1 && strings.Contains(row["query"], what) {
			if found != nil {
				t.Errorf("two fingerprints for %q: %q and %q", what, found["query"], row["query"])
			}
			found = row
		}
	}
	if found == nil {
		t.Fatalf("no SHOW MIRROR QUERIES row for %q in %v", what, res.rows)
	}
	return found
}

// testInsightAttribution: the slow function is reported slower by an order of magnitude and
// nothing else is; the missing column, the missing rows and the source's division by zero
// are reported as divergences of exactly their statements.
func testInsightAttribution(t *testing.T, s *mirrorSet) {
	p, admin := insightProxy(t, s, nil)
	runInsightWorkload(t, p)
	insightDrained(t, p)
	queries := mustConsole(t, admin, "SHOW MIRROR QUERIES")
	errors := mustConsole(t, admin, "SHOW MIRROR ERRORS")
	t.Logf("SHOW MIRROR QUERIES:\n%s\nSHOW MIRROR ERRORS:\n%s", dumpRows(queries), dumpRows(errors))

	// Both protocols' texts fold into one fingerprint per statement: n calls each.
	for _, st := range insightWorkload {
		row := queryRow(t, queries, st.key)
		if got := num(t, row, "calls"); got != int64(st.n) {
			t.Errorf("%q: %d calls compared, want %d", st.sql, got, st.n)
		}
		// Medians, with the ratio's floor (insight.RatioFloor) on each side: a statement of
		// a tenth of a millisecond is not "slower" for a scheduling delay on a loaded machine.
		const floor = float64(insight.RatioFloor) / float64(time.Millisecond)
		ratio := (fnum(t, row, "mirror_p50_ms") + floor) / (fnum(t, row, "source_p50_ms") + floor)
		if strings.Contains(st.sql, "mi_lookup") {
			if ratio < 10 || fnum(t, row, "mirror_p50_ms") < 15 || fnum(t, row, "ratio") < 10 {
				t.Errorf("mi_lookup: p50 ratio %.1f, mirror p50 %s ms, ratio %s: want the mirror 10x slower at least",
					ratio, row["mirror_p50_ms"], row["ratio"])
			}
		} else if ratio >= 5 {
			t.Errorf("%q: mirror p50 %s ms against %s ms on the source: only mi_lookup should be slower",
				st.sql, row["mirror_p50_ms"], row["source_p50_ms"])
		}
	}
	// Exactly three divergences on mirror1, one per planted difference.
	want := map[string]struct {
		kind, sqlstate, srcTag, mirTag string
		count                          int64
	}{
		"update mi_cols set note": {"mirror_error", "42703", "UPDATE 1", "42703", 20},
		"update mi_tag":           {"tag_mismatch", "", "UPDATE 1", "UPDATE 0", 10},
		"mi_div":                  {"source_error", "22012", "22012", "SELECT 1", 10},
	}
	seen := 0
	for _, row := range errors.rows {
		if row["mirror"] != mirrorDB1 {
			continue
		}
		seen++
		matched := false
		for key, w := range want {
			if !strings.Contains(row["query"], key) {
				continue
			}
			matched = true
			if row["kind"] != w.kind || row["sqlstate"] != w.sqlstate || row["source_tag"] != w.srcTag ||
				row["mirror_tag"] != w.mirTag || num(t, row, "count") != w.count {
				t.Errorf("divergence of %q = %v, want %+v", key, row, w)
			}
		}
		if !matched {
			t.Errorf("unexpected divergence %v", row)
		}
	}
	if seen != len(want) {
		t.Errorf("%d divergences on %s, want %d", seen, mirrorDB1, len(want))
	}
	if row := queryRow(t, queries, "update mi_cols"); num(t, row, "mirror_errors") != 20 {
		t.Errorf("update mi_cols: mirror_errors %s, want 20", row["mirror_errors"])
	}
	checkInsightReport(t, p)
	if err := adminExec(admin, "RESET MIRROR STATS"); err != nil {
		t.Fatalf("RESET MIRROR STATS: %v", err)
	}
	if res := mustConsole(t, admin, "SHOW MIRROR QUERIES"); len(res.rows) != 0 {
		t.Errorf("%d rows after RESET MIRROR STATS, want none", len(res.rows))
	}
}

// dumpRows prints a console answer for the test's log.
func dumpRows(res adminResult) string {
	var b strings.Builder
	for _, row := range res.rows {
		for _, c := range res.cols {
			fmt.Fprintf(&b, "%s=%s ", c, row[c])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// testInsightBound: 100,000 distinct statements mirrored leave the table at
// mirror_stats_queries entries, the newest kept, and every statement counted.
func testInsightBound(t *testing.T, s *mirrorSet) {
	const bound, distinct, perQuery = 200, 100000, 200
	p, admin := insightProxy(t, s, func(cfg *ProxyConfig) { cfg.General.MirrorStatsQueries = bound })
	ctx := testCtx(t, 120*time.Second)
	var wg sync.WaitGroup
	const clients = 4
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := p.MustConnect(t, Alice)
			defer conn.Close(ctx)
			var q strings.Builder
			for i := c * perQuery; i < distinct; i += clients * perQuery {
				q.Reset()
				for k := i; k < i+perQuery; k++ {
					fmt.Fprintf(&q, "select x%d from (select 1 as x%d) s;", k, k)
				}
				if _, err := conn.Exec(ctx, q.String(), pgx.QueryExecModeSimpleProtocol); err != nil {
					t.Errorf("distinct statements: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	insightDrained(t, p)
	queries := mustConsole(t, admin, "SHOW MIRROR QUERIES")
	if len(queries.rows) != bound {
		t.Errorf("SHOW MIRROR QUERIES has %d rows after %d distinct statements, want the bound %d", len(queries.rows), distinct, bound)
	}
	if got := p.metric(t, fmt.Sprintf(`mirror_compared_total{mirror=%q}`, mirrorDB1)); got != distinct {
		t.Errorf("mirror_compared_total = %v, want %d", got, distinct)
	}
}

// checkInsightReport opens the /mirror page in a headless browser: the slow query and the
// divergences must be on it as rows, with the latency chart. The screenshot is kept.
func checkInsightReport(t *testing.T, p *Proxy) {
	t.Helper()
	dom, shot := Browse(t, fmt.Sprintf("http://127.0.0.1:%d/mirror", p.MetricsPort), 1280, 1600)
	t.Logf("screenshot of /mirror: %s", shot)
	for _, want := range []string{`id="latency-chart"`, `class="query-row"`, "mi_lookup", `data-kind="mirror_error"`,
		`data-kind="tag_mismatch"`, `data-kind="source_error"`, "42703", "22012"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the /mirror page lacks %s", want)
		}
	}
	if n := strings.Count(dom, `class="divergence-row"`); n != 3 {
		t.Errorf("the /mirror page shows %d divergences, want 3", n)
	}
}

// insightDrained waits until mirror1 has replayed, and so compared, every transaction: no
// mirror memory is held any longer (see waitDrained, for two mirrors).
func insightDrained(t *testing.T, p *Proxy) {
	t.Helper()
	waitUntil(t, 60*time.Second, "the mirror queue to drain", func() bool { return p.metric(t, "mirror_memory_bytes") == 0 })
}
