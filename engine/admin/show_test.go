// show_test.go holds the tests of the console's commands on a fake engine: SHOW's columns and values, and what PAUSE, RELOAD and friends ask of the engine.

package admin

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// run runs one command on c and returns its result set.
func run(t *testing.T, c *Console, query string) *resultSet {
	t.Helper()
	stmts, err := parseAdmin(query)
	if err != nil || len(stmts) != 1 {
		t.Fatalf("%q: %v, %v", query, stmts, err)
	}
	rs, err := adminCommands[stmts[0].name].run(c, stmts[0].args)
	if err != nil {
		t.Fatalf("%q: %v", query, err)
	}
	return rs
}

// row returns the named columns of rs's row i.
func row(t *testing.T, rs *resultSet, i int, cols ...string) []string {
	t.Helper()
	if i >= len(rs.rows) || len(rs.rows[i]) != len(rs.cols) {
		t.Fatalf("row %d of %d; columns %v", i, len(rs.rows), rs.cols)
	}
	var out []string
	for _, want := range cols {
		found := false
		for j, c := range rs.cols {
			if c == want {
				out, found = append(out, rs.rows[i][j]), true
			}
		}
		if !found {
			t.Fatalf("no column %q in %v", want, rs.cols)
		}
	}
	return out
}

func TestShowFormatting(t *testing.T) {
	c := New(enginetest.Fixture(), &fakeControl{})
	for _, tc := range []struct {
		query string
		rows  int
		cols  []string
		want  []string // row 0's values of cols
	}{
		{"SHOW POOLS", 1, []string{"database", "user", "addr", "port", "cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_idle_xact", "sv_total", "maxwait", "maxwait_us", "pool_mode", "paused", "errors"},
			[]string{"app", "alice", "127.0.0.1", "5432", "3", "1", "2", "5", "1", "7", "2", "1500", "transaction", "true", "3"}},
		{"SHOW CLIENTS", 1, []string{"type", "user", "state", "addr", "port", "local_port", "connect_time", "request_time", "wait", "wait_us", "id", "link", "application_name", "loop", "pinned", "tls"},
			[]string{"C", "alice", "active", "127.0.0.1", "40000", "6432", "2026-11-29 12:00:00.000 UTC", "", "1", "250000", "42", "4242", "psql", "1", "temp", "TLS 1.3"}},
		{"SHOW SERVERS", 2, []string{"type", "database", "addr", "port", "local_port", "remote_pid", "tx_status", "link", "loop"},
			[]string{"S", "appdb", "127.0.0.1", "5432", "50000", "4242", "T", "42", "1"}},
		{"SHOW MIRRORS", 1, []string{"database", "user", "destination", "total_count", "mirrored_count", "dropped_count", "error_count", "queue_length", "dropped_exposure", "dropped_memory", "exposure", "queue_capacity", "lag_ms", "lag_p50_ms", "lag_p99_ms"},
			[]string{"app", "alice", "app_mirror", "9", "6", "3", "1", "2", "2", "1", "0.5", "128", "1.500", "1.000", "3.000"}},
		{"SHOW LISTS", 10, []string{"list", "items"}, []string{"databases", "2"}},
		{"SHOW PREPARED", 1, []string{"name", "statement"}, []string{"__pgdogd_1", "select 1"}},
		{"SHOW VERSION", 1, []string{"version"}, []string{"pgdogd " + engine.Version}},
	} {
		rs := run(t, c, tc.query)
		if len(rs.rows) != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.query, len(rs.rows), tc.rows)
			continue
		}
		if got := row(t, rs, 0, tc.cols...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.query, got, tc.want)
		}
	}
	// The idle server has no PID, link or local address: empty columns, not "0".
	if got := row(t, run(t, c, "SHOW SERVERS"), 1, "remote_pid", "link", "local_addr", "tx_status"); !reflect.DeepEqual(got, []string{"", "", "", "I"}) {
		t.Errorf("idle server columns %q", got)
	}
	lists := map[string]string{}
	for _, r := range run(t, c, "SHOW LISTS").rows {
		lists[r[0]] = r[1]
	}
	want := map[string]string{"databases": "2", "users": "2", "pools": "1", "mirrors": "1", "used_clients": "3", "waiting_clients": "1",
		"all_clients": "6", "used_servers": "2", "free_servers": "5", "loops": "2"}
	if !reflect.DeepEqual(lists, want) {
		t.Errorf("SHOW LISTS %v, want %v", lists, want)
	}
}

// TestShowIncomplete: a loop that does not answer makes SHOW CLIENTS and
// SHOW SERVERS fail with 58000 rather than answer with rows missing.
func TestShowIncomplete(t *testing.T) {
	snap := enginetest.Fixture()
	snap.LoopErr = enginetest.ErrSilent
	c := New(snap, &fakeControl{})
	for _, q := range []string{"SHOW CLIENTS", "SHOW SERVERS"} {
		if got := answer(t, c, q); !reflect.DeepEqual(got, []string{"E " + codeSystemError}) {
			t.Errorf("%s with a silent loop: %v", q, got)
		}
	}
}

// TestShowStatsAverages: averages are the change since the oldest sample
// in the window, per second and per transaction.
func TestShowStatsAverages(t *testing.T) {
	snap := enginetest.Fixture()
	c := New(snap, &fakeControl{})
	now := time.Now()
	base := snap.PoolTotals()
	c.history.sample(base, now.Add(-10*time.Second))
	snap.PoolInfos[0].Totals.Xacts += 100
	snap.PoolInfos[0].Totals.Queries += 300
	snap.PoolInfos[0].Totals.XactTime += 200 * time.Millisecond
	got := row(t, run(t, c, "SHOW STATS"), 0, "total_xact_count", "total_query_count", "avg_xact_count", "avg_query_count", "avg_xact_time")
	if !reflect.DeepEqual(got, []string{"110", "320", "10", "30", "2000"}) {
		t.Errorf("SHOW STATS %q; want totals 110/320, 10 and 30 per second, 2000 µs per transaction", got)
	}
	// A sample older than the window no longer counts.
	c.history.sample(snap.PoolTotals(), now.Add(statsWindow))
	if b, _ := c.history.baseline(7, now.Add(statsWindow)); b.Xacts != 110 {
		t.Errorf("baseline after the window: %d transactions, want 110", b.Xacts)
	}
}

// TestControlCommands: what each command asks of the engine, and how the
// engine's errors reach the client.
func TestControlCommands(t *testing.T) {
	ctl := &fakeControl{}
	c := New(enginetest.Fixture(), ctl)
	for _, tc := range []struct{ query, want, call string }{
		{"PAUSE", "PAUSE", "pause "},
		{`PAUSE "My""Db"`, "PAUSE", `pause My"Db`},
		{"RESUME app", "RESUME", "resume app"},
		{"RECONNECT 'app'", "RECONNECT", "reconnect app"},
		{"RELOAD", "RELOAD", "reload"},
	} {
		ctl.calls = nil
		if got := answer(t, c, tc.query); !reflect.DeepEqual(got, []string{tc.want}) || !reflect.DeepEqual(ctl.calls, []string{tc.call}) {
			t.Errorf("%s: answer %v, calls %q; want %s and %q", tc.query, got, ctl.calls, tc.want, tc.call)
		}
	}
	ctl.failWith = &engine.Error{Code: "55006", Msg: "PAUSE: 1 transactions still in flight"}
	if got := answer(t, c, "PAUSE app; SHOW VERSION"); !reflect.DeepEqual(got, []string{"E 55006"}) {
		t.Errorf("failed PAUSE: %v", got)
	}
	if got := answer(t, c, "SHUTDOWN"); !reflect.DeepEqual(got, []string{"SHUTDOWN"}) || ctl.shutdowns != 1 {
		t.Errorf("SHUTDOWN: %v, %d shutdowns", got, ctl.shutdowns)
	}
	if got := answer(t, c, "SHOW POOLS extra"); !reflect.DeepEqual(got, []string{"E " + codec.CodeSyntaxError}) {
		t.Errorf("SHOW POOLS with an argument: %v", got)
	}
	if !strings.Contains(string(c.Answer(nil, "RESUME a b")), "usage: RESUME [database]") {
		t.Error("RESUME with two databases: no usage message")
	}
}
