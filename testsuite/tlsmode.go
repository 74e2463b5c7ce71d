// TLS mode of the whole suite: with PGDOGD_TEST_CLIENT_TLS=1, every pgdogd a test starts
// serves TLS and its clients (pgx, lib/pq, psql, pgbench) connect with sslmode=require.

package testsuite

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// ClientTLSEnv turns the suite's TLS mode on.
const ClientTLSEnv = "PGDOGD_TEST_CLIENT_TLS"

var suiteCerts struct {
	once sync.Once
	dir  string
	tc   *TestCerts
	err  error
}

// suiteTLS reports whether the suite runs its proxies' clients over TLS.
func suiteTLS() bool { return os.Getenv(ClientTLSEnv) == "1" }

// useSuiteTLS gives g the suite's certificate (made once per process; RemoveSuiteCerts
// removes it) in the suite's TLS mode, when allowed and g has no client TLS of its own.
func useSuiteTLS(g *General, allowed bool) error {
	if !suiteTLS() || !allowed || g.TLSCertificate != "" {
		return nil
	}
	suiteCerts.once.Do(func() {
		if suiteCerts.dir, suiteCerts.err = os.MkdirTemp("", "pgdogd-suite-certs-"); suiteCerts.err == nil {
			suiteCerts.tc, suiteCerts.err = newTestCerts(suiteCerts.dir)
		}
	})
	if suiteCerts.err != nil {
		return fmt.Errorf("cannot make the suite's TLS certificate: %w", suiteCerts.err)
	}
	g.TLSCertificate, g.TLSPrivateKey = suiteCerts.tc.ServerCert, suiteCerts.tc.ServerKey
	return nil
}

// RemoveSuiteCerts removes the suite's certificate files, if any were made.
func RemoveSuiteCerts() {
	if suiteCerts.dir != "" {
		_ = os.RemoveAll(suiteCerts.dir)
	}
}

// hasTLSLines reports whether extra already configures client TLS.
func hasTLSLines(extra []string) bool {
	for _, l := range extra {
		if strings.HasPrefix(strings.TrimSpace(l), "tls_certificate") {
			return true
		}
	}
	return false
}
