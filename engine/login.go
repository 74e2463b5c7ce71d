// login.go holds the server login with a stored md5 hash, which PostgreSQL's md5 method accepts without the password.

package engine

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

// isMD5Hash reports whether a password is PostgreSQL's stored md5 form.
func isMD5Hash(pw string) bool {
	if len(pw) != 35 || !strings.HasPrefix(pw, "md5") {
		return false
	}
	_, err := hex.DecodeString(pw[3:])
	return err == nil
}

// loginResult is what a successful server login leaves.
type loginResult struct {
	conn   net.Conn
	pid    uint32
	key    []byte
	params map[string]string
}

// loginWithMD5Hash logs in to PostgreSQL with a stored md5 hash: the md5
// method's answer is md5(hash + salt), so the password itself is not needed.
func (p *pool) loginWithMD5Hash(ctx context.Context) (*loginResult, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", hostPort(p.cfg.host, p.cfg.port))
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	_ = nc.SetDeadline(deadline)
	cfg, err := p.pgconnConfig()
	if err == nil {
		var sc net.Conn
		if sc, err = tlsedge.StartTLS(nc, cfg.TLSConfig, p.e.serverTLS().spec.Required()); err == nil {
			nc = sc
		}
	}
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	res, err := md5HashHandshake(nc, p.cfg.serverUser, p.cfg.dbname, p.cfg.serverPassword)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return res, nil
}

func md5HashHandshake(nc net.Conn, user, dbname, hash string) (*loginResult, error) {
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": user, "database": dbname}})
	if err := fe.Flush(); err != nil {
		return nil, err
	}
	res := &loginResult{conn: nc, params: map[string]string{}}
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
			res.params[m.Name] = m.Value
		case *pgproto3.BackendKeyData:
			res.pid, res.key = m.ProcessID, append([]byte(nil), m.SecretKey...)
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

// clientMessage turns a server login failure into what a client may read:
// PostgreSQL's own message, without pgdogd's addresses and settings.
func clientMessage(err error) string {
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
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownCA) || errors.As(err, &badHost) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return "server certificate verification failed (tls_verify): " + certProblem(err)
	}
	return "server is not reachable"
}

// certProblem is the certificate error in err's chain, without pgconn's
// connection details around it.
func certProblem(err error) string {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return verify.Err.Error()
	}
	return err.Error()
}
