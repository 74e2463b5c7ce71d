// connect_test.go tests reaching the server: one that never answers, one that is not there, one without SSL under each tls_verify.

package backend

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

// logins are alice's two ways in to a server that asks for md5: her
// stored hash, answered by hand, and her password, through pgconn.
var logins = []struct{ name, password string }{
	{"md5 hash", aliceHash},
	{"password", "secret"},
}

// mustTLS is NewTLS for settings a test knows to be valid.
func mustTLS(t *testing.T, spec tlsedge.ServerTLS) *TLS {
	t.Helper()
	c, err := NewTLS(spec)
	if err != nil {
		t.Fatalf("NewTLS(%+v): %v", spec, err)
	}
	return c
}

// loginResult is what a Login run on its own goroutine returned.
type loginResult struct {
	c       *Conn
	err     error
	elapsed time.Duration
}

// loginAsync runs Login on its own goroutine.
func loginAsync(t *testing.T, target Target, tlsCfg *TLS) <-chan loginResult {
	done := make(chan loginResult, 1)
	go func() {
		start := time.Now()
		c, err := Login(t.Context(), target, tlsCfg)
		done <- loginResult{c, err, time.Since(start)}
	}()
	return done
}

func TestLoginTimesOut(t *testing.T) {
	// A listener that never accepts: the kernel completes the connection,
	// and nothing ever answers on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name, password, verify string
	}{
		{"md5 hash", aliceHash, "disabled"},
		{"password", "secret", "disabled"},
		{"md5 hash, waiting for the SSLRequest's answer", aliceHash, "prefer"},
		{"password, waiting for the SSLRequest's answer", "secret", "prefer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := Target{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: "alice",
				Password: tc.password, Database: "app", Timeout: timeout}
			var res loginResult
			select {
			case res = <-loginAsync(t, target, mustTLS(t, tlsedge.ServerTLS{Verify: tc.verify})):
			case <-time.After(timeout + 10*time.Second):
				t.Fatalf("Login did not return within connect_timeout %v", timeout)
			}
			if res.err == nil {
				res.c.Close()
				t.Fatal("Login succeeded against a server that never answers")
			}
			if res.elapsed < timeout {
				t.Errorf("Login gave up after %v, before connect_timeout %v: %v", res.elapsed, timeout, res.err)
			}
			if got, want := ClientMessage(res.err), "server did not answer within connect_timeout"; got != want {
				t.Errorf("ClientMessage(%v) = %q, want %q", res.err, got, want)
			}
		})
	}
}

func TestLoginUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // nothing listens on port any more
	for _, tc := range logins {
		t.Run(tc.name, func(t *testing.T) {
			target := Target{Host: "127.0.0.1", Port: port, User: "alice", Password: tc.password, Database: "app", Timeout: 10 * time.Second}
			c, err := Login(t.Context(), target, NoTLS)
			if err == nil {
				c.Close()
				t.Fatal("Login succeeded with nothing listening")
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("got %v, want the connection refused", err)
			}
			if got := ClientMessage(err); got != "server is not reachable" {
				t.Errorf("ClientMessage(%v) = %q", err, got)
			}
		})
	}
}

func TestLoginTLSVerifyAgainstServerWithoutSSL(t *testing.T) {
	for _, tc := range []struct {
		verify    string
		wantLogin bool // else refused for want of SSL
	}{
		{"verify_full", false},
		{"verify_ca", false},
		{"prefer", true},
		{"disabled", true},
	} {
		for _, login := range logins {
			t.Run(tc.verify+"/"+login.name, func(t *testing.T) {
				srv := md5Server([4]byte{1, 2, 3, 4}, answer01020304) // refuses SSL
				f := startFake(t, srv.serve)
				c, err := Login(t.Context(), f.target(login.password), mustTLS(t, tlsedge.ServerTLS{Verify: tc.verify}))
				if !tc.wantLogin {
					checkNoSSL(t, c, err)
					return
				}
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				defer c.Close()
				if seen := srv.next(t); seen.askedSSL && tc.verify == "disabled" {
					t.Error("tls_verify = disabled, yet Login asked for SSL")
				}
				checkConn(t, c)
			})
		}
	}
}

// checkNoSSL checks a login refused because the server has no SSL.
func checkNoSSL(t *testing.T, c *Conn, err error) {
	t.Helper()
	if err == nil {
		c.Close()
		t.Fatal("Login succeeded in plaintext although tls_verify requires SSL")
	}
	if got, want := ClientMessage(err), "server does not support SSL, but tls_verify requires it"; got != want {
		t.Errorf("ClientMessage(%v) = %q, want %q", err, got, want)
	}
}
