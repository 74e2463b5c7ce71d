// tls.go holds how servers are logged in to over TLS (tls_verify and the tls_server_* files), and the relay that hands a TLS connection to an event loop.

package backend

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

// TLS is how servers are logged in to: the settings, and their libpq
// keywords for pgconn (sslmode, sslrootcert, sslcert, sslkey).
type TLS struct {
	spec tlsedge.ServerTLS
	conn string
}

// NoTLS logs in without TLS.
var NoTLS = &TLS{spec: tlsedge.ServerTLS{Verify: "disabled"}, conn: "sslmode=disable"}

// NewTLS checks server TLS settings: their files are read at each login.
func NewTLS(spec tlsedge.ServerTLS) (*TLS, error) {
	t := &TLS{spec: spec, conn: spec.ConnString()}
	if _, err := pgconn.ParseConfig("host=127.0.0.1 " + t.conn); err != nil {
		return nil, fmt.Errorf("cannot use the server TLS settings (tls_verify, tls_server_*): %w", err)
	}
	return t, nil
}

// pgconnConfig is the target's address with the TLS settings (pgconn builds
// the TLS configuration for the host, and with "prefer" a plaintext fallback).
func (c *TLS) pgconnConfig(t *Target) (*pgconn.Config, error) {
	cfg, err := pgconn.ParseConfig(fmt.Sprintf("host=%s port=%d %s", tlsedge.Quote(t.Host), t.Port, c.conn))
	if err != nil {
		return nil, fmt.Errorf("cannot build connection settings: %w", err)
	}
	return cfg, nil
}

// LoopConn returns a connection an event loop can take: a TLS server
// connection is relayed through a socketpair (its plaintext end is
// returned), a plain one is itself.
func LoopConn(c net.Conn) (net.Conn, error) {
	if _, ok := c.(*tls.Conn); !ok {
		return c, nil
	}
	return tlsedge.Bridge(c, nil)
}
