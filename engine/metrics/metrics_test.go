// metrics_test.go holds the tests of the metric families on a fake engine: names, labels, values and the HTTP endpoint.

package metrics

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// TestFamilies: every family has its HELP and TYPE lines, and the samples
// carry the fixture's values with PgDog's labels.
func TestFamilies(t *testing.T) {
	snap := enginetest.Fixture()
	snap.PoolInfos[0].User = `we"ird\` // labels are escaped
	var buf bytes.Buffer
	newSet(snap, "pgdog").WritePrometheus(&buf)
	text := buf.String()
	for _, f := range metricFamilies {
		if !strings.Contains(text, "# HELP pgdog_"+f.name+" ") || !strings.Contains(text, "# TYPE pgdog_"+f.name+" "+f.typ+"\n") {
			t.Errorf("family %s: no HELP or TYPE line", f.name)
		}
	}
	pool := `{user="we\"ird\\",database="app"}`
	mirror := `{user="we\"ird\\",database="app",destination="app_mirror"`
	for _, want := range []string{
		"pgdog_clients" + pool + " 4",
		"pgdog_cl_waiting" + pool + " 1",
		"pgdog_sv_idle_xact" + pool + " 1",
		"pgdog_maxwait" + pool + " 2.0015",
		"pgdog_errors" + pool + " 3",
		"pgdog_total_xact_time" + pool + " 5000",
		"pgdog_mirror_total_count" + mirror + "} 9",
		"pgdog_mirror_dropped_count" + mirror + "} 3",
		"pgdog_mirror_dropped_reason_count" + mirror + `,reason="memory"} 1`,
		"pgdog_mirror_lag_p99_seconds" + mirror + "} 0.003",
		"pgdog_mirror_memory_bytes 1048576",
		"pgdog_mirror_memory_limit_bytes 67108864",
		`pgdog_events_total{event="client_opened"} 11`,
		`pgdog_pins_total{reason="temp"} 1`,
		"pgdog_prepared_statements 1",
		"pgdog_prepared_evictions_total 2",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("no sample %s", want)
		}
	}
}

// TestEndpoint: /metrics and / serve the text format; other paths are 404.
func TestEndpoint(t *testing.T) {
	ms, err := Start(enginetest.Fixture(), "127.0.0.1", 0, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Stop()
	for path, want := range map[string]int{"/metrics": 200, "/": 200, "/nope": 404} {
		resp, err := http.Get("http://" + ms.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && !strings.Contains(string(body), "\nclients{user=\"alice\",database=\"app\"} 4\n") {
			t.Errorf("%s: no clients sample in %q", path, body)
		}
	}
	if _, err := Start(enginetest.Fixture(), "127.0.0.1", ms.Addr().(*net.TCPAddr).Port, "", slog.Default()); err == nil {
		t.Error("a second listener on the same port started")
	}
}
