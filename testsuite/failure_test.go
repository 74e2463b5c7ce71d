// Failures around pgdogd: clients dying mid-transaction, PostgreSQL stopping and coming back.

package testsuite

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// idleInTransaction counts alice's backends left idle in a transaction.
func idleInTransaction(ctx context.Context, super *pgx.Conn) (int64, error) {
	return queryInt(ctx, super, "select count(*) from pg_stat_activity where usename = 'alice' and state like 'idle in transaction%'")
}

// expectRowFree updates row id through p within 15 s (lock_timeout), which needs its lock to
// be gone: a lock left behind would be held for good.
func expectRowFree(t *testing.T, p *Proxy, id int) {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	conn := p.MustConnect(t, Alice)
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "set local lock_timeout = '15s'"); err != nil {
		t.Fatal(err)
	}
	tag, err := tx.Exec(ctx, "update kv set v = v + 1 where id = $1", id)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("update of row %d after the holder died: %v (after %v)", id, err, time.Since(start))
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	super := shared.MustConnect(t, Super)
	if !waitFor(waitLimit, func() bool { n, err := idleInTransaction(ctx, super); return err == nil && n == 0 }) {
		n, err := idleInTransaction(ctx, super)
		t.Errorf("%d backends for alice still idle in transaction (%v)", n, err)
	}
}

// TestClientKilledPgx closes a pgx client's socket abruptly while it holds a row lock.
func TestClientKilledPgx(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 30*time.Second)
	conn, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "update kv set v = v + 1 where id = 1"); err != nil {
		t.Fatal(err)
	}
	super := shared.MustConnect(t, Super)
	if n, err := idleInTransaction(ctx, super); err != nil || n != 1 {
		t.Fatalf("expected one idle-in-transaction backend holding the lock, got %d, %v", n, err)
	}
	conn.PgConn().Conn().Close() // no Terminate, no rollback
	expectRowFree(t, p, 1)
}

// TestClientKilledPsql kills a psql process inside a transaction holding SELECT ... FOR UPDATE.
func TestClientKilledPsql(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 30*time.Second)
	cmd := p.PsqlCmd(ctx, Alice, "-tA")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill(); <-done }()
	if _, err := io.WriteString(stdin, "begin;\nselect id from kv where id = 2 for update;\n"); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	got := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if strings.TrimSpace(lines.Text()) == "2" {
				got <- "2"
				return
			}
		}
		close(got)
	}()
	select {
	case v, ok := <-got:
		if !ok || v != "2" {
			t.Fatal("psql never returned the locked row")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("psql never returned the locked row within 10s")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	expectRowFree(t, p, 2)
}

// TestPostgresRestart stops PostgreSQL under a running pgdogd: queries fail quickly, and work
// again after PostgreSQL is back, without restarting pgdogd.
func TestPostgresRestart(t *testing.T) {
	c := StartCluster(t)
	cfg := DefaultConfig(c)
	cfg.General.ConnectTimeout = 2000
	cfg.General.CheckoutTimeout = 3000
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 90*time.Second)
	a := p.MustConnect(t, Alice)
	if n, err := queryInt(ctx, a, "select 1"); err != nil || n != 1 {
		t.Fatalf("before restart: %d, %v", n, err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	bound := 6 * time.Second // connect_timeout + checkout_timeout + margin
	start := time.Now()
	_, err := queryInt(testCtx(t, 20*time.Second), a, "select 1")
	if err == nil || time.Since(start) > bound || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("query with PostgreSQL down: %v after %v, want an error within %v", err, time.Since(start), bound)
	}
	start = time.Now()
	if b, err := p.Connect(testCtx(t, 20*time.Second), Alice); err == nil {
		_, err = queryInt(testCtx(t, 20*time.Second), b, "select 1")
		closeQuietly(b)
		if err == nil {
			t.Error("new client's query succeeded with PostgreSQL down")
		}
	}
	if took := time.Since(start); took > bound {
		t.Errorf("new client with PostgreSQL down took %v to fail, want under %v", took, bound)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// The existing client's next query works at once: the failed ones left no dead server
	// in the pool, and pgdogd dials on demand even right after connection failures. (The
	// client is closed instead when the outage reached its server mid-request, with a FATAL;
	// a new one then takes its place, and must work at once as well.)
	if a.IsClosed() {
		t.Log("the existing client was closed during the outage: a new one takes its place")
		a = p.MustConnect(t, Alice)
	}
	if n, err := queryInt(ctx, a, "select 2"); err != nil || n != 2 {
		t.Fatalf("first query after PostgreSQL restart: %d, %v", n, err)
	}
	b := p.MustConnect(t, Alice)
	if n, err := queryInt(ctx, b, "select count(*) from pg_database where datname = $1", TestDatabase); err != nil || n != 1 {
		t.Fatalf("new client after restart: %d, %v", n, err)
	}
}
