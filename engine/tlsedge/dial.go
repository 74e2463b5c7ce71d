// dial.go holds the TLS pgdogd logs in to servers with: tls_verify and its files.

package tlsedge

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// Verify modes of tls_verify, as libpq's sslmode spells them.
var sslModes = map[string]string{
	"disabled": "disable", "prefer": "prefer", "verify_ca": "verify-ca", "verify_full": "verify-full",
}

// ServerTLS names how pgdogd secures its server connections.
type ServerTLS struct {
	Verify      string // tls_verify: disabled, prefer, verify_ca or verify_full
	CA          string // tls_server_ca_certificate
	Certificate string // tls_server_certificate (mutual TLS)
	PrivateKey  string // tls_server_private_key
}

// ConnString returns the libpq keywords for t (sslmode, sslrootcert,
// sslcert, sslkey), quoted for a keyword/value connection string.
func (t ServerTLS) ConnString() string {
	mode, ok := sslModes[t.Verify]
	if !ok {
		mode = "prefer"
	}
	var b strings.Builder
	b.WriteString("sslmode=" + mode)
	for _, kv := range [][2]string{{"sslrootcert", t.CA}, {"sslcert", t.Certificate}, {"sslkey", t.PrivateKey}} {
		if kv[1] != "" {
			b.WriteString(" " + kv[0] + "=" + Quote(kv[1]))
		}
	}
	return b.String()
}

// Required reports whether a server without TLS is refused.
func (t ServerTLS) Required() bool { return t.Verify == "verify_ca" || t.Verify == "verify_full" }

// Quote quotes a value for a keyword/value connection string.
func Quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// sslRequest is PostgreSQL's SSLRequest packet.
var sslRequest = func() []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, 8)
	binary.BigEndian.PutUint32(b[4:], 80877103)
	return b
}()

// ErrServerNoTLS is a server that answered SSLRequest with 'N'.
var ErrServerNoTLS = errors.New("server does not support SSL, but tls_verify requires it")

// StartTLS asks the server on nc for TLS and runs the handshake with cfg.
// When the server refuses, nc is returned as it is unless required. The
// caller owns nc's deadline.
func StartTLS(nc net.Conn, cfg *tls.Config, required bool) (net.Conn, error) {
	if cfg == nil {
		return nc, nil
	}
	if _, err := nc.Write(sslRequest); err != nil {
		return nil, fmt.Errorf("cannot send SSLRequest: %w", err)
	}
	var answer [1]byte
	if _, err := io.ReadFull(nc, answer[:]); err != nil {
		return nil, fmt.Errorf("cannot read the answer to SSLRequest: %w", err)
	}
	switch answer[0] {
	case 'S':
		tc := tls.Client(nc, cfg)
		if err := tc.Handshake(); err != nil {
			return nil, fmt.Errorf("cannot finish the TLS handshake: %w", err)
		}
		return tc, nil
	case 'N':
		if required {
			return nil, ErrServerNoTLS
		}
		return nc, nil
	}
	return nil, fmt.Errorf("server answered SSLRequest with %q", answer[0])
}
