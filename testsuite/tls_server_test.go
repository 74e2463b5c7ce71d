// Mutual TLS toward PostgreSQL: pgdogd presents tls_server_certificate to a server that asks for a client certificate.

package testsuite

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireClientCert makes c (already SSL-only) ask every TCP client for a
// certificate signed by caPEM (clientcert=verify-ca) on top of its password.
func requireClientCert(t *testing.T, c *Cluster, caPEM []byte) {
	t.Helper()
	path := filepath.Join(c.DataDir, "client-ca.crt")
	if err := os.WriteFile(path, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.chownToRunAs(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(c.DataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("\nssl_ca_file = 'client-ca.crt'\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	hba := "local all all scram-sha-256\n" +
		"hostssl all " + Bob.User + " 127.0.0.1/32 md5 clientcert=verify-ca\n" +
		"hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca\n"
	if err := os.WriteFile(filepath.Join(c.DataDir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("cannot restart the cluster: %v\n%s", err, c.LogTail(2000))
	}
}

// TestTLSServerMutual: a server that requires a client certificate refuses
// pgdogd without tls_server_certificate (the client learns why), and serves
// it with one; PostgreSQL sees the certificate's subject. Both login paths
// are used: SCRAM (alice, pgconn) and a stored md5 hash (bob, pgdogd's own).
func TestTLSServerMutual(t *testing.T) {
	tc := NewTestCerts(t)
	sc := StartSSLCluster(t, tc.Server)
	requireClientCert(t, sc, tc.CA.CertPEM)
	ctx := testCtx(t, 40*time.Second)
	verify := []string{`tls_verify = "verify_full"`, "tls_server_ca_certificate = " + strconv.Quote(tc.CAFile)}

	p := startProxyExtra(t, DefaultConfig(sc), verify...)
	var ssl bool
	err := connectAndQuery(ctx, p.Endpoint, Alice, "select true", &ssl)
	expectFatal(t, err, "08006", "without a client certificate")
	// pgdogd's output reaches the test through a pipe: wait for the line.
	p.waitLog(t, "certificate")

	mutual := append(verify, "tls_server_certificate = "+strconv.Quote(tc.ClientCert),
		"tls_server_private_key = "+strconv.Quote(tc.ClientKey))
	cfg := DefaultConfig(sc)
	cfg.General.AuthType = "md5"
	cfg.Users = []User{
		// bob's server login is md5: pgdogd logs in with the stored hash, its own login path.
		{Name: Bob.User, Database: TestDatabase, Password: MD5Hash(Bob.User, Bob.Password)},
		{Name: Alice.User, Database: TestDatabase, Password: MD5Hash(Alice.User, Alice.Password), ServerPassword: Alice.Password},
	}
	p = startProxyExtra(t, cfg, mutual...)
	for _, l := range []Login{Alice, Bob} {
		var dn string
		if err := connectAndQuery(ctx, p.Endpoint, l, "select client_dn from pg_stat_ssl where pid = pg_backend_pid()", &dn); err != nil {
			t.Fatalf("%s through pgdogd with a client certificate: %v", l.User, err)
		}
		if !strings.HasSuffix(dn, "/CN="+Alice.User) {
			t.Errorf("%s: PostgreSQL saw client certificate %q, want the subject of tls_server_certificate (CN=%s)", l.User, dn, Alice.User)
		}
	}
}
