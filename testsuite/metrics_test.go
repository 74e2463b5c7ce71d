// Prometheus endpoint: PgDog's metric names with HELP and TYPE, numbers that move with traffic, and promtool's check.

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

var metricNames = []string{"clients", "cl_waiting", "sv_active", "sv_idle", "sv_idle_xact", "maxwait", "errors",
	"total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
	"mirror_total_count", "mirror_mirrored_count", "mirror_dropped_count", "mirror_dropped_reason_count", "mirror_error_count",
	"mirror_queue_length", "mirror_lag_seconds", "mirror_lag_p50_seconds", "mirror_lag_p99_seconds",
	"events_total", "prepared_statements", "prepared_parses_total", "prepared_binds_total", "prepared_evictions_total"}

func TestMetricsEndpoint(t *testing.T) {
	cfg := metricsConfig(t, shared, "")
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	pool := `{user="alice",database="pgdogd_test"}`
	mirror := `{user="alice",database="pgdogd_test",destination="metrics_mirror"}`
	before := scrape(t, cfg, "/metrics")
	for _, name := range metricNames {
		help := regexp.MustCompile(`(?m)^# HELP ` + name + ` \S.*$`)
		typ := regexp.MustCompile(`(?m)^# TYPE ` + name + ` (counter|gauge)$`)
		if !help.MatchString(before) || !typ.MatchString(before) {
			t.Errorf("%s lacks HELP text or TYPE", name)
		}
	}
	x0 := sample(t, before, "total_xact_count"+pool)
	m0 := sample(t, before, "mirror_total_count"+mirror)
	opened0 := sample(t, before, `events_total{event="client_opened"}`)
	parses0 := sample(t, before, "prepared_parses_total")

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
	if d := sample(t, after, "total_xact_count"+pool) - x0; d != float64(res.Processed+1) {
		t.Errorf("total_xact_count grew by %v, want %d (pgbench) + 1", d, res.Processed)
	}
	if d := sample(t, after, "mirror_total_count"+mirror) - m0; d != float64(res.Processed+1) {
		t.Errorf("mirror_total_count grew by %v, want %d", d, res.Processed+1)
	}
	if v := sample(t, after, "clients"+pool); v != 1 {
		t.Errorf("clients = %v with one client connected", v)
	}
	for _, name := range []string{"total_query_count", "total_received", "total_sent", "total_xact_time"} {
		if sample(t, after, name+pool) <= sample(t, before, name+pool) {
			t.Errorf("%s did not grow", name)
		}
	}
	sample(t, after, `mirror_dropped_reason_count{user="alice",database="pgdogd_test",destination="metrics_mirror",reason="queue_full"}`)

	// A named Parse moves the prepared statement counters.
	if _, err := held.PgConn().Prepare(ctx, "metrics_stmt", "select 2", nil); err != nil {
		t.Fatal(err)
	}
	prepared := scrape(t, cfg, "/metrics")
	if d := sample(t, prepared, "prepared_parses_total") - parses0; d != 1 {
		t.Errorf("prepared_parses_total grew by %v after one named Parse, want 1", d)
	}
	if n := sample(t, prepared, "prepared_statements"); n < 1 {
		t.Errorf("prepared_statements = %v after a Parse", n)
	}
	checkPromtool(t, prepared)
}

func TestMetricsNamespace(t *testing.T) {
	cfg := metricsConfig(t, shared, "pgdog")
	StartProxy(t, cfg)
	text := scrape(t, cfg, "/metrics")
	for _, name := range metricNames {
		if !strings.Contains(text, "# TYPE pgdog_"+name+" ") {
			t.Errorf("pgdog_%s missing", name)
		}
	}
	if strings.Contains(text, "\nclients{") {
		t.Error("unprefixed metric with a namespace set")
	}
	checkPromtool(t, text)
}

// pgdogNaming are promtool's naming complaints about PgDog's own metric names,
// kept for drop-in dashboards: counters without _total, names ending in _count.
var pgdogNaming = regexp.MustCompile(`^(\w+) (counter metrics should have "_total" suffix|non-histogram and non-summary metrics should not have "_count" suffix)$`)

// checkPromtool runs promtool check metrics: the text must parse, and its
// only lint findings may be PgDog's names. A missing promtool is a failure
// (scripts/need-promtool.sh installs it).
func checkPromtool(t *testing.T, text string) {
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
	known := map[string]bool{}
	for _, n := range metricNames {
		known[n] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(outb.String()), "\n") {
		if line == "" {
			continue
		}
		m := pgdogNaming.FindStringSubmatch(line)
		if m == nil || !known[strings.TrimPrefix(m[1], "pgdog_")] {
			t.Errorf("promtool: %s", line)
		}
	}
}
