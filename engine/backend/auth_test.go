// auth_test.go tests the login's answers to the server's authentication requests: a stored md5 hash by hand, a password through pgconn.

package backend

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/codec"
)

// aliceHash is PostgreSQL's stored md5 form of alice's password "secret":
// "md5" + md5("secret" + "alice"). The answers to it for two salts are
// md5(md5hex + salt), computed apart from the code under test.
const (
	aliceHash      = "md54a0a68b43b6cd5cf266fa02f196e2371"
	answer01020304 = "md598a0412b9c31436fc53776e863350083"
	answerDeadBeef = "md53e1d73ba00a55e8805aa0277d29996c5"
)

func TestLoginAnswersPasswordRequests(t *testing.T) {
	for _, tc := range []struct {
		name, password string
		srv            *passwordServer
		wantAnswer     string
	}{
		{"md5 hash, salt 01020304", aliceHash, md5Server([4]byte{1, 2, 3, 4}, answer01020304), answer01020304},
		{"md5 hash, salt deadbeef", aliceHash, md5Server([4]byte{0xde, 0xad, 0xbe, 0xef}, answerDeadBeef), answerDeadBeef},
		{"md5 with the password", "secret", md5Server([4]byte{1, 2, 3, 4}, answer01020304), answer01020304},
		{"cleartext password", "s3cret", cleartextServer("s3cret"), "s3cret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.srv.serve)
			c, err := Login(t.Context(), f.target(tc.password), NoTLS)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			defer c.Close()
			seen := tc.srv.next(t)
			if seen.password != tc.wantAnswer {
				t.Errorf("the server got %q, want %q", seen.password, tc.wantAnswer)
			}
			wantParams := map[string]string{"user": "alice", "database": "app"}
			if !maps.Equal(seen.params, wantParams) || seen.askedSSL {
				t.Errorf("startup: %v (SSLRequest %v), want %v without SSLRequest", seen.params, seen.askedSSL, wantParams)
			}
			checkConn(t, c)
		})
	}
}

// checkConn checks that a login recorded what the fake server's welcome
// sent, and that its socket answers a query.
func checkConn(t *testing.T, c *Conn) {
	t.Helper()
	if c.PID != fakePID || !bytes.Equal(c.Key, fakeKey) {
		t.Errorf("BackendKeyData: pid %d key %v, want %d %v", c.PID, c.Key, fakePID, fakeKey)
	}
	wantParams := map[string]string{"server_version": fakeVersion, "TimeZone": "Europe/Paris"}
	if !maps.Equal(c.Params, wantParams) {
		t.Errorf("ParameterStatus: %v, want %v", c.Params, wantParams)
	}
	if _, err := c.Write(codec.AppendQuery(nil, "select 1")); err != nil {
		t.Fatalf("cannot send a query: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := readUntilReady(c); err != nil {
		t.Fatalf("no answer to a query after the login: %v", err)
	}
}

func TestLoginRefusedByServer(t *testing.T) {
	for _, tc := range []struct {
		name, password string
		srv            *passwordServer
	}{
		{"wrong md5 hash", "md5" + "0123456789abcdef0123456789abcdef", md5Server([4]byte{1, 2, 3, 4}, answer01020304)},
		{"wrong password", "not-it", cleartextServer("s3cret")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.srv.serve)
			c, err := Login(t.Context(), f.target(tc.password), NoTLS)
			if err == nil {
				c.Close()
				t.Fatal("Login accepted a login the server refused")
			}
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "28P01" || pgErr.Severity != "FATAL" {
				t.Fatalf("got %v, want the server's FATAL 28P01 as a *pgconn.PgError", err)
			}
			want := `server login failed: password authentication failed for user "alice"`
			if got := ClientMessage(err); got != want {
				t.Errorf("ClientMessage: %q, want %q", got, want)
			}
		})
	}
}

// errCannotAnswer is the md5-hash login's error for a server asking for
// what only the password could answer.
const errCannotAnswer = "server asks for SCRAM or a cleartext password, which an md5 hash cannot answer: set server_password"

func TestMD5HashLoginRefusesWhatItCannotAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		send    []pgproto3.BackendMessage
		wantErr string
	}{
		{"SCRAM", []pgproto3.BackendMessage{&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}}, errCannotAnswer},
		{"cleartext", []pgproto3.BackendMessage{&pgproto3.AuthenticationCleartextPassword{}}, errCannotAnswer},
		{"GSS", []pgproto3.BackendMessage{&pgproto3.AuthenticationGSS{}}, "unexpected *pgproto3.AuthenticationGSS during login"},
		{"a query's reply", []pgproto3.BackendMessage{&pgproto3.AuthenticationOk{}, &pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")}},
			"unexpected *pgproto3.CommandComplete during login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			left := make(chan error, 1)
			f := startFake(t, func(c net.Conn) { left <- sendAndListen(c, tc.send) })
			c, err := Login(t.Context(), f.target(aliceHash), NoTLS)
			if err == nil {
				c.Close()
				t.Fatal("Login succeeded")
			}
			if err.Error() != tc.wantErr {
				t.Errorf("got %q, want %q", err, tc.wantErr)
			}
			select {
			case err := <-left:
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("after the refusal the server got %v, want the client gone without a word", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Login left its socket open")
			}
		})
	}
}

// sendAndListen reads the startup message, sends msgs, then returns what
// ends the next read: the client's next message or its leaving.
func sendAndListen(c net.Conn, msgs []pgproto3.BackendMessage) error {
	fc, err := startup(c, nil)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		fc.be.Send(m)
	}
	if err := fc.be.Flush(); err != nil {
		return err
	}
	msg, err := fc.be.Receive()
	if err == nil {
		return fmt.Errorf("the client sent %T", msg)
	}
	return err
}

func TestMD5HashLoginServerHangsUp(t *testing.T) {
	f := startFake(t, func(c net.Conn) { _, _ = startup(c, nil) })
	c, err := Login(t.Context(), f.target(aliceHash), NoTLS)
	if err == nil {
		c.Close()
		t.Fatal("Login succeeded")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("got %v, want an unexpected EOF", err)
	}
	if got := ClientMessage(err); got != "server is not reachable" {
		t.Errorf("ClientMessage: %q", got)
	}
}
