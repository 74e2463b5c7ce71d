// Package tlsedge holds pgdogd's TLS: the configurations it serves clients
// with and logs in to servers with, and the relay that puts a TLS stream on
// an event loop as plaintext.
package tlsedge

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// ALPN is the protocol name PostgreSQL 17 requires with direct TLS.
const ALPN = "postgresql"

// Files names the PEM files of pgdogd's client-facing TLS.
type Files struct {
	Certificate, PrivateKey string // enable TLS when both are set
	ClientCA                string // when set, clients must present a certificate it signed
}

// ServerConfig builds the TLS configuration clients are served with, or nil
// when f does not enable TLS. It reads the files now: the result does not
// change when they do (build a new one on reload).
func ServerConfig(f Files) (*tls.Config, error) {
	if f.Certificate == "" && f.PrivateKey == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.Certificate, f.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("cannot load tls_certificate %q and tls_private_key %q: %w", f.Certificate, f.PrivateKey, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{ALPN},
	}
	if f.ClientCA != "" {
		pool, err := readPool(f.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("cannot load tls_client_ca_certificate: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// readPool reads a PEM file of CA certificates.
func readPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// ErrNoALPN refuses a direct TLS connection that did not negotiate
// "postgresql" (PostgreSQL refuses it too: it could be another protocol's).
var ErrNoALPN = errors.New("direct TLS connection without ALPN \"postgresql\"")
