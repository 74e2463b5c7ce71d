// message_test.go tests ClientMessage's text for each kind of login failure, and IsMD5Hash.

package backend

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

func TestClientMessage(t *testing.T) {
	// wrap puts an error where pgconn puts it: behind the address and user.
	wrap := func(err error) error {
		return fmt.Errorf("failed to connect to `user=pgdogd database=app`: 10.1.2.3:5432 (db.internal): %w", err)
	}
	badHost := x509.HostnameError{Certificate: &x509.Certificate{}, Host: "10.1.2.3"}
	const certFailed = "server certificate verification failed (tls_verify): "
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"server error", wrap(&pgconn.PgError{Severity: "FATAL", Code: "3D000", Message: `database "app" does not exist`}),
			`server login failed: database "app" does not exist`},
		{"context deadline", wrap(context.DeadlineExceeded), "server did not answer within connect_timeout"},
		{"socket deadline", wrap(os.ErrDeadlineExceeded), "server did not answer within connect_timeout"},
		{"no SSL", wrap(tlsedge.ErrServerNoTLS), "server does not support SSL, but tls_verify requires it"},
		{"verify-full's error", wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}),
			certFailed + "x509: certificate signed by unknown authority"},
		{"verify-ca's bare error", wrap(x509.UnknownAuthorityError{}), certFailed + "x509: certificate signed by unknown authority"},
		{"wrong name", wrap(badHost), certFailed + badHost.Error()},
		{"expired", wrap(x509.CertificateInvalidError{Reason: x509.Expired, Detail: "too old"}),
			certFailed + "x509: certificate has expired or is not yet valid: too old"},
		{"anything else", wrap(errors.New("dial tcp 10.1.2.3:5432: connect: no route to host")), "server is not reachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClientMessage(tc.err)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "10.1.2.3:5432") || strings.Contains(got, "pgdogd") {
				t.Errorf("%q shows the client pgdogd's connection details", got)
			}
		})
	}
}

func TestIsMD5Hash(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{aliceHash, true},
		{"md5" + strings.Repeat("0", 32), true},
		{"md5" + strings.ToUpper(aliceHash[3:]), true},
		{"", false},
		{"md5", false},
		{"secret", false},
		{aliceHash[:34], false},              // 31 hex digits
		{aliceHash + "0", false},             // 33 hex digits
		{"MD5" + aliceHash[3:], false},       // the prefix is lower case
		{"md5" + aliceHash[4:] + "g", false}, // not hex
		{"xyz" + aliceHash[3:], false},       // no prefix
		{"SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy", false},
	} {
		if got := IsMD5Hash(tc.pw); got != tc.want {
			t.Errorf("IsMD5Hash(%q) = %v, want %v", tc.pw, got, tc.want)
		}
	}
}
