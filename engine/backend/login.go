// login.go holds the login to PostgreSQL: with a password through pgconn, or with a stored md5 hash, which PostgreSQL's md5 method accepts without the password.

package backend

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

// Target is a server login: where, as whom, on which database, and how long it may take.
type Target struct {
	Host           string
	Port           int
	User, Password string // Password: cleartext, or PostgreSQL's stored md5 hash
	Database       string
	Timeout        time.Duration
}

// Addr is host:port.
func (t *Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// Conn is a logged-in server connection, ReadyForQuery read: the socket is
// the caller's alone (no reader of pgconn's is left on it).
type Conn struct {
	net.Conn
	PID    uint32
	Key    []byte            // the cancel key
	Params map[string]string // ParameterStatus, as the server spells the names
}

// Login opens a connection to t and logs in, over TLS as tlsCfg says,
// within t.Timeout.
func Login(ctx context.Context, t Target, tlsCfg *TLS) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	if IsMD5Hash(t.Password) {
		return loginWithMD5Hash(ctx, &t, tlsCfg)
	}
	return loginWithPassword(ctx, &t, tlsCfg)
}

// loginWithPassword logs in through pgconn, then takes the socket over.
func loginWithPassword(ctx context.Context, t *Target, tlsCfg *TLS) (*Conn, error) {
	cfg, err := tlsCfg.pgconnConfig(t)
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password, cfg.Database = t.User, t.Password, t.Database
	cfg.RuntimeParams = map[string]string{}
	cfg.ConnectTimeout = t.Timeout
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, tlsRefused(err, tlsCfg.spec.Required())
	}
	// pgconn may have started a background reader during the login (a
	// write that took over 15 ms); SyncConn stops it, so that nothing but
	// the caller reads the socket from now on.
	if err := conn.SyncConn(ctx); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("cannot take over server connection: %w", err)
	}
	hj, err := conn.Hijack()
	if err != nil {
		return nil, fmt.Errorf("cannot take over server connection: %w", err)
	}
	return &Conn{Conn: hj.Conn, PID: hj.PID, Key: hj.SecretKey, Params: hj.ParameterStatuses}, nil
}

// tlsRefused marks pgconn's error for a server that answered SSLRequest
// with 'N' as tlsedge.ErrServerNoTLS, as the md5-hash login reports it.
// pgconn has no sentinel for it, only its text; a required TLS has no
// plaintext fallback, so the error is that attempt's alone.
func tlsRefused(err error, required bool) error {
	if required && strings.Contains(err.Error(), "server refused TLS connection") {
		return fmt.Errorf("%w: %w", tlsedge.ErrServerNoTLS, err)
	}
	return err
}

// IsMD5Hash reports whether a password is PostgreSQL's stored md5 form.
func IsMD5Hash(pw string) bool {
	if len(pw) != 35 || !strings.HasPrefix(pw, "md5") {
		return false
	}
	_, err := hex.DecodeString(pw[3:])
	return err == nil
}

// loginWithMD5Hash logs in to PostgreSQL with a stored md5 hash: the md5
// method's answer is md5(hash + salt), so the password itself is not needed.
func loginWithMD5Hash(ctx context.Context, t *Target, tlsCfg *TLS) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	_ = nc.SetDeadline(deadline)
	cfg, err := tlsCfg.pgconnConfig(t)
	if err == nil {
		var sc net.Conn
		if sc, err = tlsedge.StartTLS(nc, cfg.TLSConfig, tlsCfg.spec.Required()); err == nil {
			nc = sc
		}
	}
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	res, err := md5HashHandshake(nc, t.User, t.Database, t.Password)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return res, nil
}

func md5HashHandshake(nc net.Conn, user, dbname, hash string) (*Conn, error) {
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": user, "database": dbname}})
	if err := fe.Flush(); err != nil {
		return nil, err
	}
	res := &Conn{Conn: nc, Params: map[string]string{}}
	for {
		msg, err := fe.Receive()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.AuthenticationMD5Password:
			inner := hash[3:]
			sum := md5.Sum(append([]byte(inner), m.Salt[:]...))
			fe.Send(&pgproto3.PasswordMessage{Password: "md5" + hex.EncodeToString(sum[:])})
			if err := fe.Flush(); err != nil {
				return nil, err
			}
		case *pgproto3.AuthenticationOk:
		case *pgproto3.AuthenticationSASL, *pgproto3.AuthenticationCleartextPassword:
			return nil, errors.New("server asks for SCRAM or a cleartext password, which an md5 hash cannot answer: set server_password")
		case *pgproto3.ParameterStatus:
			res.Params[m.Name] = m.Value
		case *pgproto3.BackendKeyData:
			res.PID, res.Key = m.ProcessID, append([]byte(nil), m.SecretKey...)
		case *pgproto3.ErrorResponse:
			return nil, &pgconn.PgError{Severity: m.Severity, Code: m.Code, Message: m.Message}
		case *pgproto3.ReadyForQuery:
			return res, nil
		case *pgproto3.NoticeResponse:
		default:
			return nil, fmt.Errorf("unexpected %T during login", msg)
		}
	}
}

// ClientMessage turns a server login failure into what a client may read:
// PostgreSQL's own message, without pgdogd's addresses and settings.
func ClientMessage(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return "server login failed: " + pgErr.Message
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "server did not answer within connect_timeout"
	}
	if errors.Is(err, tlsedge.ErrServerNoTLS) {
		return "server does not support SSL, but tls_verify requires it"
	}
	if problem, ok := certProblem(err); ok {
		return "server certificate verification failed (tls_verify): " + problem
	}
	return "server is not reachable"
}

// certProblem is the certificate error in err's chain, without pgconn's
// connection details around it (pgconn's verify-ca returns x509's error
// bare, not in a tls.CertificateVerificationError); ok is false when err
// has none.
func certProblem(err error) (problem string, ok bool) {
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &verify):
		return verify.Err.Error(), true
	case errors.As(err, &unknownCA):
		return unknownCA.Error(), true
	case errors.As(err, &badHost):
		return badHost.Error(), true
	case errors.As(err, &invalid):
		return invalid.Error(), true
	}
	return "", false
}
