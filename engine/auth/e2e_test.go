// End-to-end tests: real PostgreSQL clients (pgconn, libpq's psql) log in to a loopback server that runs Exchange.

package auth

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// loginServer accepts connections on 127.0.0.1, authenticates them with
// method against users, and serves empty answers to queries.
type loginServer struct {
	ln     net.Listener
	method Method
	users  map[string]Secret
}

func startLoginServer(t *testing.T, method Method, users map[string]Secret) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &loginServer{ln: ln, method: method, users: users}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// serve runs one connection: startup, authentication, then empty query answers.
func (s *loginServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	user, err := readStartup(c)
	if err != nil {
		return
	}
	secret, known := s.users[user]
	x := NewExchange(s.method, user, secret, known)
	out, done := x.Begin(nil)
	for !done {
		if _, err := c.Write(out); err != nil {
			return
		}
		typ, body, err := readMessage(c)
		if err != nil || typ != 'p' {
			return
		}
		if out, done, err = x.Step(out[:0], body); err != nil {
			code := "28P01"
			if errors.Is(err, ErrProtocol) {
				code = "08P01"
			}
			fatal := pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code,
				Message: fmt.Sprintf("password authentication failed for user %q", user)}
			out, _ = fatal.Encode(out[:0])
			_, _ = c.Write(out)
			return
		}
	}
	s.afterLogin(c, out)
}

// afterLogin sends AuthenticationOk and what a client waits for, then
// answers every query with EmptyQueryResponse until Terminate.
func (s *loginServer) afterLogin(c net.Conn, out []byte) {
	out, _ = (&pgproto3.AuthenticationOk{}).Encode(out)
	for _, p := range [][2]string{{"server_version", "15.0"}, {"client_encoding", "UTF8"}, {"standard_conforming_strings", "on"}} {
		out, _ = (&pgproto3.ParameterStatus{Name: p[0], Value: p[1]}).Encode(out)
	}
	out, _ = (&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 2}}).Encode(out)
	out, _ = (&pgproto3.ReadyForQuery{TxStatus: 'I'}).Encode(out)
	for {
		if _, err := c.Write(out); err != nil {
			return
		}
		typ, _, err := readMessage(c)
		if err != nil || typ != 'Q' {
			return
		}
		out, _ = (&pgproto3.EmptyQueryResponse{}).Encode(out[:0])
		out, _ = (&pgproto3.ReadyForQuery{TxStatus: 'I'}).Encode(out)
	}
}

// readStartup declines SSL and GSS encryption requests and returns the
// startup message's user.
func readStartup(c net.Conn) (string, error) {
	for range 3 {
		var hdr [8]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return "", err
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n < 8 || n > 10000 {
			return "", errors.New("bad startup length")
		}
		switch binary.BigEndian.Uint32(hdr[4:]) {
		case 80877103, 80877104: // SSLRequest, GSSENCRequest
			if _, err := c.Write([]byte{'N'}); err != nil {
				return "", err
			}
			continue
		}
		body := make([]byte, n-4)
		copy(body, hdr[4:])
		if _, err := io.ReadFull(c, body[4:]); err != nil {
			return "", err
		}
		var sm pgproto3.StartupMessage
		if err := sm.Decode(body); err != nil {
			return "", err
		}
		return sm.Parameters["user"], nil
	}
	return "", errors.New("too many startup requests")
}

// readMessage reads one typed message and returns its type and body.
func readMessage(c net.Conn) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > 1<<20 {
		return 0, nil, errors.New("bad message length")
	}
	body := make([]byte, n-4)
	_, err := io.ReadFull(c, body)
	return hdr[0], body, err
}

// e2eUsers are alice with each kind of secret, under different names.
func e2eUsers(t *testing.T) map[string]Secret {
	return map[string]Secret{
		"alice":   mustSecret(t, "alice", "correct horse"),
		"alicemd": mustSecret(t, "alicemd", "md5"+md5Hex("correct horsealicemd")),
		"alicesc": mustSecret(t, "alicesc", verifierAliceReal),
	}
}

// e2eCases lists, per method, the users that can log in with "correct horse".
var e2eCases = map[Method][]string{
	MethodSCRAM: {"alice", "alicesc"},
	MethodMD5:   {"alice", "alicemd", "alicesc"},
	MethodPlain: {"alice", "alicemd", "alicesc"},
}

func TestEndToEndPgconn(t *testing.T) {
	for m, users := range e2eCases {
		addr := startLoginServer(t, m, e2eUsers(t))
		host, port, _ := net.SplitHostPort(addr)
		for _, user := range users {
			connect := func(user, password string) error {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				dsn := fmt.Sprintf("host=%s port=%s user=%s password='%s' sslmode=disable", host, port, user, password)
				conn, err := pgconn.Connect(ctx, dsn)
				if err == nil {
					conn.Close(ctx)
				}
				return err
			}
			if err := connect(user, "correct horse"); err != nil {
				t.Errorf("%s/%s: right password: %v", m, user, err)
			}
			for _, c := range [][2]string{{user, "wrong horse"}, {"nobody", "correct horse"}} {
				var pgErr *pgconn.PgError
				if err := connect(c[0], c[1]); !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
					t.Errorf("%s/%s/%s: %v, want 28P01", m, c[0], c[1], err)
				}
			}
		}
	}
}

func TestEndToEndPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql not found on PATH: install postgresql-client-15 (make test installs it): %v", err)
	}
	for m, users := range e2eCases {
		addr := startLoginServer(t, m, e2eUsers(t))
		host, port, _ := net.SplitHostPort(addr)
		run := func(user, password string) (string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=db sslmode=disable gssencmode=disable", host, port, user)
			cmd := exec.CommandContext(ctx, psql, "-X", "-w", "-q", "-c", "", dsn)
			cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=5")
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		for _, user := range users {
			if out, err := run(user, "correct horse"); err != nil {
				t.Errorf("%s/%s: right password: %v: %s", m, user, err, out)
			}
			out, err := run(user, "wrong horse")
			if err == nil || !strings.Contains(out, "password authentication failed") {
				t.Errorf("%s/%s: wrong password: %v: %s", m, user, err, out)
			}
		}
	}
}
