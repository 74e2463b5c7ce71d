// Query cancellation through pgdogd: pgx CancelRequest, context cancel, psql, made-up keys.

package testsuite

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// cancelRequestWatcher makes pgx send a CancelRequest as soon as a query's context is cancelled,
// and only fall back to a socket deadline after cancelQueryRuns: a query that returns sooner
// was ended by the cancel.
func cancelRequestWatcher(c *pgconn.PgConn) ctxwatch.Handler {
	return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelQueryRuns}
}

// The cancel tests cancel a query that runs cancelQuery (cancelQueryRuns) and want it to
// end within cancelLimit: a cancel forwarded even on a loaded machine, and still far from
// the query ending by itself.
const (
	cancelQuery     = "select pg_sleep(30)"
	cancelQueryRuns = 30 * time.Second
	cancelLimit     = 10 * time.Second
)

// sleepingBackends counts alice's backends PostgreSQL sees running pg_sleep.
func sleepingBackends(ctx context.Context, super *pgx.Conn) (int64, error) {
	return queryInt(ctx, super, "select count(*) from pg_stat_activity where usename = 'alice'"+
		" and state = 'active' and query like '%pg_sleep%' and pid <> pg_backend_pid()")
}

// endSleepers makes sure no query of a failed cancel test sleeps on in the shared cluster
// after t, where the next test would count it.
func endSleepers(t *testing.T, super *pgx.Conn) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = super.Exec(ctx, "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'alice'"+
			" and query like '%pg_sleep%' and pid <> pg_backend_pid()")
	})
}

func TestCancelRequest(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	endSleepers(t, super)
	conn := p.MustConnect(t, Alice)

	done := make(chan error, 1)
	go func() { _, err := conn.Exec(ctx, cancelQuery); done <- err }()
	if !waitFor(waitLimit, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
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
	case <-time.After(cancelLimit):
		t.Fatalf("query not cancelled within %v", cancelLimit)
	}
	if n, err := queryInt(ctx, conn, "select 40 + 2"); err != nil || n != 42 {
		t.Errorf("connection unusable after cancel: %d, %v", n, err)
	}
}

// TestCancelContext cancels a pgx context; the query must stop on PostgreSQL at once (within
// cancelLimit, long before it would end by itself or pgx would give up on the socket).
func TestCancelContext(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	endSleepers(t, super)
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
	go func() { _, err := conn.Exec(qctx, cancelQuery); done <- err }()
	if !waitFor(waitLimit, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
		t.Fatal("pg_sleep never started on PostgreSQL")
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("cancelled query succeeded")
		}
	case <-time.After(cancelLimit):
		t.Fatalf("query did not return within %v of context cancel", cancelLimit)
	}
	if !waitFor(cancelLimit-time.Since(start), func() bool { n, _ := sleepingBackends(ctx, super); return n == 0 }) {
		t.Errorf("pg_sleep still running on PostgreSQL %v after context cancel", cancelLimit)
	}
}

// TestCancelPsql interrupts psql, which sends a CancelRequest.
func TestCancelPsql(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	endSleepers(t, super)
	cmd := p.PsqlCmd(ctx, Alice, "-c", cancelQuery)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !waitFor(waitLimit, func() bool { n, _ := sleepingBackends(ctx, super); return n == 1 }) {
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
	case <-time.After(cancelLimit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("psql query not cancelled within %v: %q", cancelLimit, out.String())
	}
}

// TestCancelBogusKey sends CancelRequests with made-up keys (and a real pid with a wrong secret)
// while a query runs: pgdogd must ignore all three (events cancel_ignored, and none
// forwarded), the query must then complete normally and the proxy must stay up. The query
// waits on a lock the test holds, so that it is still running when the cancels are handled.
func TestCancelBogusKey(t *testing.T) {
	p := StartProxy(t, withMetrics(t, DefaultConfig(shared)))
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	conn := p.MustConnect(t, Alice)
	const lockKey = 5150423
	// The lock is held on a connection of its own: inside a transaction, super would see
	// pg_stat_activity as it was at the transaction's first look.
	locker, err := shared.MustConnect(t, Super).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := locker.Exec(ctx, "select pg_advisory_xact_lock($1)", lockKey); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lockQuery := fmt.Sprintf("select pg_advisory_xact_lock(%d)", lockKey)
	go func() { _, err := conn.Exec(ctx, lockQuery); done <- err }()
	finished := false
	defer func() { // however the test ends, the query is over before conn is closed
		_ = locker.Rollback(ctx)
		if !finished {
			<-done
		}
	}()
	waiting := func() bool {
		n, err := queryInt(ctx, super, "select count(*) from pg_stat_activity where usename = 'alice'"+
			" and state = 'active' and wait_event_type = 'Lock' and query = $1", lockQuery)
		return err == nil && n == 1
	}
	waitUntil(t, waitLimit, "the query to wait for the lock on PostgreSQL", waiting)
	ignored0, forwarded0 := p.events(t, "cancel_ignored"), p.events(t, "cancel_forwarded")
	realPID := conn.PgConn().PID()
	wrongSecret := bytes.Repeat([]byte{0x5a}, len(conn.PgConn().SecretKey()))
	if bytes.Equal(wrongSecret, conn.PgConn().SecretKey()) {
		wrongSecret[0] ^= 0xff
	}
	bogus := []struct {
		pid    uint32
		secret []byte
	}{{12345, []byte{1, 2, 3, 4}}, {0xffffffff, []byte{0, 0, 0, 0}}, {realPID, wrongSecret}}
	for _, k := range bogus {
		if err := SendCancel(p.Addr(), k.pid, k.secret); err != nil {
			t.Errorf("bogus cancel (pid %d): %v", k.pid, err)
		}
	}
	p.waitEvents(t, "cancel_ignored", ignored0+float64(len(bogus)))
	if d := p.events(t, "cancel_forwarded") - forwarded0; d != 0 {
		t.Errorf("%v bogus cancels forwarded to PostgreSQL", d)
	}
	if !waiting() {
		t.Errorf("the query no longer waits for its lock after the bogus cancels")
	}
	if err := locker.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		finished = true
		if err != nil {
			t.Errorf("query hit by a bogus cancel: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("query still running %v after its lock was released", waitLimit)
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
