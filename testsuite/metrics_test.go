// metrics_test.go holds the Prometheus endpoint's tests: PgDog's metrics with their types and labels, counters that move under pgbench and per-pool events, the namespace, and promtool's check with PgDog's expected lint findings.

package testsuite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsConfig is consoleConfig with the metrics endpoint on a free port,
// and alice's transactions mirrored to a second name of the same database.
func metricsConfig(t *testing.T, c *Cluster, namespace string) ProxyConfig {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := consoleConfig(c)
	cfg.General.OpenmetricsPort, cfg.General.OpenmetricsHost, cfg.General.OpenmetricsNamespace = port, "127.0.0.1", namespace
	cfg.Databases = append(cfg.Databases, Database{Name: "metrics_mirror", Host: c.Host, Port: c.Port, DatabaseName: TestDatabase})
	cfg.Users = append(cfg.Users, User{Name: Alice.User, Database: "metrics_mirror", Password: Alice.Password},
		User{Name: Bob.User, Database: "metrics_mirror", Password: Bob.Password})
	cfg.Mirroring = []Mirror{{SourceDB: TestDatabase, DestinationDB: "metrics_mirror"}}
	return cfg
}

// scrape fetches the endpoint's text.
func scrape(t testing.TB, cfg ProxyConfig, path string) string {
	t.Helper()
	return scrapePort(t, cfg.General.OpenmetricsPort, path)
}

// scrapePort fetches the text of the endpoint on port of 127.0.0.1.
func scrapePort(t testing.TB, port int, path string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		t.Fatalf("scrape %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape %s: status %d, %v", path, resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	return string(body)
}

// sample returns the value of the sample with exactly this name and labels.
func sample(t testing.TB, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: bad value %q", series, v)
			}
			return f
		}
	}
	t.Fatalf("no sample %s in:\n%s", series, text)
	return 0
}

// pgdogMetrics are the PgDog metrics pgdogd exports, with PgDog's types.
var pgdogMetrics = map[string]string{
	"clients": "gauge", "clients_locked": "gauge", "max_connections": "gauge", "prepared_statements_limit": "gauge",
	"cl_waiting": "gauge", "sv_active": "gauge", "sv_idle": "gauge", "sv_locked": "gauge", "maxwait": "gauge",
	"errors": "counter", "out_of_sync": "counter", "total_xact_count": "counter", "total_xact_2pc_count": "counter",
	"avg_xact_count": "gauge", "avg_xact_2pc_count": "gauge", "total_query_count": "counter", "avg_query_count": "gauge",
	"total_received": "counter", "avg_received": "counter", "total_sent": "counter", "avg_sent": "gauge",
	"total_xact_time": "counter", "avg_xact_time": "gauge", "total_query_time": "counter", "avg_query_time": "gauge",
	"total_prepared_evictions": "counter", "avg_prepared_evictions": "gauge", "total_server_errors": "counter",
	"avg_server_errors": "gauge", "total_cleaned": "counter", "avg_cleaned": "gauge",
	"total_client_idle_xact_timeouts": "counter", "avg_client_idle_xact_timeouts": "gauge",
	"total_connect_time": "counter", "avg_connect_time": "gauge", "total_connect_count": "counter",
	"avg_connect_count": "gauge", "sv_idle_xact": "gauge",
	"mirror_total_count": "counter", "mirror_mirrored_count": "counter", "mirror_dropped_count": "counter",
	"mirror_error_count": "counter", "mirror_queue_length": "gauge",
	"prepared_statements": "gauge", "prepared_statements_memory": "gauge", "two_pc_recovered_total": "counter",
}

// ownMetrics are pgdogd's own families, named apart from PgDog's.
var ownMetrics = []string{"cl_active", "client_wait_seconds_total", "mirror_dropped_total", "mirror_lag_seconds",
	"mirror_lag_p50_seconds", "mirror_lag_p99_seconds", "mirror_memory_bytes", "mirror_memory_limit_bytes",
	"events_total", "pins_total", "prepared_parses_total", "prepared_binds_total"}

// poolSeries is a metric of the pool user@pgdogd_test of c, with PgDog's labels.
func poolSeries(c *Cluster, name, user string) string {
	return fmt.Sprintf(`%s{user=%q,database=%q,host=%q,port="%d",shard="0",role="primary"}`, name, user, TestDatabase, c.Host, c.Port)
}

// checkFamilies fails t for a family of PgDog's or pgdogd's own that lacks
// its TYPE (PgDog's type for PgDog's) or HELP line, names prefixed with ns.
func checkFamilies(t *testing.T, text, ns string) {
	t.Helper()
	for name, typ := range pgdogMetrics {
		if !regexp.MustCompile(`(?m)^# TYPE `+regexp.QuoteMeta(ns+name)+" "+typ+"$").MatchString(text) || !regexp.MustCompile(`(?m)^# HELP `+regexp.QuoteMeta(ns+name)+` \S`).MatchString(text) {
			t.Errorf("PgDog's %s%s lacks its TYPE %s or HELP line", ns, name, typ)
		}
	}
	for _, name := range ownMetrics {
		if !regexp.MustCompile(`(?m)^# TYPE `+regexp.QuoteMeta(ns+name)+` (counter|gauge)$`).MatchString(text) ||
			!regexp.MustCompile(`(?m)^# HELP `+regexp.QuoteMeta(ns+name)+` \S`).MatchString(text) {
			t.Errorf("%s%s lacks its TYPE or HELP line", ns, name)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	cfg := metricsConfig(t, shared, "")
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	pool := func(name string) string { return poolSeries(shared, name, Alice.User) }
	mirror := func(name string) string { return name + `{user="alice",database="pgdogd_test"}` }
	before := scrape(t, cfg, "/metrics")
	checkFamilies(t, before, "")
	x0, m0 := sample(t, before, pool("total_xact_count")), sample(t, before, mirror("mirror_total_count"))
	opened0 := sample(t, before, `events_total{event="client_opened"}`)

	script := writeScript(t, "SELECT v FROM kv WHERE id = 2;")
	res, out, err := p.Pgbench(ctx, Alice, "-n", "-f", script, "-c", "3", "-t", "40")
	if err != nil {
		t.Fatalf("pgbench: %v\n%s", err, out)
	}
	held := p.MustConnect(t, Alice)
	if _, err := queryInt(ctx, held, "select 1"); err != nil {
		t.Fatal(err)
	}
	after := scrape(t, cfg, "/")
	if d := sample(t, after, `events_total{event="client_opened"}`) - opened0; d < 4 {
		t.Errorf("events_total client_opened grew by %v, want at least 4 (3 pgbench clients and one more)", d)
	}
	if d := sample(t, after, pool("total_xact_count")) - x0; d != float64(res.Processed+1) {
		t.Errorf("total_xact_count grew by %v, want %d (pgbench) + 1", d, res.Processed)
	}
	if d := sample(t, after, mirror("mirror_total_count")) - m0; d != float64(res.Processed+1) {
		t.Errorf("mirror_total_count of the pool grew by %v, want %d", d, res.Processed+1)
	}
	if d := sample(t, after, "mirror_total_count") - sample(t, before, "mirror_total_count"); d != float64(res.Processed+1) {
		t.Errorf("mirror_total_count of the process grew by %v, want %d", d, res.Processed+1)
	}
	if v := sample(t, after, "clients"); v != 1 {
		t.Errorf("clients = %v with one client connected", v)
	}
	if v := sample(t, after, pool("max_connections")); v != float64(cfg.General.DefaultPoolSize) {
		t.Errorf("max_connections = %v, want default_pool_size %d", v, cfg.General.DefaultPoolSize)
	}
	if v := sample(t, after, pool("total_connect_count")); v < 1 || sample(t, after, pool("total_connect_time")) <= 0 {
		t.Errorf("total_connect_count = %v, total_connect_time = %v after pgbench", v, sample(t, after, pool("total_connect_time")))
	}
	for _, name := range []string{"total_query_count", "total_received", "total_sent", "total_xact_time", "total_query_time", "cl_active"} {
		if sample(t, after, pool(name)) <= sample(t, before, pool(name)) {
			t.Errorf("%s did not grow", name)
		}
	}
	for _, series := range []string{pool("total_xact_2pc_count"), pool("sv_locked"), pool("total_prepared_evictions"), "two_pc_recovered_total"} {
		if v := sample(t, after, series); v != 0 {
			t.Errorf("%s = %v, want 0", series, v)
		}
	}
	sample(t, after, `mirror_dropped_total{user="alice",database="pgdogd_test",destination="metrics_mirror",reason="queue_full"}`)
	checkPromtool(t, after, "")
}

// TestMetricsPoolEvents: a named Parse, statements evicted past
// prepared_statements_limit, a client pinned by an advisory lock and a client
// leaving inside a transaction move PgDog's per-pool series and pgdogd's.
func TestMetricsPoolEvents(t *testing.T) {
	cfg := metricsConfig(t, shared, "")
	cfg.General.PreparedStatementsLimit = 1
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	pool := func(name string) string { return poolSeries(shared, name, Alice.User) }
	before := scrape(t, cfg, "/metrics")
	parses0 := sample(t, before, "prepared_parses_total")

	held := p.MustConnect(t, Alice)
	tx, err := held.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"metrics_s1", "metrics_s2"} {
		if _, err := tx.Prepare(ctx, name, "select '"+name+"'"); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := queryInt(ctx, held, "select 1"); err != nil { // links the server again: one statement over the limit is closed
		t.Fatal(err)
	}
	text := scrape(t, cfg, "/metrics")
	if d := sample(t, text, "prepared_parses_total") - parses0; d != 2 {
		t.Errorf("prepared_parses_total grew by %v after two named Parses, want 2", d)
	}
	if n := sample(t, text, "prepared_statements"); n < 2 || sample(t, text, "prepared_statements_memory") <= 0 {
		t.Errorf("prepared_statements = %v, prepared_statements_memory = %v after two Parses", n, sample(t, text, "prepared_statements_memory"))
	}
	if v := sample(t, text, "prepared_statements_limit"); v != 1 {
		t.Errorf("prepared_statements_limit = %v, want 1", v)
	}
	if v := sample(t, text, pool("total_prepared_evictions")); v != 1 {
		t.Errorf("total_prepared_evictions = %v after a link with two statements over a limit of 1, want 1", v)
	}

	if _, err := held.Exec(ctx, "select pg_advisory_lock(4242)"); err != nil {
		t.Fatal(err)
	}
	waitUntilSample(t, cfg, "clients_locked", 1)
	if v := sample(t, scrape(t, cfg, "/metrics"), pool("sv_locked")); v != 1 {
		t.Errorf("sv_locked = %v with a client pinned by an advisory lock, want 1", v)
	}

	leaver := p.MustConnect(t, Alice)
	if _, err := leaver.Exec(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	if err := leaver.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntilSample(t, cfg, pool("out_of_sync"), 1)
	checkPromtool(t, scrape(t, cfg, "/metrics"), "")
}

// waitUntilSample waits until the sample series reaches want.
func waitUntilSample(t *testing.T, cfg ProxyConfig, series string, want float64) {
	t.Helper()
	var got float64
	if !waitFor(waitLimit, func() bool { got = sample(t, scrape(t, cfg, "/metrics"), series); return got >= want }) || got != want {
		t.Fatalf("%s = %v after %v, want %v", series, got, waitLimit, want)
	}
}

func TestMetricsNamespace(t *testing.T) {
	cfg := metricsConfig(t, shared, "pgdog_")
	StartProxy(t, cfg)
	text := scrape(t, cfg, "/metrics")
	checkFamilies(t, text, "pgdog_")
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		for _, meta := range []string{"# TYPE ", "# UNIT ", "# HELP "} {
			line = strings.TrimPrefix(line, meta)
		}
		if !strings.HasPrefix(line, "pgdog_") {
			t.Errorf("a name without the namespace: %s", line)
		}
	}
	if !strings.Contains(text, "\npgdog_clients ") || !strings.Contains(text, "\n# UNIT pgdog_maxwait seconds\n") {
		t.Error("no pgdog_clients sample, or no UNIT line for pgdog_maxwait")
	}
	checkPromtool(t, text, "pgdog_")
}

// promtool's naming findings that PgDog's names draw.
const (
	noTotal     = `counter metrics should have "_total" suffix`
	countSuffix = `non-histogram and non-summary metrics should not have "_count" suffix`
)

// pgdogLint are promtool's findings about PgDog's own names, kept for
// drop-in dashboards: exactly these are expected, any other finding fails.
var pgdogLint = map[string][]string{
	"errors": {noTotal}, "out_of_sync": {noTotal},
	"total_xact_count": {noTotal, countSuffix}, "total_xact_2pc_count": {noTotal, countSuffix},
	"avg_xact_count": {countSuffix}, "avg_xact_2pc_count": {countSuffix},
	"total_query_count": {noTotal, countSuffix}, "avg_query_count": {countSuffix},
	"total_received": {noTotal}, "avg_received": {noTotal}, "total_sent": {noTotal},
	"total_xact_time": {noTotal}, "total_query_time": {noTotal}, "total_prepared_evictions": {noTotal},
	"total_server_errors": {noTotal}, "total_cleaned": {noTotal}, "total_client_idle_xact_timeouts": {noTotal},
	"total_connect_time": {noTotal}, "total_connect_count": {noTotal, countSuffix}, "avg_connect_count": {countSuffix},
	"mirror_total_count": {noTotal, countSuffix}, "mirror_mirrored_count": {noTotal, countSuffix},
	"mirror_dropped_count": {noTotal, countSuffix}, "mirror_error_count": {noTotal, countSuffix},
}

// checkPromtool runs promtool check metrics: the text must parse, and its
// lint findings must be exactly pgdogLint's, names prefixed with ns. A
// missing promtool is a failure (scripts/need-promtool.sh installs it).
func checkPromtool(t *testing.T, text, ns string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool not found: run scripts/need-promtool.sh (Debian package prometheus)"
		if os.Getenv("CI") == "true" {
			msg += " [CI=true: the metrics check is mandatory]"
		}
		t.Fatal(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("promtool: %v", err)
	}
	if code != 0 && code != 3 { // 3: lint findings only
		t.Fatalf("promtool check metrics exit %d:\n%s", code, outb.String())
	}
	expected := map[string]bool{}
	for name, findings := range pgdogLint {
		for _, f := range findings {
			expected[ns+name+" "+f] = true
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(outb.String()), "\n") {
		if line == "" {
			continue
		}
		if !expected[line] {
			t.Errorf("promtool: %s", line)
		}
		delete(expected, line)
	}
	for line := range expected {
		t.Errorf("promtool did not find, as pgdogLint expects: %s", line)
	}
}
