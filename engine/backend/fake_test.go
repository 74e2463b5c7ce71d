// fake_test.go holds the in-process PostgreSQL server the login tests talk to, and the self-signed certificates of the TLS tests.

package backend

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fakePG is a server on 127.0.0.1:0 answering each connection with a
// test's handler, on its own goroutine. At the test's end the listener and
// every connection are closed and the goroutines waited for.
type fakePG struct {
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

// startFake starts a fake server whose connections serve answers.
func startFake(t *testing.T, serve func(net.Conn)) *fakePG {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot listen: %v", err)
	}
	f := &fakePG{ln: ln}
	f.wg.Add(1)
	go f.accept(serve)
	t.Cleanup(f.close)
	return f
}

func (f *fakePG) accept(serve func(net.Conn)) {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			_ = c.Close()
			return
		}
		f.conns = append(f.conns, c)
		f.wg.Add(1)
		f.mu.Unlock()
		go func() {
			defer f.wg.Done()
			defer c.Close()
			serve(c)
		}()
	}
}

func (f *fakePG) close() {
	_ = f.ln.Close()
	f.mu.Lock()
	f.closed = true
	conns := f.conns
	f.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	f.wg.Wait()
}

// target is a login to the fake server as alice on database app.
func (f *fakePG) target(password string) Target {
	return Target{Host: "127.0.0.1", Port: f.ln.Addr().(*net.TCPAddr).Port, User: "alice",
		Password: password, Database: "app", Timeout: 10 * time.Second}
}

// fakeConn is one connection of the fake server, past the startup message.
type fakeConn struct {
	be       *pgproto3.Backend
	params   map[string]string // the startup message's
	askedSSL bool
}

// startup reads the client's startup message. An SSLRequest before it is
// refused with 'N' when cfg is nil, or accepted with 'S' and a TLS
// handshake, after which the connection is read over TLS.
func startup(c net.Conn, cfg *tls.Config) (*fakeConn, error) {
	fc := &fakeConn{be: pgproto3.NewBackend(c, c)}
	for {
		msg, err := fc.be.ReceiveStartupMessage()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.StartupMessage:
			fc.params = m.Parameters
			return fc, nil
		case *pgproto3.SSLRequest:
			if fc.askedSSL {
				return nil, errors.New("a second SSLRequest")
			}
			fc.askedSSL = true
			if fc.be, err = answerSSL(c, cfg); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected %T before the startup message", msg)
		}
	}
}

// answerSSL answers an SSLRequest and returns the backend to go on with.
func answerSSL(c net.Conn, cfg *tls.Config) (*pgproto3.Backend, error) {
	if cfg == nil {
		_, err := c.Write([]byte{'N'})
		return pgproto3.NewBackend(c, c), err
	}
	if _, err := c.Write([]byte{'S'}); err != nil {
		return nil, err
	}
	tc := tls.Server(c, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	return pgproto3.NewBackend(tc, tc), nil
}

// askPassword sends an authentication request and returns the password
// of the PasswordMessage that answers it.
func (fc *fakeConn) askPassword(req pgproto3.BackendMessage, authType uint32) (string, error) {
	fc.be.Send(req)
	if err := fc.be.Flush(); err != nil {
		return "", err
	}
	if err := fc.be.SetAuthType(authType); err != nil {
		return "", err
	}
	msg, err := fc.be.Receive()
	if err != nil {
		return "", err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return "", fmt.Errorf("got %T, want a PasswordMessage", msg)
	}
	return pm.Password, nil
}

// The server's settings, process and key that welcome sends.
const (
	fakePID     = 4242
	fakeVersion = "17.2"
)

var fakeKey = []byte{9, 8, 7, 6}

// welcome accepts the login: AuthenticationOk, the server's settings (with a
// notice among them), its key and ReadyForQuery.
func (fc *fakeConn) welcome() error {
	fc.be.Send(&pgproto3.AuthenticationOk{})
	fc.be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: fakeVersion})
	fc.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", Code: "00000", Message: "welcome"})
	fc.be.Send(&pgproto3.ParameterStatus{Name: "TimeZone", Value: "Europe/Paris"})
	fc.be.Send(&pgproto3.BackendKeyData{ProcessID: fakePID, SecretKey: fakeKey})
	fc.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	return fc.be.Flush()
}

// serveQueries answers each Query with EmptyQueryResponse and ReadyForQuery
// until the client leaves.
func (fc *fakeConn) serveQueries() {
	for {
		msg, err := fc.be.Receive()
		if err != nil {
			return
		}
		if _, ok := msg.(*pgproto3.Query); ok {
			fc.be.Send(&pgproto3.EmptyQueryResponse{})
			fc.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
			if fc.be.Flush() != nil {
				return
			}
		}
	}
}

// passwordServer is a fake server's login: a password asked for with req,
// accepted when it is want and refused as PostgreSQL does otherwise. Each
// login attempt is reported on seen.
type passwordServer struct {
	tls      *tls.Config // nil: an SSLRequest is refused
	req      pgproto3.BackendMessage
	authType uint32
	want     string
	seen     chan loginSeen
}

// loginSeen is what a fake server got from a client.
type loginSeen struct {
	params   map[string]string // the startup message's
	askedSSL bool
	password string
	err      error // why no password came
}

func cleartextServer(want string) *passwordServer {
	return &passwordServer{req: &pgproto3.AuthenticationCleartextPassword{},
		authType: pgproto3.AuthTypeCleartextPassword, want: want, seen: make(chan loginSeen, 8)}
}

func md5Server(salt [4]byte, want string) *passwordServer {
	return &passwordServer{req: &pgproto3.AuthenticationMD5Password{Salt: salt},
		authType: pgproto3.AuthTypeMD5Password, want: want, seen: make(chan loginSeen, 8)}
}

func (s *passwordServer) serve(c net.Conn) {
	fc, err := startup(c, s.tls)
	if err != nil {
		return
	}
	pw, err := fc.askPassword(s.req, s.authType)
	select {
	case s.seen <- loginSeen{params: fc.params, askedSSL: fc.askedSSL, password: pw, err: err}:
	default: // more attempts than any test makes: the test fails on its own
	}
	if err != nil {
		return
	}
	if pw != s.want {
		fc.refuse("28P01", `password authentication failed for user "alice"`)
		return
	}
	if fc.welcome() == nil {
		fc.serveQueries()
	}
}

// next waits for the next login attempt the server saw.
func (s *passwordServer) next(t *testing.T) loginSeen {
	t.Helper()
	select {
	case ls := <-s.seen:
		return ls
	case <-time.After(10 * time.Second):
		t.Fatal("the fake server saw no login")
		return loginSeen{}
	}
}

// refuse fails the login with a FATAL ErrorResponse.
func (fc *fakeConn) refuse(code, message string) {
	fc.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: code, Message: message})
	_ = fc.be.Flush()
}

// testCert is a self-signed certificate for one IP address: the server's
// certificate and its own CA.
type testCert struct {
	cert   tls.Certificate
	caFile string // the certificate as PEM, for tls_server_ca_certificate
	pool   *x509.CertPool
}

// newCert makes a self-signed certificate named name for ip.
func newCert(t *testing.T, name, ip string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	tc := testCert{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed},
		caFile: filepath.Join(t.TempDir(), "ca.pem"), pool: x509.NewCertPool()}
	tc.pool.AddCert(parsed)
	if err := os.WriteFile(tc.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tc
}

// serverConfig is the TLS configuration a fake server presents c with.
func (c testCert) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.cert}, MinVersion: tls.VersionTLS12}
}
