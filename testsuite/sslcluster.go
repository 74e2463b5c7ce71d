// SSL-only clusters: a Cluster reconfigured to accept TCP connections over TLS only (hostssl).

package testsuite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// RequireSSL gives c the server certificate and key (PEM), turns ssl on, replaces pg_hba.conf
// with hostssl-only lines (bob md5, everyone else SCRAM, as writeConfig does) and restarts c.
// Plaintext TCP connections are refused from then on with PostgreSQL's own FATAL 28000.
func (c *Cluster) RequireSSL(certPEM, keyPEM []byte) error {
	files := map[string][]byte{"server.crt": certPEM, "server.key": keyPEM}
	for name, b := range files {
		path := filepath.Join(c.DataDir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		if err := c.chownToRunAs(path); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(filepath.Join(c.DataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("cannot open postgresql.conf: %w", err)
	}
	_, err = f.WriteString("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write postgresql.conf: %w", err)
	}
	hba := "local all all scram-sha-256\n" +
		"hostssl all " + Bob.User + " 127.0.0.1/32 md5\n" +
		"hostssl all all 127.0.0.1/32 scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(c.DataDir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("cannot write pg_hba.conf: %w", err)
	}
	if err := c.Stop(); err != nil {
		return err
	}
	return c.Start()
}

// StartSSLCluster starts a cluster (stopped and removed when t ends) that accepts TCP
// connections only over TLS, presenting leaf as its server certificate.
func StartSSLCluster(t testing.TB, leaf *Leaf) *Cluster {
	t.Helper()
	c := StartCluster(t)
	if err := c.RequireSSL(leaf.CertPEM, leaf.KeyPEM); err != nil {
		t.Fatalf("cannot make the cluster SSL-only: %v\n%s", err, c.LogTail(2000))
	}
	return c
}
