// Shutdown edges: a query still running at shutdown_timeout gets 57P01 before the close, and
// during shutdown an SSLRequest is answered 'N' (or 'S' with TLS) before the startup is
// refused with 57P03, so that libpq's default sslmode=prefer shows the shutdown message.

package testsuite

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestShutdownEdgeRunningQuery: with shutdown_timeout = 1000, a raw client and psql each run
// a 20 s query; SIGINT; once the timeout passes both get ErrorResponse FATAL 57P01
// "terminating connection due to administrator command" before the connection closes (the
// wording and code of PostgreSQL's pg_terminate_backend), and pgdogd exits 0.
func TestShutdownEdgeRunningQuery(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.General.ShutdownTimeout = 1000
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 50*time.Second)
	tag := fmt.Sprintf("edge57p01_%d", time.Now().UnixNano())
	direct := shared.MustConnect(t, Super)
	t.Cleanup(func() { // the server may still sleep after pgdogd left it
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = direct.Exec(cctx, "select pg_terminate_backend(pid) from pg_stat_activity where query like '%' || $1 || '%' and pid <> pg_backend_pid()", tag)
	})

	r, err := rawStartup(t, p.Addr(), Alice)
	if err != nil {
		t.Fatal(err)
	}
	r.FE.Send(&pgproto3.Query{String: "select pg_sleep(20) /* " + tag + " raw */"})
	if err := r.FE.Flush(); err != nil {
		t.Fatal(err)
	}
	psqlDone := make(chan string, 1)
	go func() {
		out, _ := p.Psql(ctx, Alice, "-c", "select pg_sleep(20) /* "+tag+" psql */")
		psqlDone <- out
	}()
	running := func() int64 {
		n, err := queryInt(ctx, direct, "select count(*) from pg_stat_activity where state = 'active' and query like '%' || $1 || '%' and pid <> pg_backend_pid()", tag)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if !waitFor(10*time.Second, func() bool { return running() == 2 }) {
		t.Fatalf("the two 20 s queries are not running on the server (%d are)", running())
	}
	signalled := time.Now()
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	pgErr, err := r.ReadError(8 * time.Second)
	after := time.Since(signalled)
	if err != nil {
		t.Errorf("client with a running query at shutdown_timeout: %v (after %v); want ErrorResponse 57P01 before the close", err, after.Round(time.Millisecond))
	} else {
		if pgErr.Code != "57P01" || pgErr.Severity != "FATAL" || pgErr.Message != "terminating connection due to administrator command" {
			t.Errorf("got %s %s %q, want FATAL 57P01 \"terminating connection due to administrator command\"", pgErr.Severity, pgErr.Code, pgErr.Message)
		}
		if after < 800*time.Millisecond {
			t.Errorf("the running query was ended %v after SIGINT, before shutdown_timeout (1 s)", after)
		}
		if err := r.ExpectClosed(3 * time.Second); err != nil {
			t.Errorf("after the 57P01: %v", err)
		}
		t.Logf("57P01 arrived %v after SIGINT", after.Round(time.Millisecond))
	}
	select {
	case out := <-psqlDone:
		if !strings.Contains(out, "terminating connection due to administrator command") {
			t.Errorf("psql with a running query at shutdown_timeout printed:\n%s\nwant the 57P01 message", out)
		}
		t.Logf("psql: %s", strings.TrimSpace(out))
	case <-time.After(10 * time.Second):
		t.Error("psql still running 10 s after SIGINT")
	}
	code, err := p.Wait(cfgShutdownBound(cfg) + 3*time.Second)
	if err != nil || code != 0 {
		t.Errorf("pgdogd after SIGINT: exit %d, %v; want exit 0", code, err)
	}
}

// TestShutdownEdgeSSLRequest: while pgdogd waits for an open transaction at shutdown, a new
// connection's SSLRequest is answered 'N' (without TLS) or 'S' (with TLS, then the handshake)
// and its startup is refused with FATAL 57P03; psql with sslmode=prefer (libpq's default)
// shows that FATAL rather than "server sent an error response during SSL exchange".
func TestShutdownEdgeSSLRequest(t *testing.T) {
	t.Run("without TLS", func(t *testing.T) { shutdownSSLRequest(t, nil) })
	t.Run("with TLS", func(t *testing.T) { shutdownSSLRequest(t, NewTestCerts(t)) })
}

func shutdownSSLRequest(t *testing.T, tc *TestCerts) {
	cfg := DefaultConfig(shared)
	cfg.General.ShutdownTimeout = 10000
	cfg.Plain = tc == nil // without TLS, whatever the suite's mode
	var lines []string
	if tc != nil {
		lines = tlsListenLines(tc.ServerCert, tc.ServerKey)
	}
	p := startProxyExtra(t, cfg, lines...)
	ctx := testCtx(t, 40*time.Second)
	holder := p.MustConnect(t, Alice)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "select 1"); err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// pgdogd logs this once it has begun shutting down (and refuses new clients); that it
	// does not exit with the transaction open is proven by the COMMIT below.
	p.waitLog(t, `msg="shutting down"`)
	if !p.Alive() {
		t.Fatal("pgdogd exited with a transaction open")
	}

	func() {
		r, err := RawDial(p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := r.Write(sslRequest); err != nil {
			t.Fatal(err)
		}
		_ = r.SetReadDeadline(time.Now().Add(3 * time.Second))
		var b [1]byte
		if _, err := io.ReadFull(r.Conn, b[:]); err != nil {
			t.Errorf("SSLRequest during shutdown: no answer: %v", err)
			return
		}
		switch {
		case b[0] == 'S' && tc != nil:
			tlsConn := tls.Client(r.Conn, &tls.Config{RootCAs: tc.CA.Pool(), ServerName: "127.0.0.1"})
			_ = tlsConn.SetDeadline(time.Now().Add(5 * time.Second))
			if err := tlsConn.Handshake(); err != nil {
				t.Errorf("TLS handshake during shutdown: %v", err)
				return
			}
			_ = tlsConn.SetDeadline(time.Time{})
			r = &RawConn{Conn: tlsConn, FE: pgproto3.NewFrontend(tlsConn, tlsConn)}
		case b[0] == 'N':
		default:
			t.Errorf("SSLRequest during shutdown answered %q, want 'N' (or 'S' with TLS)", b[:])
			return
		}
		err = r.Startup(Alice, nil)
		pgErr := expectFatal(t, err, "57P03", "startup during shutdown")
		t.Logf("SSLRequest answered %q, then %s %s %q", b[:], pgErr.Severity, pgErr.Code, pgErr.Message)
		if err := r.ExpectClosed(3 * time.Second); err != nil {
			t.Errorf("after the 57P03: %v", err)
		}
	}()

	out, err := psqlEnv(ctx, p.Endpoint, Alice, []string{"PGSSLMODE=prefer"}, "-c", "select 1")
	if err == nil {
		t.Errorf("psql admitted during shutdown:\n%s", out)
	}
	if strings.Contains(out, "SSL exchange") || !strings.Contains(out, "FATAL") || !containsAny(out, []string{"shutting down"}) {
		t.Errorf("psql (sslmode=prefer) during shutdown printed:\n%s\nwant the FATAL shutdown message", out)
	}
	t.Logf("psql during shutdown: %s", strings.TrimSpace(out))

	if err := tx.Commit(ctx); err != nil {
		t.Errorf("commit of the open transaction during shutdown: %v", err)
	}
	if code, err := p.Wait(cfgShutdownBound(cfg)); err != nil || code != 0 {
		t.Errorf("pgdogd after SIGINT: exit %d, %v; want exit 0", code, err)
	}
}
