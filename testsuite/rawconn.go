// RawConn: a hand-driven protocol client for tests that need to see or send exact frames.

package testsuite

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// RawConn is a TCP connection with a pgproto3 frontend on top.
type RawConn struct {
	net.Conn
	FE     *pgproto3.Frontend
	PID    uint32
	Secret []byte
}

// RawDial opens a TCP connection to addr with a 5 s dial timeout.
func RawDial(addr string) (*RawConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("cannot dial %s: %w", addr, err)
	}
	return &RawConn{Conn: c, FE: pgproto3.NewFrontend(c, c)}, nil
}

// Receive reads one backend message, waiting at most limit. The message is valid until the
// next Receive.
func (r *RawConn) Receive(limit time.Duration) (pgproto3.BackendMessage, error) {
	_ = r.SetReadDeadline(time.Now().Add(limit))
	return r.FE.Receive()
}

// Startup sends a v3 StartupMessage for l plus params, answers cleartext, md5 or SCRAM
// authentication and reads until ReadyForQuery. A server ErrorResponse comes back as
// *pgconn.PgError.
func (r *RawConn) Startup(l Login, params map[string]string) error {
	p := map[string]string{"user": l.User, "database": l.Database}
	for k, v := range params {
		p[k] = v
	}
	r.FE.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: p})
	if err := r.FE.Flush(); err != nil {
		return fmt.Errorf("cannot send startup: %w", err)
	}
	var conv *scram.ClientConversation
	for {
		msg, err := r.Receive(10 * time.Second)
		if err != nil {
			return fmt.Errorf("cannot read during startup: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.AuthenticationCleartextPassword:
			r.FE.Send(&pgproto3.PasswordMessage{Password: l.Password})
		case *pgproto3.AuthenticationMD5Password:
			r.FE.Send(&pgproto3.PasswordMessage{Password: MD5Response(l.User, l.Password, m.Salt)})
		case *pgproto3.AuthenticationSASL:
			var first string
			if conv, first, err = scramStart(l.Password); err != nil {
				return err
			}
			r.FE.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte(first)})
		case *pgproto3.AuthenticationSASLContinue:
			if conv == nil {
				return errors.New("SASLContinue before SASL")
			}
			final, err := conv.Step(string(m.Data))
			if err != nil {
				return fmt.Errorf("cannot answer SCRAM challenge: %w", err)
			}
			r.FE.Send(&pgproto3.SASLResponse{Data: []byte(final)})
		case *pgproto3.AuthenticationSASLFinal:
			if conv == nil {
				return errors.New("SASLFinal before SASL")
			}
			if _, err := conv.Step(string(m.Data)); err != nil {
				return fmt.Errorf("cannot verify server SCRAM signature: %w", err)
			}
		case *pgproto3.BackendKeyData:
			r.PID, r.Secret = m.ProcessID, append([]byte(nil), m.SecretKey...)
		case *pgproto3.ErrorResponse:
			return pgconn.ErrorResponseToPgError(m)
		case *pgproto3.ReadyForQuery:
			return nil
		}
		if err := r.FE.Flush(); err != nil {
			return fmt.Errorf("cannot send auth response: %w", err)
		}
	}
}

// scramStart begins a SCRAM-SHA-256 exchange with an empty user name, as libpq does.
func scramStart(password string) (*scram.ClientConversation, string, error) {
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		return nil, "", fmt.Errorf("cannot create SCRAM client: %w", err)
	}
	conv := client.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return nil, "", fmt.Errorf("cannot start SCRAM: %w", err)
	}
	return conv, first, nil
}

// MD5Response is the PasswordMessage body for md5 authentication.
func MD5Response(user, password string, salt [4]byte) string {
	inner := MD5Hash(user, password)[3:]
	sum := md5.Sum(append([]byte(inner), salt[:]...))
	return "md5" + hex.EncodeToString(sum[:])
}

// MD5Hash is PostgreSQL's stored md5 password: "md5" + md5(password + user).
func MD5Hash(user, password string) string {
	sum := md5.Sum([]byte(password + user))
	return "md5" + hex.EncodeToString(sum[:])
}

// SimpleQuery runs sql with the simple protocol and returns the text of every data row's
// columns (NULL as ""), or the first ErrorResponse as *pgconn.PgError. The rows are copies
// owned by the caller.
func (r *RawConn) SimpleQuery(sql string, limit time.Duration) ([][]string, error) {
	r.FE.Send(&pgproto3.Query{String: sql})
	if err := r.FE.Flush(); err != nil {
		return nil, fmt.Errorf("cannot send query: %w", err)
	}
	var rows [][]string
	var qerr error
	for {
		msg, err := r.Receive(limit)
		if err != nil {
			return rows, fmt.Errorf("cannot read query result: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			row := make([]string, len(m.Values))
			for i, v := range m.Values {
				row[i] = string(v)
			}
			rows = append(rows, row)
		case *pgproto3.ErrorResponse:
			qerr = pgconn.ErrorResponseToPgError(m)
		case *pgproto3.ReadyForQuery:
			return rows, qerr
		}
	}
}

// ReadError reads messages until an ErrorResponse (returned as *pgconn.PgError) or a failure.
func (r *RawConn) ReadError(limit time.Duration) (*pgconn.PgError, error) {
	deadline := time.Now().Add(limit)
	for {
		msg, err := r.Receive(time.Until(deadline))
		if err != nil {
			return nil, fmt.Errorf("no ErrorResponse: %w", err)
		}
		if m, ok := msg.(*pgproto3.ErrorResponse); ok {
			return pgconn.ErrorResponseToPgError(m), nil
		}
	}
}

// ExpectClosed waits up to limit for the peer to close: nil on EOF or reset, an error when
// the connection stays open or more bytes arrive.
func (r *RawConn) ExpectClosed(limit time.Duration) error {
	_ = r.SetReadDeadline(time.Now().Add(limit))
	buf := make([]byte, 256)
	n, err := r.Conn.Read(buf)
	switch {
	case n > 0:
		return fmt.Errorf("connection still sends data after error: %q", buf[:n])
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		return nil
	case err != nil:
		return fmt.Errorf("connection not closed within %v: %w", limit, err)
	}
	return errors.New("connection not closed: empty read")
}

// SendCancel sends a CancelRequest for (pid, secret) to addr and waits for the peer to close.
func SendCancel(addr string, pid uint32, secret []byte) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("cannot dial for cancel: %w", err)
	}
	defer c.Close()
	buf := make([]byte, 12, 12+len(secret))
	binary.BigEndian.PutUint32(buf[0:4], uint32(12+len(secret)))
	binary.BigEndian.PutUint32(buf[4:8], 80877102)
	binary.BigEndian.PutUint32(buf[8:12], pid)
	buf = append(buf, secret...)
	if _, err := c.Write(buf); err != nil {
		return fmt.Errorf("cannot send cancel: %w", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 16))
	if n > 0 {
		return fmt.Errorf("cancel connection answered %d bytes", n)
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("cancel connection not closed: %w", err)
	}
	return nil
}
