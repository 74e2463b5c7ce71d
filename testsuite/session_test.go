// Session pooling through pgdogd: session state persists for a client and is reset for the next.

package testsuite

import (
	"testing"
	"time"
)

func TestSessionMode(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.General.PoolerMode = "session"
	cfg.Users[0].PoolSize = 1
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 30*time.Second)

	pidA := sessionClientA(t, p)

	b := p.MustConnect(t, Alice)
	pidB, err := queryInt(ctx, b, "select pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	if pidB != pidA {
		t.Fatalf("pool of 1 did not hand the same server to the next client (%d then %d): reset unverifiable", pidA, pidB)
	}
	marker, err := queryString(ctx, b, "select coalesce(current_setting('pgdogd.marker', true), '')")
	if err != nil || marker != "" {
		t.Errorf("next client sees the previous client's variable: %q, %v", marker, err)
	}
	timeout, err := queryString(ctx, b, "show statement_timeout")
	if err != nil || timeout != "0" {
		t.Errorf("next client sees statement_timeout %q, %v; want 0", timeout, err)
	}
	tmp, err := queryString(ctx, b, "select coalesce(to_regclass('pg_temp.session_tmp')::text, '')")
	if err != nil || tmp != "" {
		t.Errorf("next client sees the previous client's temp table: %q, %v", tmp, err)
	}
	if _, err := b.Exec(ctx, "execute session_stmt"); sqlState(err) != "26000" {
		t.Errorf("next client can run the previous client's prepared statement: %v", err)
	}
}

// sessionClientA sets session state, checks it across transactions on one server, disconnects
// and returns that server's PID.
func sessionClientA(t *testing.T, p *Proxy) int64 {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	a, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	setup := []string{
		"set pgdogd.marker = 'client-a'",
		"set statement_timeout = '7777'",
		"create temp table session_tmp (x int)",
		"insert into session_tmp values (1), (2)",
		"prepare session_stmt as select 41 + 1",
	}
	if err := execAll(ctx, a, setup); err != nil {
		t.Fatal(err)
	}
	pidA, err := queryInt(ctx, a, "select pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		tx, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var marker, timeout string
		var rows, pid int64
		err = tx.QueryRow(ctx, "select current_setting('pgdogd.marker'), current_setting('statement_timeout'),"+
			" (select count(*) from session_tmp), pg_backend_pid()").Scan(&marker, &timeout, &rows, &pid)
		if err != nil || marker != "client-a" || timeout != "7777ms" || rows != 2 || pid != pidA {
			t.Fatalf("transaction %d in session: marker=%q timeout=%q rows=%d pid=%d (first %d), %v",
				i, marker, timeout, rows, pid, pidA, err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	closeQuietly(a)
	return pidA

}
