// Tests of Print: effective values shown, passwords masked.

package config

import (
	"strings"
	"testing"
)

func TestPrintMasksPasswords(t *testing.T) {
	cfg := mustLoad(t, `
[general]
port = 7001

[[databases]]
name = "prod"
host = "h"
user = "srv"
password = "db-secret-1"

[admin]
password = "admin-secret-2"
`, `
[[users]]
name = "alice"
database = "prod"
password = "user-secret-3"
server_password = "server-secret-4"
pool_size = 3
`)
	var b strings.Builder
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"db-secret-1", "admin-secret-2", "user-secret-3", "server-secret-4"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"port = 7001\n",
		"checkout_timeout = 5000 # ms\n",
		"mirror_exposure = 1.0\n",
		`password = "***"` + "\n",
		`server_password = "***"` + "\n",
		"# effective pool: size 3, min 1, mode transaction\n",
		"[[databases]]\n",
		`user = "srv"` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, `password = "***"`); n != 4 {
		t.Errorf("%d masked passwords, want 4 (database, admin, user, server):\n%s", n, out)
	}
}

func TestPrintNotesGeneratedAdminPassword(t *testing.T) {
	cfg := mustLoad(t, baseDB, baseUsers)
	var b strings.Builder
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), cfg.Admin.Password) {
		t.Error("generated admin password printed in clear")
	}
	if !strings.Contains(b.String(), "admin password was generated") {
		t.Errorf("no note about the generated password:\n%s", b.String())
	}
}
