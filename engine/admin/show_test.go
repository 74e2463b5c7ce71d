// show_test.go holds the tests of the console's commands on a fake engine: SHOW's values, column lists, and what PAUSE, RELOAD and friends ask of the engine.

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

// colNames are rs's column names.
func colNames(rs *resultSet) []string {
	out := make([]string, len(rs.cols))
	for i, c := range rs.cols {
		out[i] = c.name
	}
	return out
}

// row returns the named columns of rs's row i as the client reads them, NULL as "NULL".
func row(t *testing.T, rs *resultSet, i int, cols ...string) []string {
	t.Helper()
	if i >= len(rs.rows) || len(rs.rows[i]) != len(rs.cols) {
		t.Fatalf("row %d of %d; columns %v", i, len(rs.rows), colNames(rs))
	}
	var out []string
	for _, want := range cols {
		found := false
		for j, c := range rs.cols {
			if c.name == want {
				v := cellText(rs.rows[i][j])
				if v == nil {
					v = []byte("NULL")
				}
				out, found = append(out, string(v)), true
			}
		}
		if !found {
			t.Fatalf("no column %q in %v", want, colNames(rs))
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
		{"SHOW POOLS", 1, []string{"id", "database", "user", "addr", "port", "shard", "role", "cl_waiting", "sv_idle", "sv_active", "sv_idle_xact",
			"sv_total", "maxwait", "maxwait_us", "pool_mode", "paused", "banned", "healthy", "errors", "out_of_sync", "online", "schema_admin", "cl_active"},
			[]string{"7", "app", "alice", "127.0.0.1", "5432", "0", "primary", "1", "5", "2", "1", "7", "2", "1500", "transaction", "t", "f", "t", "3", "0", "t", "f", "3"}},
		{"SHOW CLIENTS", 1, []string{"id", "user", "database", "addr", "port", "state", "replication", "connect_time", "last_request",
			"queries", "transactions", "transactions_2pc", "wait_time", "query_time", "transaction_time", "bytes_received", "bytes_sent", "errors",
			"application_name", "locked", "prepared_statements", "local_addr", "local_port", "wait", "wait_us", "link", "loop", "pinned", "tls"},
			[]string{"42", "alice", "app", "127.0.0.1", "40000", "active", "none", "2026-11-29 12:00:00.000 UTC", "",
				"5", "4", "0", "1253", "1.500", "2.000", "100", "200", "1",
				"psql", "t", "2", "127.0.0.1", "6432", "1", "250000", "4242", "1", "temp", "TLS 1.3"}},
		{"SHOW SERVERS", 2, []string{"pool_id", "database", "user", "addr", "port", "state", "connect_time", "remote_pid", "transactions", "queries",
			"rollbacks", "prepared_statements", "errors", "bytes_received", "bytes_sent", "application_name", "memory_used", "local_port", "tx_status", "link", "loop"},
			[]string{"7", "appdb", "alice", "127.0.0.1", "5432", "active", "2026-11-29 12:00:00.000 UTC", "4242", "5", "6",
				"0", "3", "2", "300", "400", "pgdogd", "0", "50000", "T", "42", "1"}},
		{"SHOW MIRRORS", 1, []string{"database", "user", "total_count", "mirrored_count", "dropped_count", "error_count", "queue_length", "destination",
			"dropped_exposure", "dropped_memory", "exposure", "queue_capacity", "lag_ms", "lag_p50_ms", "lag_p99_ms"},
			[]string{"app", "alice", "9", "6", "3", "1", "2", "app_mirror", "2", "1", "0.5", "128", "1.500", "1.000", "3.000"}},
		{"SHOW STATS", 1, []string{"database", "user", "addr", "port", "shard", "role", "total_xact_count", "total_query_count", "total_xact_time",
			"total_errors", "total_bind_count"},
			[]string{"app", "alice", "127.0.0.1", "5432", "0", "primary", "10", "20", "5", "3", "0"}},
		{"SHOW LISTS", 10, []string{"list", "items"}, []string{"databases", "2"}},
		{"SHOW PREPARED", 1, []string{"name", "statement", "rewrite", "used_by", "memory_used"}, []string{"__pgdogd_1", "select 1", "NULL", "2", "40"}},
		{"SHOW PREPARED STATEMENTS", 1, []string{"name"}, []string{"__pgdogd_1"}},
		{"SHOW VERSION", 1, []string{"version"}, []string{"pgdogd v" + engine.Version}},
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
	// The idle server has no PID, link or local address: NULL numbers and an empty address, not "0".
	if got := row(t, run(t, c, "SHOW SERVERS"), 1, "remote_pid", "link", "local_addr", "local_port", "tx_status"); !reflect.DeepEqual(got,
		[]string{"NULL", "NULL", "", "NULL", "I"}) {
		t.Errorf("idle server columns %q", got)
	}
	lists := map[string]string{}
	listRows := run(t, c, "SHOW LISTS")
	for i := range listRows.rows {
		r := row(t, listRows, i, "list", "items")
		lists[r[0]] = r[1]
	}
	want := map[string]string{"databases": "2", "users": "2", "pools": "1", "mirrors": "1", "used_clients": "3", "waiting_clients": "1",
		"all_clients": "6", "used_servers": "2", "free_servers": "5", "loops": "2"}
	if !reflect.DeepEqual(lists, want) {
		t.Errorf("SHOW LISTS %v, want %v", lists, want)
	}
}

// TestShowConfigValues: durations read as PgDog writes them, in the
// largest unit that divides them; other values as they are.
func TestShowConfigValues(t *testing.T) {
	snap := enginetest.Fixture()
	g := &snap.Cfg.General
	g.CheckoutTimeout, g.IdleTimeout, g.ServerLifetime, g.ShutdownTimeout = 5*time.Second, 1500*time.Millisecond, 24*time.Hour, 0
	g.DefaultPoolSize, g.MirrorExposure = 10, 0.25
	rs := run(t, New(snap, &fakeControl{}), "SHOW CONFIG")
	got := map[string][]string{}
	for i := range rs.rows {
		r := row(t, rs, i, "name", "value", "default", "changeable")
		got[r[0]] = r[1:]
	}
	for name, want := range map[string][]string{
		"checkout_timeout": {"5s", "5s", "yes"}, "idle_timeout": {"1500ms", "1m", "yes"}, "server_lifetime": {"1d", "1d", "yes"},
		"shutdown_timeout": {"0ms", "1m", "yes"}, "default_pool_size": {"10", "10", "yes"}, "mirror_exposure": {"0.25", "1", "yes"},
		"host": {"", "0.0.0.0", "no"},
	} {
		if !reflect.DeepEqual(got[name], want) {
			t.Errorf("SHOW CONFIG %s: %q, want %q", name, got[name], want)
		}
	}
	for ms, want := range map[uint64]string{0: "0ms", 999: "999ms", 1000: "1s", 1001: "1001ms", 90000: "90000ms", 120000: "2m",
		7200000: "2h", 5400000: "5400000ms", 86400000: "1d", 7 * 86400000: "604800000ms"} {
		if got := humanMillis(ms); got != want {
			t.Errorf("humanMillis(%d) = %q, want %q", ms, got, want)
		}
	}
}

// TestShowColumnList: SHOW CLIENTS and SHOW SERVERS take the columns to
// show, in the order given; an unknown one is 42703.
func TestShowColumnList(t *testing.T) {
	c := New(enginetest.Fixture(), &fakeControl{})
	for _, tc := range []struct {
		query string
		want  []string // column: value of row 0
	}{
		{"SHOW CLIENTS prepared_statements, application_name", []string{"prepared_statements: 2", "application_name: psql"}},
		{`SHOW CLIENTS "tls",ID,id`, []string{"tls: TLS 1.3", "id: 42", "id: 42"}},
		{"SHOW SERVERS remote_pid pool_id", []string{"remote_pid: 4242", "pool_id: 7"}},
	} {
		rs := run(t, c, tc.query)
		var got []string
		for i, col := range rs.cols {
			got = append(got, col.name+": "+string(cellText(rs.rows[0][i])))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
		}
	}
	for _, q := range []string{"SHOW CLIENTS user, nonsense", "SHOW SERVERS \"User\""} {
		if got := answer(t, c, q); !reflect.DeepEqual(got, []string{"E " + codeUndefinedColumn}) {
			t.Errorf("%s: %v, want 42703", q, got)
		}
	}
	if msg := string(c.Answer(nil, "SHOW CLIENTS nonsense")); !strings.Contains(msg, `SHOW CLIENTS has no column "nonsense"`) {
		t.Errorf("unknown column's message: %q", msg)
	}
}

// TestShowIncomplete: a loop that does not answer makes SHOW CLIENTS,
// SHOW SERVERS and SHOW PREPARED fail with 58000 rather than answer with
// rows or counts missing.
func TestShowIncomplete(t *testing.T) {
	snap := enginetest.Fixture()
	snap.LoopErr = enginetest.ErrSilent
	c := New(snap, &fakeControl{})
	for _, q := range []string{"SHOW CLIENTS", "SHOW SERVERS", "SHOW PREPARED"} {
		if got := answer(t, c, q); !reflect.DeepEqual(got, []string{"E " + codeSystemError}) {
			t.Errorf("%s with a silent loop: %v", q, got)
		}
	}
}

// TestShowStatsAverages: averages are the change since the oldest sample
// in the window, per second, and in milliseconds per transaction.
func TestShowStatsAverages(t *testing.T) {
	snap := enginetest.Fixture()
	c := New(snap, &fakeControl{})
	now := time.Now()
	base := snap.PoolTotals()
	c.history.sample(base, now.Add(-10*time.Second))
	snap.PoolInfos[0].Totals.Xacts += 100
	snap.PoolInfos[0].Totals.Queries += 300
	snap.PoolInfos[0].Totals.XactTime += 250 * time.Millisecond
	got := row(t, run(t, c, "SHOW STATS"), 0, "total_xact_count", "total_query_count", "avg_xact_count", "avg_query_count", "avg_xact_time", "total_xact_time")
	if !reflect.DeepEqual(got, []string{"110", "320", "10", "30", "2.5", "255"}) {
		t.Errorf("SHOW STATS %q; want totals 110/320, 10 and 30 per second, 2.5 ms per transaction, 255 ms in all", got)
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
