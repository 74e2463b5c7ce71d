// TLS on both sides: psql and pgx over TLS (require, verify-full), tls_client_required, mutual
// TLS, pgdogd to a hostssl-only PostgreSQL (tls_verify), certificates re-read on RELOAD and
// SIGHUP, direct TLS negotiation; and startProxyExtra, the harness of the network-edge tests.

package testsuite

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestTLSClientSSLModes: with tls_certificate and tls_private_key, psql and pgx connect with
// sslmode=require and verify-full (the client side of the connection is TLS), a raw client
// negotiates TLS 1.2 after an SSLRequest, and pooling works as usual over TLS.
func TestTLSClientSSLModes(t *testing.T) {
	tc := NewTestCerts(t)
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 2 // alice: six clients share two servers below
	p := startProxyExtra(t, cfg, tlsListenLines(tc.ServerCert, tc.ServerKey)...)
	ctx := testCtx(t, 55*time.Second)

	t.Run("psql require", func(t *testing.T) {
		out, err := psqlEnv(ctx, p.Endpoint, Alice, []string{"PGSSLMODE=require"},
			"-At", "-c", `\conninfo`, "-c", "select 'over tls'")
		if err != nil || !strings.Contains(out, "SSL connection") || !strings.Contains(out, "over tls") {
			t.Fatalf("psql sslmode=require: %v\n%s", err, out)
		}
		t.Logf("psql \\conninfo: %s", strings.TrimSpace(out))
	})
	t.Run("psql verify-full", func(t *testing.T) {
		out, err := psqlEnv(ctx, p.Endpoint, Alice, []string{"PGSSLMODE=verify-full", "PGSSLROOTCERT=" + tc.CAFile},
			"-At", "-c", `\conninfo`, "-c", "select 'verified'")
		if err != nil || !strings.Contains(out, "SSL connection") || !strings.Contains(out, "verified") {
			t.Fatalf("psql sslmode=verify-full: %v\n%s", err, out)
		}
	})
	for _, mode := range [][]string{
		{"sslmode", "require"},
		{"sslmode", "verify-full", "sslrootcert", tc.CAFile},
	} {
		t.Run("pgx "+mode[1], func(t *testing.T) {
			conn, err := edgeConnect(ctx, p.URL(Alice, mode...))
			if err != nil {
				t.Fatalf("pgx %v: %v", mode, err)
			}
			defer closeQuietly(conn)
			st, err := clientTLSState(conn)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.PeerCertificates[0].SerialNumber; got.Cmp(tc.Server.Cert.SerialNumber) != 0 {
				t.Errorf("server certificate serial %v, want %v (tls_certificate's)", got, tc.Server.Cert.SerialNumber)
			}
			if n, err := queryInt(ctx, conn, "select 41 + 1"); err != nil || n != 42 {
				t.Errorf("query over TLS: %d, %v", n, err)
			}
			t.Logf("pgx %s: %s, %s", mode[1], tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
		})
	}
	t.Run("raw SSLRequest TLS 1.2", func(t *testing.T) {
		r, st, err := rawTLSDial(p.Addr(), false, &tls.Config{RootCAs: tc.CA.Pool(), ServerName: "127.0.0.1",
			MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if st.Version != tls.VersionTLS12 {
			t.Errorf("negotiated %s, want TLS 1.2", tls.VersionName(st.Version))
		}
		if err := r.Startup(Alice, nil); err != nil {
			t.Fatalf("startup over TLS 1.2: %v", err)
		}
		if rows, err := r.SimpleQuery("select 'tls12'", 5*time.Second); err != nil || fmt.Sprint(rows) != "[[tls12]]" {
			t.Fatalf("query over TLS 1.2: %v, %v", rows, err)
		}
	})
	t.Run("pooling", func(t *testing.T) {
		const clients, rounds = 6, 15
		var mu sync.Mutex
		pids := map[uint32]bool{}
		errs := make(chan error, clients)
		var wg sync.WaitGroup
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- tlsPoolClient(ctx, p, rounds, func(pid uint32) { mu.Lock(); pids[pid] = true; mu.Unlock() })
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if len(pids) == 0 || len(pids) > 2 {
			t.Errorf("%d clients over TLS used %d server backends, want 1..2 (pool_size 2)", clients, len(pids))
		}
	})
}

// tlsPoolClient connects with sslmode=require and runs rounds transactions, reporting the
// backend pid each ran on.
func tlsPoolClient(ctx context.Context, p *Proxy, rounds int, seen func(uint32)) error {
	conn, err := edgeConnect(ctx, p.URL(Alice, "sslmode", "require"))
	if err != nil {
		return fmt.Errorf("pgx over TLS: %w", err)
	}
	defer closeQuietly(conn)
	if _, err := clientTLSState(conn); err != nil {
		return err
	}
	for i := 0; i < rounds; i++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("round %d: begin: %w", i, err)
		}
		var pid int64
		if err := tx.QueryRow(ctx, "select pg_backend_pid() from pg_sleep(0.005)").Scan(&pid); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("round %d: query: %w", i, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("round %d: commit: %w", i, err)
		}
		seen(uint32(pid))
	}
	return nil
}

// TestTLSClientRequired: tls_client_required = true refuses a plaintext startup with FATAL
// 28000 (the SQLSTATE of PostgreSQL's own refusal of a non-SSL connection by a hostssl-only
// pg_hba) and ends the connection; sslmode=require and libpq's default (prefer) connect.
func TestTLSClientRequired(t *testing.T) {
	tc := NewTestCerts(t)
	p := startProxyExtra(t, DefaultConfig(shared),
		append(tlsListenLines(tc.ServerCert, tc.ServerKey), "tls_client_required = true")...)
	ctx := testCtx(t, 50*time.Second)

	t.Run("raw plaintext startup", func(t *testing.T) {
		r, err := RawDial(p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		err = r.Startup(Alice, nil)
		pgErr := expectFatal(t, err, "28000", "plaintext startup with tls_client_required")
		t.Logf("plaintext refusal: %s %s: %s", pgErr.Severity, pgErr.Code, pgErr.Message)
		if err := r.ExpectClosed(3 * time.Second); err != nil {
			t.Errorf("after the refusal: %v", err)
		}
	})
	t.Run("pgx sslmode=disable", func(t *testing.T) {
		conn, err := edgeConnect(ctx, p.URL(Alice, "sslmode", "disable"))
		if err == nil {
			closeQuietly(conn)
			t.Fatal("sslmode=disable admitted with tls_client_required = true")
		}
		if sqlState(err) != "28000" {
			t.Errorf("sslmode=disable refused with %v, want SQLSTATE 28000", err)
		}
	})
	t.Run("pgx sslmode=require", func(t *testing.T) {
		conn, err := edgeConnect(ctx, p.URL(Alice, "sslmode", "require"))
		if err != nil {
			t.Fatalf("sslmode=require: %v", err)
		}
		defer closeQuietly(conn)
		if _, err := clientTLSState(conn); err != nil {
			t.Error(err)
		}
		if n, err := queryInt(ctx, conn, "select 7"); err != nil || n != 7 {
			t.Errorf("query: %d, %v", n, err)
		}
	})
	t.Run("psql prefer", func(t *testing.T) {
		out, err := psqlEnv(ctx, p.Endpoint, Alice, []string{"PGSSLMODE=prefer"}, "-At", "-c", `\conninfo`, "-c", "select 'ok'")
		if err != nil || !strings.Contains(out, "SSL connection") {
			t.Fatalf("psql sslmode=prefer: %v\n%s", err, out)
		}
	})
}

// TestTLSMutual: with tls_client_ca_certificate, a client presenting a certificate signed by
// that CA connects (pgx and psql); one without a certificate, or with a certificate of an
// unrelated CA, is refused by the certificate check (not by TLS being off).
func TestTLSMutual(t *testing.T) {
	tc := NewTestCerts(t)
	p := startProxyExtra(t, DefaultConfig(shared),
		append(tlsListenLines(tc.ServerCert, tc.ServerKey), "tls_client_ca_certificate = "+strconv.Quote(tc.CAFile))...)
	ctx := testCtx(t, 50*time.Second)

	t.Run("pgx with the client certificate", func(t *testing.T) {
		conn, err := edgeConnect(ctx, p.URL(Alice, "sslmode", "verify-full", "sslrootcert", tc.CAFile,
			"sslcert", tc.ClientCert, "sslkey", tc.ClientKey))
		if err != nil {
			t.Fatalf("client certificate signed by tls_client_ca_certificate refused: %v", err)
		}
		defer closeQuietly(conn)
		if _, err := clientTLSState(conn); err != nil {
			t.Error(err)
		}
		if n, err := queryInt(ctx, conn, "select 3"); err != nil || n != 3 {
			t.Errorf("query: %d, %v", n, err)
		}
	})
	t.Run("psql with the client certificate", func(t *testing.T) {
		out, err := psqlEnv(ctx, p.Endpoint, Alice, []string{"PGSSLMODE=verify-full", "PGSSLROOTCERT=" + tc.CAFile,
			"PGSSLCERT=" + tc.ClientCert, "PGSSLKEY=" + tc.ClientKey}, "-At", "-c", `\conninfo`, "-c", "select 'mutual'")
		if err != nil || !strings.Contains(out, "SSL connection") || !strings.Contains(out, "mutual") {
			t.Fatalf("psql with a client certificate: %v\n%s", err, out)
		}
	})
	refused := func(t *testing.T, what string, params ...string) {
		conn, err := edgeConnect(ctx, p.URL(Alice, params...))
		if err == nil {
			_, qerr := queryInt(ctx, conn, "select 1")
			closeQuietly(conn)
			t.Fatalf("client %s admitted (its query: %v)", what, qerr)
		}
		if strings.Contains(err.Error(), "refused TLS") {
			t.Fatalf("client %s refused because pgdogd refused TLS, not by the certificate check: %v", what, err)
		}
		t.Logf("client %s refused: %v", what, err)
	}
	t.Run("pgx without a certificate", func(t *testing.T) {
		refused(t, "without a certificate", "sslmode", "require")
	})
	t.Run("pgx with another CA's certificate", func(t *testing.T) {
		refused(t, "with another CA's certificate", "sslmode", "require", "sslcert", tc.OtherClientCert, "sslkey", tc.OtherClientKey)
	})
	t.Run("psql without a certificate", func(t *testing.T) {
		none := filepath.Join(t.TempDir(), "none")
		out, err := psqlEnv(ctx, p.Endpoint, Alice, []string{"PGSSLMODE=require", "PGSSLCERT=" + none + ".crt",
			"PGSSLKEY=" + none + ".key"}, "-At", "-c", "select 'should not run'")
		if err == nil {
			t.Fatalf("psql without a client certificate admitted:\n%s", out)
		}
		if strings.Contains(out, "does not support SSL") {
			t.Fatalf("psql refused because pgdogd refused TLS, not by the certificate check:\n%s", out)
		}
		t.Logf("psql without a certificate: %s", strings.TrimSpace(out))
	})
}

// TestTLSServerVerify: pgdogd in front of a PostgreSQL that accepts only hostssl connections.
// tls_verify = "verify_full" with an unrelated CA gives the client a FATAL naming the
// certificate problem (and pgdogd logs it); with the right CA, and with verify_ca and prefer,
// queries work over TLS; tls_verify = "disabled" gives a clear connection error.
func TestTLSServerVerify(t *testing.T) {
	tc := NewTestCerts(t)
	sc := StartSSLCluster(t, tc.Server)
	ctx := testCtx(t, 55*time.Second)

	// PostgreSQL itself: plaintext refused with 28000, TLS accepted.
	if conn, err := sc.Connect(ctx, Alice); err == nil {
		closeQuietly(conn)
		t.Fatal("the hostssl-only cluster accepted a plaintext connection")
	} else {
		if sqlState(err) != "28000" {
			t.Errorf("PostgreSQL refused plaintext with %v, want SQLSTATE 28000", err)
		}
		t.Logf("PostgreSQL's own plaintext refusal: %v", err)
	}
	direct, err := edgeConnect(ctx, sc.URL(Alice, "sslmode", "verify-full", "sslrootcert", tc.CAFile))
	if err != nil {
		t.Fatalf("direct verify-full connection to the hostssl-only cluster: %v", err)
	}
	closeQuietly(direct)

	verify := func(mode, ca string) []string {
		return []string{"tls_verify = " + strconv.Quote(mode), "tls_server_ca_certificate = " + strconv.Quote(ca)}
	}
	type serverCase struct {
		name  string
		lines []string
		ok    bool
		words []string // for a failure: the client's message names one of these (case-insensitive)
		log   string   // for a failure: pgdogd's log holds this (case-insensitive)
	}
	cases := []serverCase{
		{"verify_full with an unrelated CA", verify("verify_full", tc.OtherCAFile), false,
			[]string{"certificate", "x509", "tls"}, "certificate"},
		{"verify_full", verify("verify_full", tc.CAFile), true, nil, ""},
		{"verify_ca", verify("verify_ca", tc.CAFile), true, nil, ""},
		{"prefer (the default)", nil, true, nil, ""},
		{"disabled", []string{`tls_verify = "disabled"`}, false,
			[]string{"pg_hba", "ssl", "tls", "encryption"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := startProxyExtra(t, DefaultConfig(sc), c.lines...)
			var ssl bool
			err := connectAndQuery(ctx, p.Endpoint, Alice, "select ssl from pg_stat_ssl where pid = pg_backend_pid()", &ssl)
			if c.ok {
				if err != nil {
					t.Fatalf("client through pgdogd: %v", err)
				}
				if !ssl {
					t.Errorf("pgdogd's server connection is not TLS according to pg_stat_ssl")
				}
				return
			}
			if err == nil {
				t.Fatal("client through pgdogd was served; want a connection error")
			}
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("client error %v is not a PostgreSQL error message", err)
			}
			if pgErr.Severity != "FATAL" {
				t.Errorf("error severity %q, want FATAL (%s)", pgErr.Severity, pgErr.Message)
			}
			if !containsAny(pgErr.Message+" "+pgErr.Detail, c.words) {
				t.Errorf("error %s %q does not mention any of %q", pgErr.Code, pgErr.Message, c.words)
			}
			t.Logf("client sees: %s %s: %s", pgErr.Severity, pgErr.Code, pgErr.Message)
			if c.log != "" && !waitFor(waitLimit, func() bool { return containsAny(p.Logs(), []string{c.log}) }) {
				t.Errorf("pgdogd's log does not mention %q:\n%s", c.log, p.Logs())
			}
		})
	}
}

// TestTLSReloadCertificate: after the files named by tls_certificate and tls_private_key are
// replaced by a renewed certificate (new serial, new key, other validity), RELOAD makes new
// clients see it; an existing TLS client keeps working; SIGHUP does the same.
func TestTLSReloadCertificate(t *testing.T) {
	tc := NewTestCerts(t)
	dir := t.TempDir()
	issue := func(serial int64, notBefore time.Time, validity time.Duration) {
		t.Helper()
		leaf, err := tc.CA.Issue(LeafSpec{CommonName: "127.0.0.1", Hosts: ServerHosts, Serial: big.NewInt(serial),
			NotBefore: notBefore, NotAfter: notBefore.Add(validity)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := leaf.WriteFiles(dir, "live"); err != nil {
			t.Fatal(err)
		}
	}
	issue(1001, time.Now().Add(-48*time.Hour), 7*24*time.Hour)
	p := startProxyExtra(t, consoleConfig(shared),
		tlsListenLines(filepath.Join(dir, "live.crt"), filepath.Join(dir, "live.key"))...)
	ctx := testCtx(t, 50*time.Second)
	url := p.URL(Alice, "sslmode", "verify-full", "sslrootcert", tc.CAFile)
	serialSeen := func() (int64, error) {
		conn, err := edgeConnect(ctx, url)
		if err != nil {
			return 0, err
		}
		defer closeQuietly(conn)
		st, err := clientTLSState(conn)
		if err != nil {
			return 0, err
		}
		if _, err := queryInt(ctx, conn, "select 1"); err != nil {
			return 0, err
		}
		return st.PeerCertificates[0].SerialNumber.Int64(), nil
	}
	if s, err := serialSeen(); err != nil || s != 1001 {
		t.Fatalf("first certificate: serial %d, %v; want 1001", s, err)
	}
	old, err := edgeConnect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer closeQuietly(old)

	issue(1002, time.Now().Add(-time.Minute), 90*24*time.Hour)
	admin := p.MustConnect(t, consoleLogin)
	mustConsole(t, admin, "RELOAD")
	if s, err := serialSeen(); err != nil || s != 1002 {
		t.Errorf("after RELOAD with a renewed certificate: serial %d, %v; want 1002", s, err)
	}
	if n, err := queryInt(ctx, old, "select 5"); err != nil || n != 5 {
		t.Errorf("TLS client from before the RELOAD: %d, %v", n, err)
	}

	issue(1003, time.Now().Add(-time.Minute), 30*24*time.Hour)
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var last int64
	var lastErr error
	if !waitFor(waitLimit, func() bool { last, lastErr = serialSeen(); return last == 1003 }) {
		t.Errorf("after SIGHUP with a renewed certificate: serial %d, %v; want 1003", last, lastErr)
	}
}

// TestTLSDirectNegotiation: a client that opens TLS at once (no SSLRequest; ALPN
// "postgresql", PostgreSQL 17's sslnegotiation=direct) then starts up and authenticates gets
// ReadyForQuery; pgx with sslnegotiation=direct works too.
func TestTLSDirectNegotiation(t *testing.T) {
	tc := NewTestCerts(t)
	p := startProxyExtra(t, DefaultConfig(shared), tlsListenLines(tc.ServerCert, tc.ServerKey)...)
	ctx := testCtx(t, 40*time.Second)

	t.Run("raw", func(t *testing.T) {
		r, st, err := rawTLSDial(p.Addr(), true, &tls.Config{RootCAs: tc.CA.Pool(), ServerName: "127.0.0.1",
			NextProtos: []string{"postgresql"}, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if st.NegotiatedProtocol != "postgresql" {
			t.Errorf("ALPN protocol %q, want \"postgresql\"", st.NegotiatedProtocol)
		}
		if err := r.Startup(Alice, nil); err != nil {
			t.Fatalf("startup after direct TLS: %v", err)
		}
		if rows, err := r.SimpleQuery("select 'direct'", 5*time.Second); err != nil || fmt.Sprint(rows) != "[[direct]]" {
			t.Fatalf("query after direct TLS: %v, %v", rows, err)
		}
	})
	t.Run("pgx sslnegotiation=direct", func(t *testing.T) {
		conn, err := edgeConnect(ctx, p.URL(Alice, "sslmode", "verify-full", "sslrootcert", tc.CAFile, "sslnegotiation", "direct"))
		if err != nil {
			t.Fatalf("pgx sslnegotiation=direct: %v", err)
		}
		defer closeQuietly(conn)
		if n, err := queryInt(ctx, conn, "select 9"); err != nil || n != 9 {
			t.Errorf("query: %d, %v", n, err)
		}
	})
}

// --- helpers of the network-edge tests (TLS, timeouts, fd exhaustion, shutdown edges) ---

// tlsListenLines are the [general] lines that turn client TLS on with a certificate and key.
func tlsListenLines(cert, key string) []string {
	return []string{"tls_certificate = " + strconv.Quote(cert), "tls_private_key = " + strconv.Quote(key)}
}

// startProxyExtra is StartProxy with extra `key = value` lines in pgdog.toml's [general]
// table, for keys General has no field for.
func startProxyExtra(t testing.TB, cfg ProxyConfig, extra ...string) *Proxy {
	t.Helper()
	return StartProxyWith(t, cfg, nil, extra...)
}

// edgeConnect opens a pgx connection from a connection string, simple protocol by default.
func edgeConnect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("cannot parse pgx config: %w", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return pgx.ConnectConfig(ctx, cfg)
}

// connectAndQuery connects to e as l without TLS, runs a one-value query into dst and closes.
func connectAndQuery(ctx context.Context, e Endpoint, l Login, sql string, dst any) error {
	conn, err := e.Connect(ctx, l)
	if err != nil {
		return err
	}
	defer closeQuietly(conn)
	return conn.QueryRow(ctx, sql).Scan(dst)
}

// clientTLSState returns the TLS state of a pgx connection, or an error if it is not TLS.
func clientTLSState(conn *pgx.Conn) (tls.ConnectionState, error) {
	tc, ok := conn.PgConn().Conn().(*tls.Conn)
	if !ok {
		return tls.ConnectionState{}, fmt.Errorf("client connection is a %T, not TLS", conn.PgConn().Conn())
	}
	st := tc.ConnectionState()
	if !st.HandshakeComplete || len(st.PeerCertificates) == 0 {
		return st, errors.New("TLS connection without a completed handshake or a server certificate")
	}
	return st, nil
}

// psqlEnv runs psql as Endpoint.Psql does, with env added last (so that PGSSLMODE and the
// like override clientEnv's).
func psqlEnv(ctx context.Context, e Endpoint, l Login, env []string, args ...string) (string, error) {
	cmd := e.PsqlCmd(ctx, l, args...)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sslRequest is the 8-byte SSLRequest packet.
var sslRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// rawTLSDial opens TLS to addr, directly or after an SSLRequest answered 'S', with a 10 s
// bound, and returns a RawConn over it (nothing sent yet) and the handshake's state.
func rawTLSDial(addr string, direct bool, cfg *tls.Config) (*RawConn, tls.ConnectionState, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, tls.ConnectionState{}, fmt.Errorf("cannot dial %s: %w", addr, err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if !direct {
		if _, err := c.Write(sslRequest); err != nil {
			c.Close()
			return nil, tls.ConnectionState{}, fmt.Errorf("cannot send SSLRequest: %w", err)
		}
		var b [1]byte
		if _, err := io.ReadFull(c, b[:]); err != nil || b[0] != 'S' {
			c.Close()
			return nil, tls.ConnectionState{}, fmt.Errorf("SSLRequest answered %q, %v; want 'S'", b[:], err)
		}
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, tls.ConnectionState{}, fmt.Errorf("TLS handshake (direct=%v): %w", direct, err)
	}
	_ = c.SetDeadline(time.Time{})
	return &RawConn{Conn: tc, FE: pgproto3.NewFrontend(tc, tc)}, tc.ConnectionState(), nil
}

// expectFatal fails t unless err holds a FATAL *pgconn.PgError with SQLSTATE code.
func expectFatal(t *testing.T, err error, code, what string) *pgconn.PgError {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("%s: got %v, want FATAL %s", what, err, code)
	}
	if pgErr.Code != code || pgErr.Severity != "FATAL" {
		t.Errorf("%s: got %s %s %q, want FATAL %s", what, pgErr.Severity, pgErr.Code, pgErr.Message, code)
	}
	return pgErr
}

// containsAny reports whether s holds one of words, ignoring case.
func containsAny(s string, words []string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
