// Tests of users.toml's [[users]] entries: passwords, databases and all_databases, per-user settings, passthrough_auth.

package config

import (
	"strings"
	"testing"
	"time"
)

// twoDBs has databases a and b, b with a replica entry too.
const twoDBs = `
[[databases]]
name = "a"
host = "h"

[[databases]]
name = "b"
host = "h"

[[databases]]
name = "b"
host = "r"
role = "replica"
`

// pairs lists cfg.Users as "name/database".
func pairs(cfg *Config) []string {
	var out []string
	for _, u := range cfg.Users {
		out = append(out, u.Name+"/"+u.Database)
	}
	return out
}

// hasWarning tells whether some warning contains every part.
func hasWarning(cfg *Config, parts ...string) bool {
	for _, w := range cfg.Warnings {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(w, p)
		}
		if all {
			return true
		}
	}
	return false
}

func TestUserPasswordsOrder(t *testing.T) {
	cfg := mustLoad(t, baseDB, `
[[users]]
name = "alice"
database = "prod"
password = "p"
passwords = ["one", "two"]
password_hash = "md5aabbccddeeff00112233445566778899"
`)
	got := strings.Join(cfg.Users[0].ClientPasswords(), ",")
	if got != "one,two,p,md5aabbccddeeff00112233445566778899" {
		t.Errorf("ClientPasswords = %s, want passwords, then password, then password_hash", got)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
}

func TestUserDatabasesExpand(t *testing.T) {
	cfg := mustLoad(t, twoDBs, `
[[users]]
name = "multi"
databases = ["b", "a"]
password = "x"

[[users]]
name = "every"
all_databases = true
password = "x"
pool_size = 4
`)
	got := strings.Join(pairs(cfg), " ")
	if got != "multi/b multi/a every/a every/b" {
		t.Fatalf("pools = %s", got)
	}
	u, ok := cfg.User("every", "b")
	if !ok || u.PoolSize != 4 || u.Password != "x" {
		t.Errorf("every/b = %+v, %v: want the entry's settings", u, ok)
	}
}

func TestUserDatabasesPrecedence(t *testing.T) {
	cfg := mustLoad(t, twoDBs, `
[[users]]
name = "u"
database = "a"
databases = ["b"]
password = "x"

[[users]]
name = "v"
database = "a"
all_databases = true
password = "x"
`)
	if got := strings.Join(pairs(cfg), " "); got != "u/b v/a v/b" {
		t.Fatalf("pools = %s: databases wins over database, all_databases over both", got)
	}
	if !hasWarning(cfg, "users.toml:2:", "users[1]", "databases is used") ||
		!hasWarning(cfg, "users.toml:8:", "users[2]", "all_databases is used") {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
}

// TestUserLaterEntryWins: a pair given again by a later entry takes its
// settings (as PgDog), whichever of the two expanded it.
func TestUserLaterEntryWins(t *testing.T) {
	cfg := mustLoad(t, twoDBs, `
[[users]]
name = "u"
all_databases = true
password = "x"
pool_size = 2

[[users]]
name = "u"
database = "b"
password = "x"
pool_size = 9
`)
	if got := strings.Join(pairs(cfg), " "); got != "u/a u/b" {
		t.Fatalf("pools = %s", got)
	}
	if u, _ := cfg.User("u", "b"); u.PoolSize != 9 {
		t.Errorf("u/b pool_size = %d, want the later entry's 9", u.PoolSize)
	}
	if !hasWarning(cfg, "users[2]", `user "u" for database "b" is also given by users[1]`) {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
}

func TestUserSettings(t *testing.T) {
	cfg := mustLoad(t, baseDB, baseUsers+`statement_timeout = 1500
lock_timeout = 0
read_only = true
idle_timeout = 7000
server_lifetime = 9000
`)
	u := &cfg.Users[0]
	if !u.HasStatementTimeout || u.StatementTimeout != 1500*time.Millisecond || !u.HasLockTimeout || u.LockTimeout != 0 ||
		!u.HasReadOnly || !u.ReadOnly {
		t.Errorf("session defaults: %+v", *u)
	}
	if cfg.IdleTimeout(u) != 7*time.Second || cfg.ServerLifetime(u) != 9*time.Second {
		t.Errorf("limits: idle %v lifetime %v", cfg.IdleTimeout(u), cfg.ServerLifetime(u))
	}
	if cfg.IdleTimeout(nil) != time.Minute || cfg.ServerLifetime(nil) != 24*time.Hour {
		t.Errorf("general limits: idle %v lifetime %v", cfg.IdleTimeout(nil), cfg.ServerLifetime(nil))
	}
}

func TestUserProblems(t *testing.T) {
	tests := []struct {
		name, users, key string
		line             int
		msg              string
	}{
		{"hash not a hash", "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npassword_hash = \"plain\"\n",
			"users[1].password_hash", 4, "must be a SCRAM-SHA-256 verifier or an md5 hash, as in pg_authid.rolpassword"},
		{"bad verifier", "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npasswords = [\"x\", \"SCRAM-SHA-256$1:bad\"]\n",
			"users[1].passwords", 4, "cannot parse SCRAM verifier"},
		{"empty in passwords", "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npasswords = [\"x\", \"\"]\n",
			"users[1].passwords", 4, "the password is empty"},
		{"unknown in databases", "[[users]]\nname = \"a\"\ndatabases = [\"prod\", \"nope\"]\n",
			"users[1].databases", 3, `database "nope" is not a [[databases]] entry`},
		{"databases not strings", "[[users]]\nname = \"a\"\ndatabases = [1]\n",
			"users[1].databases", 3, "expected an array of strings"},
		{"no database", "[[users]]\nname = \"a\"\nall_databases = false\n",
			"users[1].database", 1, "names no database"},
		{"bad passthrough", "", "general.passthrough_auth", 0, `"yes" is not one of disabled, enabled`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pgdog, users, file := baseDB, tt.users, "users.toml"
			if tt.users == "" {
				pgdog, users, file = "[general]\npassthrough_auth = \"yes\"\n"+baseDB, baseUsers, "pgdog.toml"
				tt.line = 2
			}
			p := findProblem(t, loadProblems(t, pgdog, users), file, tt.key)
			if p.Line != tt.line || !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("got %s, want line %d and %q", p, tt.line, tt.msg)
			}
		})
	}
}

func TestPassthroughModes(t *testing.T) {
	for _, tt := range []struct {
		general       string
		on, change    bool
		warnsTLSIsOff bool
	}{
		{"", false, false, false},
		{"passthrough_auth = \"enabled_plain\"", true, false, false},
		{"passthrough_auth = \"enabled_plain_allow_change\"", true, true, false},
		{"passthrough_auth = \"enabled\"", false, false, true},
		{"passthrough_auth = \"enabled_allow_change\"\ntls_certificate = \"c\"\ntls_private_key = \"k\"", true, true, false},
	} {
		cfg := mustLoad(t, "[general]\n"+tt.general+"\n"+baseDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\n")
		on, change := cfg.General.Passthrough()
		if on != tt.on || change != tt.change {
			t.Errorf("%q: Passthrough() = %v, %v; want %v, %v", tt.general, on, change, tt.on, tt.change)
		}
		if got := hasWarning(cfg, "needs tls_certificate"); got != tt.warnsTLSIsOff {
			t.Errorf("%q: TLS warning %v, want %v: %q", tt.general, got, tt.warnsTLSIsOff, cfg.Warnings)
		}
		// Without passthrough a user without password is useless: a warning says so.
		if got := hasWarning(cfg, "has no password and passthrough_auth is off"); got == on {
			t.Errorf("%q: no-password warning %v with passthrough %v: %q", tt.general, got, on, cfg.Warnings)
		}
	}
}

// TestUserWithoutPasswordKeepsNoServers: as in PgDog, min_pool_size of a
// user pgdogd has no password for becomes 0, with a warning.
func TestUserWithoutPasswordKeepsNoServers(t *testing.T) {
	cfg := mustLoad(t, baseDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\nmin_pool_size = 3\n")
	u, d := &cfg.Users[0], &cfg.Databases[0]
	if got := cfg.MinPoolSize(u, d); got != 0 {
		t.Errorf("min_pool_size = %d, want 0", got)
	}
	if !hasWarning(cfg, "min_pool_size 3 is set to 0") {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
	cfg = mustLoad(t, baseDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\nmin_pool_size = 3\nserver_password = \"s\"\n")
	if got := cfg.MinPoolSize(&cfg.Users[0], &cfg.Databases[0]); got != 3 {
		t.Errorf("with server_password: min_pool_size = %d, want 3", got)
	}
}

func TestPrintUserMasksEveryPassword(t *testing.T) {
	cfg := mustLoad(t, baseDB, baseUsers+`passwords = ["one-secret", "two-secret"]
password_hash = "md5aabbccddeeff00112233445566778899"
statement_timeout = 250
read_only = false
`)
	var b strings.Builder
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, leak := range []string{"one-secret", "two-secret", "md5aabb", "\"secret\""} {
		if strings.Contains(out, leak) {
			t.Errorf("configcheck output shows %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{`passwords = ["***", "***"]`, `password_hash = "***"`, "statement_timeout = 250 # ms", "read_only = false"} {
		if !strings.Contains(out, want) {
			t.Errorf("configcheck output lacks %q:\n%s", want, out)
		}
	}
}

// TestUserVerifierNeedsServerPassword: a user whose passwords are all
// SCRAM verifiers cannot log in to PostgreSQL with them: a warning says so
// unless server_password (or passthrough) gives another way.
func TestUserVerifierNeedsServerPassword(t *testing.T) {
	const v = "SCRAM-SHA-256$4096:6h5SbuI8gRaxrQHEX6hUZQ==$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8="
	for _, tt := range []struct {
		keys string
		warn bool
	}{
		{`password = "` + v + `"`, true},
		{`password_hash = "` + v + `"`, true},
		{`password_hash = "` + v + `"` + "\nserver_password = \"s\"", false},
		{`password_hash = "` + v + `"` + "\npassword = \"plain\"", false},
	} {
		cfg := mustLoad(t, baseDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\n"+tt.keys+"\n")
		if got := hasWarning(cfg, "only SCRAM verifiers"); got != tt.warn {
			t.Errorf("%s: warning %v, want %v: %q", tt.keys, got, tt.warn, cfg.Warnings)
		}
	}
}
