// TLS fixtures: certificate authorities, server and client certificates made with crypto/x509
// (no openssl), written as PEM files for pgdogd, PostgreSQL, libpq and pgx.

package testsuite

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority made for one test.
type CA struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
}

// Leaf is a certificate issued by a CA, with its key, both in PEM.
type Leaf struct {
	Cert    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte
}

// LeafSpec says what to put in a leaf certificate; zero fields take defaults (a random serial,
// valid from an hour ago for 30 days).
type LeafSpec struct {
	CommonName string
	Serial     *big.Int
	NotBefore  time.Time
	NotAfter   time.Time
	Hosts      []string // IP addresses and DNS names of a server certificate
	Client     bool     // client authentication instead of server authentication
}

// NewCA makes a self-signed ECDSA P-256 certificate authority.
func NewCA(commonName string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cannot generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"pgdogd tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("cannot create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("cannot parse CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Issue signs a new leaf certificate (with a fresh P-256 key) described by spec.
func (ca *CA) Issue(spec LeafSpec) (*Leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cannot generate key: %w", err)
	}
	serial := spec.Serial
	if serial == nil {
		if serial, err = randomSerial(); err != nil {
			return nil, err
		}
	}
	notBefore, notAfter := spec.NotBefore, spec.NotAfter
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	if notAfter.IsZero() {
		notAfter = notBefore.Add(30 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.CommonName, Organization: []string{"pgdogd tests"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if spec.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, h := range spec.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("cannot create certificate %q: %w", spec.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("cannot parse certificate %q: %w", spec.CommonName, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("cannot encode key: %w", err)
	}
	return &Leaf{
		Cert:    cert,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// Pool returns a certificate pool holding only ca.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// WriteFiles writes the leaf's certificate and key (mode 0600, as libpq and PostgreSQL
// require for keys) as dir/name.crt and dir/name.key and returns both paths.
func (l *Leaf) WriteFiles(dir, name string) (certPath, keyPath string, err error) {
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, l.CertPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("cannot write %s: %w", certPath, err)
	}
	if err := os.WriteFile(keyPath, l.KeyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("cannot write %s: %w", keyPath, err)
	}
	return certPath, keyPath, nil
}

// TLSCertificate returns the leaf as a crypto/tls certificate.
func (l *Leaf) TLSCertificate() (tls.Certificate, error) {
	return tls.X509KeyPair(l.CertPEM, l.KeyPEM)
}

// TestCerts is the set of TLS files the network-edge tests use, all in Dir.
type TestCerts struct {
	Dir string
	// CA signs Server and Client; OtherCA is unrelated and signs OtherClient.
	CA, OtherCA         *CA
	CAFile, OtherCAFile string
	// Server is for 127.0.0.1 and localhost.
	Server                          *Leaf
	ServerCert, ServerKey           string
	Client                          *Leaf // common name alice
	ClientCert, ClientKey           string
	OtherClient                     *Leaf // common name alice, signed by OtherCA
	OtherClientCert, OtherClientKey string
}

// ServerHosts are the names a test server certificate is valid for.
var ServerHosts = []string{"127.0.0.1", "localhost"}

// NewTestCerts makes a CA, a server certificate for ServerHosts and a client certificate
// for alice signed by it, and an unrelated CA with its own client certificate for alice;
// the PEM files are written into t.TempDir().
func NewTestCerts(t testing.TB) *TestCerts {
	t.Helper()
	tc, err := newTestCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

func newTestCerts(dir string) (*TestCerts, error) {
	tc := &TestCerts{Dir: dir}
	var err error
	if tc.CA, err = NewCA("pgdogd test CA"); err != nil {
		return nil, err
	}
	if tc.OtherCA, err = NewCA("unrelated test CA"); err != nil {
		return nil, err
	}
	tc.CAFile, tc.OtherCAFile = filepath.Join(dir, "ca.crt"), filepath.Join(dir, "other-ca.crt")
	if err := os.WriteFile(tc.CAFile, tc.CA.CertPEM, 0o644); err != nil {
		return nil, fmt.Errorf("cannot write CA file: %w", err)
	}
	if err := os.WriteFile(tc.OtherCAFile, tc.OtherCA.CertPEM, 0o644); err != nil {
		return nil, fmt.Errorf("cannot write CA file: %w", err)
	}
	if tc.Server, err = tc.CA.Issue(LeafSpec{CommonName: "127.0.0.1", Hosts: ServerHosts}); err != nil {
		return nil, err
	}
	if tc.ServerCert, tc.ServerKey, err = tc.Server.WriteFiles(dir, "server"); err != nil {
		return nil, err
	}
	if tc.Client, err = tc.CA.Issue(LeafSpec{CommonName: Alice.User, Client: true}); err != nil {
		return nil, err
	}
	if tc.ClientCert, tc.ClientKey, err = tc.Client.WriteFiles(dir, "client"); err != nil {
		return nil, err
	}
	if tc.OtherClient, err = tc.OtherCA.Issue(LeafSpec{CommonName: Alice.User, Client: true}); err != nil {
		return nil, err
	}
	if tc.OtherClientCert, tc.OtherClientKey, err = tc.OtherClient.WriteFiles(dir, "other-client"); err != nil {
		return nil, err
	}
	return tc, nil
}

// randomSerial is a random positive 127-bit certificate serial number.
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("cannot draw a serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
