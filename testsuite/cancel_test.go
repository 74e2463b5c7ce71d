// Query cancellation through pgdogd: pgx CancelRequest, context cancel, psql, made-up keys.

package testsuite

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// cancelRequestWatcher makes pgx send a CancelRequest as soon as a query's context is cancelled,
// and only fall back to a socket deadline 3 s later.
func cancelRequestWatcher(c *pgconn.PgConn) ctxwatch.Handler {
	return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 3 * time.Second}
}

// sleepingBackends counts alice's backends PostgreSQL sees running pg_sleep.
func sleepingBackends(ctx context.Context, super *pgx.Conn) (int64, error) {
	return queryInt(ctx, super, "select count(*) from pg_stat_activity where usename = 'alice'"+
		" and state = 'active' and query like '%pg_sleep%' and pid <> pg_backend_pid()")
}

func TestCancelRequest(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	conn := p.MustConnect(t, Alice)

	done := make(chan error, 1)
	go func() { _, err := conn.Exec(ctx, "select pg_sleep(10)"); done <- err }()
	if !waitFor(5*time.Second, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
		t.Fatal("pg_sleep never started on PostgreSQL")
	}
	start := time.Now()
	if err := conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatalf("cannot send CancelRequest: %v", err)
	}
	select {
	case err := <-done:
		if sqlState(err) != "57014" {
			t.Errorf("cancelled query returned %v, want SQLSTATE 57014", err)
		}
		t.Logf("cancelled after %v", time.Since(start))
	case <-time.After(time.Second):
		t.Fatal("query not cancelled within 1s")
	}
	if n, err := queryInt(ctx, conn, "select 40 + 2"); err != nil || n != 42 {
		t.Errorf("connection unusable after cancel: %d, %v", n, err)
	}
}

// TestCancelContext cancels a pgx context; the query must stop on PostgreSQL within 1 s.
func TestCancelContext(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	cfg, err := p.PGXConfig(Alice)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	// Send a CancelRequest on context cancel (pgx's default only sets a deadline).
	cfg.BuildContextWatcherHandler = cancelRequestWatcher
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeQuietly(conn)
	qctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := conn.Exec(qctx, "select pg_sleep(10)"); done <- err }()
	if !waitFor(5*time.Second, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
		t.Fatal("pg_sleep never started on PostgreSQL")
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("cancelled query succeeded")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("query did not return within 2s of context cancel")
	}
	if !waitFor(time.Second, func() bool { n, _ := sleepingBackends(ctx, super); return n == 0 }) {
		t.Error("pg_sleep still running on PostgreSQL 1s after context cancel")
	}
}

// TestCancelPsql interrupts psql, which sends a CancelRequest.
func TestCancelPsql(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	cmd := p.PsqlCmd(ctx, Alice, "-c", "select pg_sleep(10)")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !waitFor(5*time.Second, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("pg_sleep never started on PostgreSQL: %s", out.String())
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
		if !strings.Contains(out.String(), "canceling statement due to user request") {
			t.Errorf("psql output after SIGINT: %q", out.String())
		}
		t.Logf("psql cancelled after %v", time.Since(start))
	case <-time.After(time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("psql query not cancelled within 1s: %q", out.String())
	}
}

// TestCancelBogusKey sends CancelRequests with made-up keys (and a real pid with a wrong secret)
// while a short query runs: the query must complete normally and the proxy must stay up.
func TestCancelBogusKey(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	conn := p.MustConnect(t, Alice)
	done := make(chan error, 1)
	go func() { _, err := conn.Exec(ctx, "select pg_sleep(1.5)"); done <- err }()
	if !waitFor(5*time.Second, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
		t.Fatal("pg_sleep never started on PostgreSQL")
	}
	realPID := conn.PgConn().PID()
	wrongSecret := bytes.Repeat([]byte{0x5a}, len(conn.PgConn().SecretKey()))
	if bytes.Equal(wrongSecret, conn.PgConn().SecretKey()) {
		wrongSecret[0] ^= 0xff
	}
	for _, k := range []struct {
		pid    uint32
		secret []byte
	}{{12345, []byte{1, 2, 3, 4}}, {0xffffffff, []byte{0, 0, 0, 0}}, {realPID, wrongSecret}} {
		if err := SendCancel(p.Addr(), k.pid, k.secret); err != nil {
			t.Errorf("bogus cancel (pid %d): %v", k.pid, err)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("query hit by a bogus cancel: %v", err)
	}
	if !p.Alive() {
		t.Fatal("pgdogd exited after bogus cancels")
	}
	if n, err := queryInt(ctx, conn, "select 7"); err != nil || n != 7 {
		t.Errorf("connection after bogus cancels: %d, %v", n, err)
	}
	fresh, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatalf("new connection after bogus cancels: %v", err)
	}
	closeQuietly(fresh)
}
