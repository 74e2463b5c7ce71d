package tlsedge

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key to dir.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServerConfig(t *testing.T) {
	dir := t.TempDir()
	cert, key, _ := writeCert(t, dir)
	cfg, err := ServerConfig(Files{})
	if err != nil || cfg != nil {
		t.Fatalf("no files: got %v, %v; want no TLS", cfg, err)
	}
	cfg, err = ServerConfig(Files{Certificate: cert, PrivateKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || len(cfg.Certificates) != 1 || cfg.ClientAuth != tls.NoClientCert || cfg.NextProtos[0] != ALPN {
		t.Fatalf("unexpected configuration: %+v", cfg)
	}
	cfg, err = ServerConfig(Files{Certificate: cert, PrivateKey: key, ClientCA: cert})
	if err != nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
		t.Fatalf("client CA: got %+v, %v", cfg, err)
	}
	_, err = ServerConfig(Files{Certificate: filepath.Join(dir, "missing.pem"), PrivateKey: key})
	if err == nil || !strings.Contains(err.Error(), "tls_certificate") {
		t.Fatalf("missing certificate: got %v", err)
	}
	_, err = ServerConfig(Files{Certificate: cert, PrivateKey: key, ClientCA: key})
	if err == nil || !strings.Contains(err.Error(), "tls_client_ca_certificate") {
		t.Fatalf("a key as CA: got %v", err)
	}
}

func TestBridgeRelaysBothWaysAndEnds(t *testing.T) {
	secure, peer := net.Pipe()
	done := make(chan struct{})
	far, err := Bridge(secure, func() { close(done) })
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = peer.Write([]byte("from the client")) }()
	got := make([]byte, len("from the client"))
	if _, err := io.ReadFull(far, got); err != nil || string(got) != "from the client" {
		t.Fatalf("toward the loop: %q, %v", got, err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000) // several relay buffers
	go func() { _, _ = far.Write(big); _ = far.Close() }()
	back, err := io.ReadAll(peer)
	if err != nil || !bytes.Equal(back, big) {
		t.Fatalf("toward the client: %d bytes of %d, %v", len(back), len(big), err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not end after the loop's end closed")
	}
}

func TestBridgeEndsWhenTheClientLeaves(t *testing.T) {
	secure, peer := net.Pipe()
	far, err := Bridge(secure, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = peer.Close()
	if n, err := far.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("the loop's end: got %d bytes, %v; want EOF", n, err)
	}
}

func TestPrefixedReadsTheHeadFirst(t *testing.T) {
	a, b := net.Pipe()
	head := []byte{0x16, 3, 1}
	p := Prefixed(a, head)
	head[0] = 0 // the caller's buffer is reused: Prefixed copied it
	go func() { _, _ = b.Write([]byte("rest")); _ = b.Close() }()
	all, _ := io.ReadAll(p)
	if want := "\x16\x03\x01rest"; string(all) != want {
		t.Fatalf("got %q, want %q", all, want)
	}
	if Prefixed(a, nil) != a {
		t.Fatal("no head: the connection itself is returned")
	}
}

func TestConnString(t *testing.T) {
	cases := []struct {
		in   ServerTLS
		want string
	}{
		{ServerTLS{Verify: "disabled"}, "sslmode=disable"},
		{ServerTLS{}, "sslmode=prefer"},
		{ServerTLS{Verify: "verify_ca", CA: "/etc/ca.pem"}, "sslmode=verify-ca sslrootcert='/etc/ca.pem'"},
		{ServerTLS{Verify: "verify_full", CA: `/x/it's\a`, Certificate: "c", PrivateKey: "k"},
			`sslmode=verify-full sslrootcert='/x/it\'s\\a' sslcert='c' sslkey='k'`},
	}
	for _, c := range cases {
		if got := c.in.ConnString(); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.in, got, c.want)
		}
	}
	if (ServerTLS{Verify: "prefer"}).Required() || !(ServerTLS{Verify: "verify_full"}).Required() {
		t.Error("Required: only the verify modes refuse a server without TLS")
	}
}

// fakeServer answers one SSLRequest with answer, then runs a TLS server
// with cfg when the answer is 'S'.
func fakeServer(t *testing.T, answer byte, cfg *tls.Config) net.Conn {
	client, server := tcpPair(t) // buffered, unlike net.Pipe: a failing handshake's alert must not block
	go func() {
		req := make([]byte, 8)
		if _, err := io.ReadFull(server, req); err != nil || !bytes.Equal(req, sslRequest) {
			_ = server.Close()
			return
		}
		_, _ = server.Write([]byte{answer})
		if answer != 'S' {
			return
		}
		tc := tls.Server(server, cfg)
		if tc.Handshake() == nil {
			_, _ = tc.Write([]byte("ok"))
		}
	}()
	return client
}

// tcpPair returns both ends of a loopback TCP connection, closed at the test's end.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		t.Fatal("no connection accepted")
	}
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return client, server
}

func TestStartTLS(t *testing.T) {
	cert, key, pool := writeCert(t, t.TempDir())
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := &tls.Config{Certificates: []tls.Certificate{pair}}
	good := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}

	c, err := StartTLS(fakeServer(t, 'S', srv), good, true)
	if err != nil {
		t.Fatalf("TLS with the right CA: %v", err)
	}
	if _, ok := c.(*tls.Conn); !ok {
		t.Fatalf("got %T, want a TLS connection", c)
	}
	if b := make([]byte, 2); func() bool { _, err := io.ReadFull(c, b); return err != nil || string(b) != "ok" }() {
		t.Fatal("no data over the TLS connection")
	}

	_, err = StartTLS(fakeServer(t, 'S', srv), &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1"}, true)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("TLS with a wrong CA: got %v, want a certificate error", err)
	}

	plain := fakeServer(t, 'N', nil)
	if c, err := StartTLS(plain, good, false); err != nil || c != plain {
		t.Fatalf("'N' under prefer: got %v, %v; want the plain connection", c, err)
	}
	if _, err := StartTLS(fakeServer(t, 'N', nil), good, true); !errors.Is(err, ErrServerNoTLS) {
		t.Fatalf("'N' under verify_full: got %v, want ErrServerNoTLS", err)
	}
	if _, err := StartTLS(fakeServer(t, 'E', nil), good, false); err == nil {
		t.Fatal("an answer that is neither S nor N: want an error")
	}
}
