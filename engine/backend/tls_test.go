// tls_test.go tests the server TLS settings, logins over TLS as tls_verify says, and the relay of a TLS connection for an event loop.

package backend

import (
	"crypto/tls"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

func TestNewTLS(t *testing.T) {
	cert := newCert(t, "server", "127.0.0.1")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, tc := range []struct {
		name    string
		spec    tlsedge.ServerTLS
		wantErr bool
	}{
		{"verify_full with a CA", tlsedge.ServerTLS{Verify: "verify_full", CA: cert.caFile}, false},
		{"verify_ca with a CA", tlsedge.ServerTLS{Verify: "verify_ca", CA: cert.caFile}, false},
		{"prefer", tlsedge.ServerTLS{Verify: "prefer"}, false},
		{"disabled", tlsedge.ServerTLS{Verify: "disabled"}, false},
		{"verify_full with a missing CA", tlsedge.ServerTLS{Verify: "verify_full", CA: missing}, true},
		{"verify_ca with a missing CA", tlsedge.ServerTLS{Verify: "verify_ca", CA: missing}, true},
		{"a key as CA", tlsedge.ServerTLS{Verify: "verify_full", CA: writeFile(t, "key.pem", "not a certificate")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewTLS(tc.spec)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "server TLS settings (tls_verify, tls_server_*)") {
					t.Fatalf("got %v, %v; want the settings refused", c, err)
				}
				return
			}
			if err != nil || c == nil || c.spec != tc.spec {
				t.Fatalf("got %+v, %v; want the settings kept", c, err)
			}
		})
	}
}

func TestNewTLSMissingCAIsNotExist(t *testing.T) {
	_, err := NewTLS(tlsedge.ServerTLS{Verify: "verify_full", CA: filepath.Join(t.TempDir(), "missing.pem")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want the missing file named as the cause", err)
	}
}

// writeFile writes text to a new file and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoginOverTLS(t *testing.T) {
	good, otherName, otherCA := newCert(t, "server", "127.0.0.1"), newCert(t, "server elsewhere", "127.0.0.2"), newCert(t, "another CA", "127.0.0.1")
	const unknownCA = "server certificate verification failed (tls_verify): x509: certificate signed by unknown authority"
	for _, tc := range []struct {
		name    string
		server  testCert
		spec    tlsedge.ServerTLS
		wantMsg string // ClientMessage of the failure; none: logged in
	}{
		{"verify_full", good, tlsedge.ServerTLS{Verify: "verify_full", CA: good.caFile}, ""},
		{"verify_ca", good, tlsedge.ServerTLS{Verify: "verify_ca", CA: good.caFile}, ""},
		{"prefer checks nothing", otherName, tlsedge.ServerTLS{Verify: "prefer"}, ""},
		{"verify_ca ignores the name", otherName, tlsedge.ServerTLS{Verify: "verify_ca", CA: otherName.caFile}, ""},
		{"verify_full checks the name", otherName, tlsedge.ServerTLS{Verify: "verify_full", CA: otherName.caFile},
			"server certificate verification failed (tls_verify): x509: certificate is valid for 127.0.0.2, not 127.0.0.1"},
		{"verify_full, unknown CA", good, tlsedge.ServerTLS{Verify: "verify_full", CA: otherCA.caFile}, unknownCA},
		{"verify_ca, unknown CA", good, tlsedge.ServerTLS{Verify: "verify_ca", CA: otherCA.caFile}, unknownCA},
	} {
		for _, login := range logins {
			t.Run(tc.name+"/"+login.name, func(t *testing.T) {
				srv := md5Server([4]byte{1, 2, 3, 4}, answer01020304)
				srv.tls = tc.server.serverConfig()
				f := startFake(t, srv.serve)
				c, err := Login(t.Context(), f.target(login.password), mustTLS(t, tc.spec))
				if tc.wantMsg != "" {
					if err == nil {
						c.Close()
						t.Fatal("Login accepted the server's certificate")
					}
					if got := ClientMessage(err); got != tc.wantMsg {
						t.Fatalf("ClientMessage(%v) = %q, want %q", err, got, tc.wantMsg)
					}
					return
				}
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				defer c.Close()
				checkTLSConn(t, c)
			})
		}
	}
}

// checkTLSConn checks a login over TLS, and a query through LoopConn's
// relay of it.
func checkTLSConn(t *testing.T, c *Conn) {
	t.Helper()
	if _, ok := c.Conn.(*tls.Conn); !ok {
		t.Fatalf("the login's connection is a %T, want a *tls.Conn", c.Conn)
	}
	lc, err := LoopConn(c.Conn)
	if err != nil {
		t.Fatalf("LoopConn: %v", err)
	}
	defer lc.Close()
	if _, ok := lc.(*net.UnixConn); !ok {
		t.Fatalf("LoopConn gave a %T, want the plaintext end of a socketpair", lc)
	}
	checkConn(t, &Conn{Conn: lc, PID: c.PID, Key: c.Key, Params: c.Params})
}

func TestLoopConnKeepsPlainConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	got, err := LoopConn(a)
	if err != nil || got != a {
		t.Fatalf("LoopConn of a plain connection: got %v, %v; want it unchanged", got, err)
	}
}

func TestLoopConnRelaysTLS(t *testing.T) {
	client, server := tlsPair(t, newCert(t, "server", "127.0.0.1"))
	defer server.Close()
	lc, err := LoopConn(client)
	if err != nil {
		t.Fatalf("LoopConn: %v", err)
	}
	defer lc.Close()
	send(t, lc, "ping")
	expect(t, server, "ping")
	send(t, server, "pong")
	expect(t, lc, "pong")

	// Closing the loop's end ends the relay, which closes the TLS connection.
	_ = lc.Close()
	_ = server.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := server.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("after the loop's end closed, the server read %d bytes, %v; want EOF", n, err)
	}
}

// tlsPair is a TLS connection over net.Pipe, handshake done: the client's
// end, verified against c, and the server's.
func tlsPair(t *testing.T, c testCert) (client, server *tls.Conn) {
	t.Helper()
	cp, sp := net.Pipe()
	client = tls.Client(cp, &tls.Config{RootCAs: c.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	server = tls.Server(sp, c.serverConfig())
	done := make(chan error, 1)
	go func() { done <- server.Handshake() }()
	if err := client.Handshake(); err != nil {
		_ = client.Close()
		_ = server.Close()
		<-done
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-done; err != nil {
		_ = client.Close()
		t.Fatalf("server handshake: %v", err)
	}
	return client, server
}

// send writes text to c; net.Pipe does not buffer, so a write nobody
// reads fails at the deadline instead of hanging the test.
func send(t *testing.T, c net.Conn, text string) {
	t.Helper()
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(text)); err != nil {
		t.Fatalf("cannot write %q: %v", text, err)
	}
}

// expect reads exactly want from c.
func expect(t *testing.T, c net.Conn, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}
