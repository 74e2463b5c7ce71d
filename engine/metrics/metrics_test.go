// metrics_test.go holds the tests of the families on a fake engine: PgDog's names, types, units and labels, the values, the namespace and the HTTP endpoint.

package metrics

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// pgdogFamilies are the PgDog metrics pgdogd exports, with PgDog's types.
var pgdogFamilies = map[string]string{
	"clients": gauge, "clients_locked": gauge, "max_connections": gauge, "prepared_statements_limit": gauge,
	"cl_waiting": gauge, "sv_active": gauge, "sv_idle": gauge, "sv_locked": gauge, "maxwait": gauge,
	"errors": counter, "out_of_sync": counter, "total_xact_count": counter, "total_xact_2pc_count": counter,
	"avg_xact_count": gauge, "avg_xact_2pc_count": gauge, "total_query_count": counter, "avg_query_count": gauge,
	"total_received": counter, "avg_received": counter, "total_sent": counter, "avg_sent": gauge,
	"total_xact_time": counter, "avg_xact_time": gauge, "total_query_time": counter, "avg_query_time": gauge,
	"total_prepared_evictions": counter, "avg_prepared_evictions": gauge, "total_server_errors": counter,
	"avg_server_errors": gauge, "total_cleaned": counter, "avg_cleaned": gauge,
	"total_client_idle_xact_timeouts": counter, "avg_client_idle_xact_timeouts": gauge,
	"total_connect_time": counter, "avg_connect_time": gauge, "total_connect_count": counter,
	"avg_connect_count": gauge, "sv_idle_xact": gauge,
	"mirror_total_count": counter, "mirror_mirrored_count": counter, "mirror_dropped_count": counter,
	"mirror_error_count": counter, "mirror_queue_length": gauge,
	"prepared_statements": gauge, "prepared_statements_memory": gauge, "two_pc_recovered_total": counter,
}

// fixtureText is the exposition of the metrics fixture, its user's name
// needing escapes, with averages over a period of 10s from zero.
func fixtureText(t *testing.T, namespace string) string {
	t.Helper()
	snap := enginetest.MetricsFixture()
	p := &snap.PoolInfos[0]
	p.User = `we"ird\`
	p.Totals.Received, p.Totals.Sent, p.Totals.WaitTime = 100, 900, 1500*time.Microsecond
	t0 := time.Unix(1000, 0)
	avg := newAverager(t0)
	avg.roll(t0.Add(10*time.Second), samples(snap))
	var buf bytes.Buffer
	newSet(snap, namespace, avg).WritePrometheus(&buf)
	return buf.String()
}

// TestFamilyNames: PgDog's families are all there with PgDog's types, each
// family has one TYPE and one HELP line, maxwait has PgDog's unit, and no
// name is used twice.
func TestFamilyNames(t *testing.T) {
	text := fixtureText(t, "pgdog_")
	seen := map[string]bool{}
	for _, f := range families {
		if seen[f.name] {
			t.Errorf("family %s twice", f.name)
		}
		seen[f.name] = true
		if typ, ok := pgdogFamilies[f.name]; ok && typ != f.typ {
			t.Errorf("%s is a %s, PgDog's is a %s", f.name, f.typ, typ)
		}
		if strings.Count(text, "# TYPE pgdog_"+f.name+" "+f.typ+"\n") != 1 || strings.Count(text, "# HELP pgdog_"+f.name+" ") != 1 {
			t.Errorf("family %s: not one TYPE and one HELP line", f.name)
		}
	}
	for name := range pgdogFamilies {
		if !seen[name] {
			t.Errorf("PgDog's %s is not exported", name)
		}
	}
	if strings.Count(text, "# UNIT ") != 1 || !strings.Contains(text, "# TYPE pgdog_maxwait gauge\n# UNIT pgdog_maxwait seconds\n# HELP pgdog_maxwait ") {
		t.Error("maxwait's UNIT line is not between its TYPE and HELP lines, or another family has one")
	}
}

// TestFamilyValues: the samples carry the fixture's values with PgDog's
// labels, times in milliseconds, bytes from servers as received.
func TestFamilyValues(t *testing.T) {
	text := fixtureText(t, "")
	pool := `{user="we\"ird\\",database="app",host="127.0.0.1",port="5432",shard="0",role="primary"} `
	mirror := `{user="we\"ird\\",database="app"} `
	dest := `{user="we\"ird\\",database="app",destination="app_mirror"`
	for _, want := range []string{
		"clients 6", "clients_locked 1", "prepared_statements_limit 500", "prepared_statements 1",
		"prepared_statements_memory 4096", "two_pc_recovered_total 0",
		"max_connections" + pool + "10", "cl_waiting" + pool + "1", "sv_active" + pool + "2", "sv_idle" + pool + "5",
		"sv_locked" + pool + "1", "maxwait" + pool + "2.0015", "errors" + pool + "2", "out_of_sync" + pool + "1",
		"total_xact_count" + pool + "10", "total_xact_2pc_count" + pool + "0", "total_query_count" + pool + "20",
		"total_received" + pool + "900", "total_sent" + pool + "100", "total_xact_time" + pool + "5",
		"total_query_time" + pool + "0", "total_prepared_evictions" + pool + "2", "total_server_errors" + pool + "3",
		"total_cleaned" + pool + "3", "total_client_idle_xact_timeouts" + pool + "1", "total_connect_time" + pool + "8",
		"total_connect_count" + pool + "4", "sv_idle_xact" + pool + "1",
		"avg_xact_count" + pool + "1", "avg_query_count" + pool + "2", "avg_received" + pool + "90", "avg_sent" + pool + "10",
		"avg_xact_time" + pool + "0.5", "avg_connect_time" + pool + "2", "avg_connect_count" + pool + "0.4",
		"avg_server_errors" + pool + "0.3", "avg_xact_2pc_count" + pool + "0",
		"mirror_total_count" + mirror + "9", "mirror_total_count 9", "mirror_mirrored_count" + mirror + "6",
		"mirror_dropped_count" + mirror + "3", "mirror_error_count" + mirror + "1", "mirror_queue_length" + mirror + "2",
		"mirror_queue_length 2",
		"cl_active" + pool + "3", "client_wait_seconds_total" + pool + "0.0015",
		"mirror_dropped_total" + dest + `,reason="memory"} 1`, "mirror_lag_p99_seconds" + dest + "} 0.003",
		"mirror_memory_bytes 1048576", "mirror_memory_limit_bytes 67108864",
		`events_total{event="client_opened"} 11`, `pins_total{reason="temp"} 1`,
		"prepared_parses_total 5", "prepared_binds_total 8",
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("no sample %s", want)
		}
	}
	if strings.Contains(text, "prepared_evictions_total") {
		t.Error("prepared_evictions_total is exported beside PgDog's total_prepared_evictions")
	}
}

// TestNamespace: the namespace prefixes every name as it is, as in PgDog.
func TestNamespace(t *testing.T) {
	for ns, want := range map[string]string{"pgdog_": "\npgdog_clients 6\n", "pgdog.": "\npgdog.clients 6\n", "": "\nclients 6\n"} {
		text := fixtureText(t, ns)
		if !strings.Contains(text, want) || strings.Count(text, "# TYPE "+ns) != len(families) {
			t.Errorf("namespace %q: no %q, or a family without the prefix", ns, strings.TrimSpace(want))
		}
	}
}

// TestEndpoint: /metrics and / serve the text format, /mirror the report;
// other paths are 404.
func TestEndpoint(t *testing.T) {
	ms, err := Start(enginetest.MetricsFixture(), "127.0.0.1", 0, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Stop()
	for path, want := range map[string]int{"/metrics": 200, "/": 200, "/nope": 404, "/metrics/x": 404, "/mirror": 200} {
		resp, err := http.Get("http://" + ms.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
		if path == "/mirror" {
			if !strings.Contains(string(body), "Mirror comparison") || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("/mirror: not the report: %s, %q", resp.Header.Get("Content-Type"), body)
			}
			continue
		}
		if want == 200 && !strings.Contains(string(body), "\nclients 6\n") {
			t.Errorf("%s: no clients sample in %q", path, body)
		}
	}
	if _, err := Start(enginetest.MetricsFixture(), "127.0.0.1", ms.Addr().(*net.TCPAddr).Port, "", slog.Default()); err == nil {
		t.Error("a second listener on the same port started")
	}
}
