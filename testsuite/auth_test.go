// Client authentication through pgdogd: auth types, wrong and unknown credentials, password forms.

package testsuite

import (
	"strings"
	"testing"
	"time"
)

// TestAuthTypes checks every auth_type with pgx, psql and a raw client.
func TestAuthTypes(t *testing.T) {
	for _, authType := range []string{"scram", "md5", "plain", "trust"} {
		t.Run(authType, func(t *testing.T) {
			cfg := DefaultConfig(shared)
			cfg.General.AuthType = authType
			p := StartProxy(t, cfg)
			for _, l := range []Login{Alice, Bob} {
				expectLogin(t, p, l)
			}
			if authType == "trust" {
				// trust checks no password: a wrong one is accepted.
				expectLogin(t, p, Alice.WithPassword("not-the-password"))
			} else {
				expectWrongPassword(t, p, authType)
			}
			expectUnknownUser(t, p, authType)
			expectUnknownDatabase(t, p)
		})
	}
}

// expectLogin logs in as l with pgx and psql and checks current_user.
func expectLogin(t *testing.T, p *Proxy, l Login) {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	conn, err := p.Connect(ctx, l)
	if err != nil {
		t.Errorf("pgx login as %s: %v", l.User, err)
	} else {
		who, err := queryString(ctx, conn, "select current_user")
		if err != nil || who != l.User {
			t.Errorf("pgx current_user as %s = %q, %v", l.User, who, err)
		}
		closeQuietly(conn)
	}
	out, err := p.Psql(ctx, l, "-tAc", "select current_user")
	if err != nil || strings.TrimSpace(out) != l.User {
		t.Errorf("psql as %s: %q, %v", l.User, out, err)
	}
}

// expectWrongPassword wants 28P01 from pgx and psql, and a closed connection after it.
func expectWrongPassword(t *testing.T, p *Proxy, authType string) {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	bad := Alice.WithPassword("wrong_pw")
	if conn, err := p.Connect(ctx, bad); err == nil {
		closeQuietly(conn)
		t.Errorf("%s: pgx login with a wrong password succeeded", authType)
	} else if sqlState(err) != "28P01" {
		t.Errorf("%s: pgx wrong password: %v, want SQLSTATE 28P01", authType, err)
	}
	out, err := p.Psql(ctx, bad, "-tAc", "select 1")
	if err == nil || !strings.Contains(out, "password authentication failed") {
		t.Errorf("%s: psql wrong password: %q, %v", authType, out, err)
	}
	r, err := rawStartup(t, p.Addr(), bad)
	if sqlState(err) != "28P01" {
		t.Errorf("%s: raw wrong password: %v, want 28P01", authType, err)
		return
	}
	if err := r.ExpectClosed(3 * time.Second); err != nil {
		t.Errorf("%s: after wrong password: %v", authType, err)
	}
}

// expectUnknownUser wants an unknown user to look exactly like a wrong password.
func expectUnknownUser(t *testing.T, p *Proxy, authType string) {
	t.Helper()
	r, err := rawStartup(t, p.Addr(), Login{User: "mallory", Password: "alice_pw", Database: TestDatabase})
	if sqlState(err) != "28P01" {
		t.Errorf("%s: unknown user: %v, want 28P01", authType, err)
		return
	}
	if strings.Contains(err.Error(), "does not exist") {
		t.Errorf("%s: unknown user error reveals the user is unknown: %v", authType, err)
	}
	if err := r.ExpectClosed(3 * time.Second); err != nil {
		t.Errorf("%s: after unknown user: %v", authType, err)
	}
	if authType == "trust" {
		return
	}
	_, wrongErr := rawStartup(t, p.Addr(), Alice.WithPassword("wrong_pw"))
	if wrongErr == nil {
		return // already reported by expectWrongPassword
	}
	shape := strings.ReplaceAll(err.Error(), "mallory", "alice")
	if shape != wrongErr.Error() {
		t.Errorf("%s: unknown user and wrong password differ:\n  unknown: %v\n  wrong:   %v", authType, err, wrongErr)
	}
}

// expectUnknownDatabase wants 3D000 and a closed connection.
func expectUnknownDatabase(t *testing.T, p *Proxy) {
	t.Helper()
	r, err := rawStartup(t, p.Addr(), Alice.WithDatabase("no_such_db"))
	if sqlState(err) != "3D000" {
		t.Errorf("unknown database: %v, want 3D000", err)
		return
	}
	if err := r.ExpectClosed(3 * time.Second); err != nil {
		t.Errorf("after unknown database: %v", err)
	}
}

// TestAuthPasswordForms stores users.toml passwords as an md5 hash and as a SCRAM verifier.
func TestAuthPasswordForms(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	super := shared.MustConnect(t, Super)
	verifier, err := queryString(ctx, super, "select rolpassword from pg_authid where rolname = $1", Alice.User)
	if err != nil || !strings.HasPrefix(verifier, "SCRAM-SHA-256$") {
		t.Fatalf("cannot read alice's verifier: %q, %v", verifier, err)
	}
	t.Run("md5-hash", func(t *testing.T) {
		cfg := DefaultConfig(shared)
		cfg.General.AuthType = "md5"
		cfg.Users = []User{
			// bob's server login is md5 too, so the hash alone logs in to PostgreSQL.
			{Name: Bob.User, Database: TestDatabase, Password: MD5Hash(Bob.User, Bob.Password)},
			// alice's server login is SCRAM, which needs the plain password.
			{Name: Alice.User, Database: TestDatabase, Password: MD5Hash(Alice.User, Alice.Password),
				ServerPassword: Alice.Password},
		}
		p := StartProxy(t, cfg)
		expectLogin(t, p, Bob)
		expectLogin(t, p, Alice)
		expectWrongPassword(t, p, "md5 with md5 hash")
	})
	t.Run("scram-verifier", func(t *testing.T) {
		cfg := DefaultConfig(shared)
		cfg.General.AuthType = "scram"
		cfg.Users = []User{{Name: Alice.User, Database: TestDatabase, Password: verifier,
			ServerPassword: Alice.Password}}
		p := StartProxy(t, cfg)
		expectLogin(t, p, Alice)
		expectWrongPassword(t, p, "scram with verifier")
	})
}
