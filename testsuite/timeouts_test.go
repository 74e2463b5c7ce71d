// Client timeouts and limits: client_login_timeout against slowloris connections,
// client_idle_timeout, client_idle_in_transaction_timeout and max_client_connections, with
// the SQLSTATEs checked against PostgreSQL's own idle timeouts.

package testsuite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestClientLoginTimeout: with client_login_timeout = 2000, 500 connections that never send a
// startup packet are all closed 1.5–5 s after they opened; a connection that stops halfway
// through SCRAM (after SASLInitialResponse) gets FATAL 08P01 and is closed; one that sent
// half a startup packet is closed; a normal client connecting meanwhile is served, and is not
// cut by the login timeout once logged in.
func TestClientLoginTimeout(t *testing.T) {
	const n = 500
	const earliest, latest = 1500 * time.Millisecond, 5 * time.Second
	raiseOwnNofile(t, n+500)
	p := startProxyExtra(t, DefaultConfig(shared), "client_login_timeout = 2000")
	ctx := testCtx(t, 50*time.Second)

	type closeResult struct {
		after  time.Duration
		closed bool
		err    error
	}
	results := make(chan closeResult, n)
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
		if err != nil {
			t.Fatalf("slowloris connection %d: %v", i, err)
		}
		opened := time.Now()
		go func() {
			defer c.Close()
			_ = c.SetReadDeadline(opened.Add(latest + 3*time.Second))
			buf := make([]byte, 512)
			for {
				_, err := c.Read(buf)
				if err != nil {
					closed := errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
					results <- closeResult{time.Since(opened), closed, err}
					return
				}
			}
		}()
	}
	t.Logf("%d connections without a startup packet are open", n)

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Add(3)
	go func() { defer wg.Done(); errs <- halfwayThroughSCRAM(p.Addr(), earliest, latest) }()
	go func() { defer wg.Done(); errs <- halfStartupPacket(p.Addr(), latest) }()
	go func() {
		defer wg.Done()
		conn, err := p.Connect(ctx, Alice)
		if err != nil {
			errs <- fmt.Errorf("normal client during the slowloris: %w", err)
			return
		}
		defer closeQuietly(conn)
		if _, err := queryInt(ctx, conn, "select 1"); err != nil {
			errs <- fmt.Errorf("normal client's query during the slowloris: %w", err)
			return
		}
		// A connection opened after this client logged in, and never logging in itself, is
		// closed by client_login_timeout: this client's own login timeout, had it gone on
		// after the login, would have expired by then.
		if err := loginTimeoutProbe(p.Addr(), latest+3*time.Second); err != nil {
			errs <- err
			return
		}
		if _, err := queryInt(ctx, conn, "select 2"); err != nil {
			errs <- fmt.Errorf("logged-in client cut after client_login_timeout: %w", err)
			return
		}
		errs <- nil
	}()

	var times []time.Duration
	notClosed := 0
	var firstErr error
	for i := 0; i < n; i++ {
		r := <-results
		if !r.closed {
			notClosed++
			if firstErr == nil {
				firstErr = r.err
			}
			continue
		}
		times = append(times, r.after)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if notClosed > 0 {
		t.Errorf("%d of %d connections without a startup packet were not closed within %v (first: %v)",
			notClosed, n, latest+3*time.Second, firstErr)
	}
	if len(times) > 0 {
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		minT, med, maxT := times[0], times[len(times)/2], times[len(times)-1]
		t.Logf("slowloris connections closed after min %v, median %v, max %v", minT.Round(time.Millisecond),
			med.Round(time.Millisecond), maxT.Round(time.Millisecond))
		if minT < earliest {
			t.Errorf("a connection was closed after %v, before client_login_timeout (2 s)", minT)
		}
		if maxT > latest {
			t.Errorf("a connection was closed only after %v, want within %v", maxT, latest)
		}
	}
}

// loginTimeoutProbe opens a connection that sends nothing and wants it closed by pgdogd
// within limit.
func loginTimeoutProbe(addr string, limit time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("login timeout probe: %w", err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("login timeout probe: not closed within %v: %w", limit, err)
	}
	return nil
}

// halfwayThroughSCRAM starts up as alice, sends SASLInitialResponse, reads SASLContinue and
// then sends nothing: it wants FATAL 08P01 between earliest and latest after connecting,
// then the close.
func halfwayThroughSCRAM(addr string, earliest, latest time.Duration) error {
	r, err := RawDial(addr)
	if err != nil {
		return err
	}
	defer r.Close()
	start := time.Now()
	r.FE.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": Alice.User, "database": Alice.Database}})
	if err := r.FE.Flush(); err != nil {
		return fmt.Errorf("SCRAM halfway: cannot send startup: %w", err)
	}
	msg, err := r.Receive(5 * time.Second)
	if _, ok := msg.(*pgproto3.AuthenticationSASL); err != nil || !ok {
		return fmt.Errorf("SCRAM halfway: got %T, %v; want AuthenticationSASL", msg, err)
	}
	_, first, err := scramStart(Alice.Password)
	if err != nil {
		return err
	}
	r.FE.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte(first)})
	if err := r.FE.Flush(); err != nil {
		return fmt.Errorf("SCRAM halfway: cannot send SASLInitialResponse: %w", err)
	}
	msg, err = r.Receive(5 * time.Second)
	if _, ok := msg.(*pgproto3.AuthenticationSASLContinue); err != nil || !ok {
		return fmt.Errorf("SCRAM halfway: got %T, %v; want AuthenticationSASLContinue", msg, err)
	}
	pgErr, err := r.ReadError(latest + 2*time.Second - time.Since(start))
	if err != nil {
		return fmt.Errorf("SCRAM halfway: no ErrorResponse (%v after connecting): %w", time.Since(start).Round(time.Millisecond), err)
	}
	after := time.Since(start)
	if pgErr.Code != "08P01" || pgErr.Severity != "FATAL" {
		return fmt.Errorf("SCRAM halfway: got %s %s %q, want FATAL 08P01", pgErr.Severity, pgErr.Code, pgErr.Message)
	}
	if after < earliest || after > latest {
		return fmt.Errorf("SCRAM halfway: FATAL 08P01 after %v, want within %v..%v", after, earliest, latest)
	}
	if err := r.ExpectClosed(2 * time.Second); err != nil {
		return fmt.Errorf("SCRAM halfway: after the FATAL: %w", err)
	}
	return nil
}

// halfStartupPacket sends the first 8 bytes of a 40-byte startup packet and wants the
// connection closed (with or without an ErrorResponse) within latest.
func halfStartupPacket(addr string, latest time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	if _, err := c.Write([]byte{0, 0, 0, 40, 0, 3, 0, 0}); err != nil {
		return fmt.Errorf("half startup packet: cannot write: %w", err)
	}
	_ = c.SetReadDeadline(start.Add(latest + 2*time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("half startup packet: not closed within %v: %w", latest+2*time.Second, err)
	}
	if after := time.Since(start); after > latest {
		return fmt.Errorf("half startup packet: closed after %v, want within %v", after, latest)
	}
	return nil
}

// TestClientIdleTimeout: with client_idle_timeout = 1000, a client idle after its last
// ReadyForQuery gets FATAL 57P05 (PostgreSQL's idle_session_timeout code, checked below) and
// is closed; a client querying every 300 ms, and one whose query runs past the idle client's
// end, are not. The idle client logs in last: had a query (or a query running) not counted
// as activity, the other two would have been cut no later than it.
func TestClientIdleTimeout(t *testing.T) {
	pgRef := postgresIdleCode(t, "idle_session_timeout", false)
	if pgRef != "57P05" {
		t.Errorf("PostgreSQL's idle_session_timeout ends a session with %s; this test asserts 57P05", pgRef)
	}
	p := startProxyExtra(t, DefaultConfig(shared), "client_idle_timeout = 1000")
	ctx := testCtx(t, 60*time.Second)

	// The long query waits for a lock the test holds until the idle client has been cut.
	const lockKey = 5150424
	lockQuery := fmt.Sprintf("select pg_advisory_xact_lock(%d)", lockKey)
	super := shared.MustConnect(t, Super)
	locker, err := super.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = locker.Rollback(ctx) }()
	if _, err := locker.Exec(ctx, lockQuery); err != nil {
		t.Fatal(err)
	}
	long, err := rawLogin(p.Addr(), Alice, "long query client")
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	long.FE.Send(&pgproto3.Query{String: lockQuery})
	if err := long.FE.Flush(); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	idleCut := make(chan struct{})
	active, err := rawLogin(p.Addr(), Alice, "active client")
	if err != nil {
		t.Fatal(err)
	}
	defer active.Close()
	wg.Add(1)
	go func() { // active: a query every 300 ms for 3 s, and at least once after the idle client's end
		defer wg.Done()
		start := time.Now()
		for {
			after := false
			select {
			case <-idleCut:
				after = true
			default:
			}
			if _, err := active.SimpleQuery("select 1", 5*time.Second); err != nil {
				errs <- fmt.Errorf("active client cut after %v: %w", time.Since(start), err)
				return
			}
			if after && time.Since(start) >= 3*time.Second {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		errs <- nil
	}()
	idle, err := rawLogin(p.Addr(), Alice, "idle client")
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(idleCut)
		errs <- expectTimeoutFatal(idle, "idle client", "57P05", 800*time.Millisecond, 5*time.Second)
	}()

	<-idleCut
	if err := locker.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if code, err := readCode(long, waitLimit); err != nil || code != "" {
		errs <- fmt.Errorf("client whose query ran past the idle client's end: SQLSTATE %q, %v; want it answered", code, err)
	} else if _, err := long.SimpleQuery("select 1", 5*time.Second); err != nil {
		errs <- fmt.Errorf("client right after its long query: %w", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestClientIdleInTransactionTimeout: with client_idle_in_transaction_timeout = 1000 and a
// pool of one server, a client idle inside BEGIN (after an INSERT) gets FATAL 25P03
// (PostgreSQL's idle_in_transaction_session_timeout code, checked below) and is closed; its
// transaction is rolled back, the server is left neither idle in transaction nor handed on
// dirty, and a client active in a transaction is not cut.
func TestClientIdleInTransactionTimeout(t *testing.T) {
	pgRef := postgresIdleCode(t, "idle_in_transaction_session_timeout", true)
	if pgRef != "25P03" {
		t.Errorf("PostgreSQL's idle_in_transaction_session_timeout ends a session with %s; this test asserts 25P03", pgRef)
	}
	ctx := testCtx(t, 50*time.Second)
	direct := shared.MustConnect(t, Alice)
	if _, err := direct.Exec(ctx, "create table if not exists edge_idle_tx (note text not null)"); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 1 // alice: the next client gets the very server the idle one held
	p := startProxyExtra(t, cfg, "client_idle_in_transaction_timeout = 1000")
	note := fmt.Sprintf("idle-tx-%d", time.Now().UnixNano())

	r, err := rawLogin(p.Addr(), Alice, "client")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.SimpleQuery("begin", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SimpleQuery("insert into edge_idle_tx values ('"+note+"')", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := expectTimeoutFatal(r, "client idle in transaction", "25P03", 800*time.Millisecond, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	stuck := func() int64 {
		n, err := queryInt(ctx, direct, `select count(*) from pg_stat_activity
			where state like 'idle in transaction%' and query like '%' || $1 || '%'`, note)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if !waitFor(waitLimit, func() bool { return stuck() == 0 }) {
		t.Errorf("the server is still idle in the timed-out client's transaction %v after the FATAL", waitLimit)
	}
	if n, err := queryInt(ctx, direct, "select count(*) from edge_idle_tx where note = $1", note); err != nil || n != 0 {
		t.Errorf("the timed-out transaction's row: found %d times, %v; want rolled back", n, err)
	}
	next, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	defer closeQuietly(next)
	var xid *int64
	if err := next.QueryRow(ctx, "select txid_current_if_assigned()").Scan(&xid); err != nil {
		t.Fatalf("next client on the pool of one: %v", err)
	}
	if xid != nil {
		t.Errorf("next client runs inside a transaction with xid %d: the server was handed on dirty", *xid)
	}
	if n, err := queryInt(ctx, next, "select count(*) from edge_idle_tx where note = $1", note); err != nil || n != 0 {
		t.Errorf("next client sees the timed-out transaction's row %d times, %v", n, err)
	}
	closeQuietly(next)

	// Active inside a transaction: a query every 300 ms for 2.5 s, then COMMIT.
	active, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	defer closeQuietly(active)
	tx, err := active.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); time.Since(start) < 2500*time.Millisecond; time.Sleep(300 * time.Millisecond) {
		if _, err := tx.Exec(ctx, "insert into edge_idle_tx values ($1)", note+"-active"); err != nil {
			t.Fatalf("client active in a transaction cut after %v: %v", time.Since(start), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit of an active transaction: %v", err)
	}
	if n, err := queryInt(ctx, direct, "select count(*) from edge_idle_tx where note = $1", note+"-active"); err != nil || n < 5 {
		t.Errorf("the active transaction's rows: %d, %v", n, err)
	}
}

// rawLogin dials addr and logs in as l; who names the client in errors.
func rawLogin(addr string, l Login, who string) (*RawConn, error) {
	r, err := RawDial(addr)
	if err != nil {
		return nil, err
	}
	if err := r.Startup(l, nil); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: startup: %w", who, err)
	}
	return r, nil
}

// expectTimeoutFatal waits for r's FATAL with code, which must come no sooner than earliest
// and within latest, then for the close.
func expectTimeoutFatal(r *RawConn, who, code string, earliest, latest time.Duration) error {
	start := time.Now()
	pgErr, err := r.ReadError(latest)
	if err != nil {
		return fmt.Errorf("%s: no FATAL %s within %v: %w", who, code, latest, err)
	}
	after := time.Since(start)
	if pgErr.Code != code || pgErr.Severity != "FATAL" {
		return fmt.Errorf("%s: got %s %s %q, want FATAL %s", who, pgErr.Severity, pgErr.Code, pgErr.Message, code)
	}
	if after < earliest {
		return fmt.Errorf("%s: FATAL %s after only %v", who, code, after)
	}
	if err := r.ExpectClosed(3 * time.Second); err != nil {
		return fmt.Errorf("%s: after the FATAL: %w", who, err)
	}
	return nil
}

// postgresIdleCode connects straight to the shared cluster with setting = 1000 ms, goes idle
// (inside BEGIN when inTx) and returns the SQLSTATE PostgreSQL ends the session with.
func postgresIdleCode(t *testing.T, setting string, inTx bool) string {
	t.Helper()
	r, err := RawDial(shared.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Startup(Alice, map[string]string{"options": "-c " + setting + "=1000"}); err != nil {
		t.Fatalf("direct connection with %s: %v", setting, err)
	}
	if inTx {
		if _, err := r.SimpleQuery("begin", 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	pgErr, err := r.ReadError(5 * time.Second)
	if err != nil {
		t.Fatalf("PostgreSQL with %s = 1000: %v", setting, err)
	}
	t.Logf("PostgreSQL's %s: %s %s %q", setting, pgErr.Severity, pgErr.Code, pgErr.Message)
	return pgErr.Code
}

// TestMaxClientConnections: with max_client_connections = 5, the 6th client gets FATAL 53300
// (PostgreSQL's "sorry, too many clients already" code) mentioning "too many clients" and
// is closed at once; the 5 keep working; once one leaves, a new client is admitted, and the
// next one is refused again.
func TestMaxClientConnections(t *testing.T) {
	p := startProxyExtra(t, withMetrics(t, DefaultConfig(shared)), "max_client_connections = 5")
	ctx := testCtx(t, 50*time.Second)
	var conns []*pgx.Conn
	for i := 0; i < 5; i++ {
		c, err := p.Connect(ctx, Alice)
		if err != nil {
			t.Fatalf("client %d of 5: %v", i+1, err)
		}
		conns = append(conns, c)
		defer closeQuietly(c)
	}
	refusedSixth := func(what string) {
		t.Helper()
		pgErr, admitted, err := startupOrRefusal(p.Addr(), Alice)
		if admitted != nil {
			admitted.Close()
			t.Fatalf("%s admitted beyond max_client_connections = 5", what)
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if pgErr.Code != "53300" || pgErr.Severity != "FATAL" || !containsAny(pgErr.Message, []string{"too many clients"}) {
			t.Errorf("%s: got %s %s %q, want FATAL 53300 mentioning \"too many clients\"", what, pgErr.Severity, pgErr.Code, pgErr.Message)
		}
		t.Logf("%s: %s %s %q", what, pgErr.Severity, pgErr.Code, pgErr.Message)
	}
	refusedSixth("6th client")
	if c, err := p.Connect(ctx, Alice); err == nil {
		closeQuietly(c)
		t.Error("pgx 6th client admitted beyond max_client_connections = 5")
	} else {
		t.Logf("pgx 6th client: %v", err)
	}
	for i, c := range conns {
		if n, err := queryInt(ctx, c, "select 10 + 1"); err != nil || n != 11 {
			t.Errorf("client %d of 5 after the refusals: %d, %v", i+1, n, err)
		}
	}
	closeQuietly(conns[0])
	// pgdogd counts a connection out before it counts it closed: once opened - closed is 4,
	// the client that left (and every refused one) no longer counts against the limit.
	var open float64
	if !waitFor(waitLimit, func() bool {
		open = p.events(t, "client_opened") - p.events(t, "client_closed")
		return open == 4
	}) {
		t.Fatalf("pgdogd counts %v client connections open %v after one of the 5 left, want 4", open, waitLimit)
	}
	replacement, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatalf("no client admitted after one of the 5 left: %v", err)
	}
	defer closeQuietly(replacement)
	if _, err := queryInt(ctx, replacement, "select 1"); err != nil {
		t.Errorf("replacement client: %v", err)
	}
	refusedSixth("6th client after the replacement")
}

// startupOrRefusal connects to addr and returns either the refusal (a server that answers
// at once, before any startup packet, is read first so that the answer is not lost to a
// reset) or the admitted connection after a full startup as l.
func startupOrRefusal(addr string, l Login) (*pgconn.PgError, *RawConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot dial %s: %w", addr, err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	var pre []byte
	switch {
	case n > 0:
		pre = append(pre, buf[:n]...)
	case err != nil && !os.IsTimeout(err):
		c.Close()
		return nil, nil, fmt.Errorf("connection closed before any answer: %w", err)
	}
	r := &RawConn{Conn: c, FE: pgproto3.NewFrontend(io.MultiReader(bytes.NewReader(pre), c), c)}
	if len(pre) > 0 {
		pgErr, err := r.ReadError(3 * time.Second)
		if err != nil {
			c.Close()
			return nil, nil, fmt.Errorf("unsolicited answer is not an ErrorResponse: %w", err)
		}
		return pgErr, nil, closedAfter(r)
	}
	err = r.Startup(l, nil)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr, nil, closedAfter(r)
	}
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return nil, r, nil
}

// closedAfter checks that r's peer closes after its error, and closes r.
func closedAfter(r *RawConn) error {
	defer r.Close()
	if err := r.ExpectClosed(3 * time.Second); err != nil {
		return fmt.Errorf("after the refusal: %w", err)
	}
	return nil
}
