// Tests of the passwords checked as the start reads them.

package config

import (
	"strings"
	"testing"
)

func TestUserWithoutPassword(t *testing.T) {
	users := "[[users]]\nname = \"bob\"\ndatabase = \"prod\"\n"
	cfg := mustLoad(t, baseDB, users)
	want := `users.toml:1: users[1]: user "bob" has no password and passthrough_auth is off: no client can log in as it`
	found := false
	for _, w := range cfg.Warnings {
		found = found || w == want
	}
	if !found {
		t.Errorf("warnings %q lack %q", cfg.Warnings, want)
	}
	cfg = mustLoad(t, "[general]\nauth_type = \"trust\"\n"+baseDB, "[[users]]\nname = \"bob\"\ndatabase = \"prod\"\n")
	if len(cfg.Warnings) != 0 {
		t.Errorf("under trust, no password is fine: %q", cfg.Warnings)
	}
}

func TestUnreadablePasswords(t *testing.T) {
	ps := loadProblems(t, baseDB+"[admin]\npassword = \"SCRAM-SHA-256$4096:bad\"\n",
		"[[users]]\nname = \"a\"\ndatabase = \"prod\"\npassword = \"SCRAM-SHA-256$nope\"\n")
	for _, p := range []Problem{findProblem(t, ps, "users.toml", "users[1].password"),
		findProblem(t, ps, "pgdog.toml", "admin.password")} {
		if !strings.Contains(p.Msg, "cannot parse") || p.Line == 0 {
			t.Errorf("problem = %s", p)
		}
	}
	clearEnv(t)
	t.Setenv("PGDOG_ADMIN_PASSWORD", "SCRAM-SHA-256$x")
	_, err := Load(writeFiles(t, baseDB, baseUsers))
	if err == nil || !strings.Contains(err.Error(), "environment: PGDOG_ADMIN_PASSWORD: cannot parse password") {
		t.Errorf("err = %v", err)
	}
}
