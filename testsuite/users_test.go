// users.toml as PgDog reads it, through pgdogd against real PostgreSQL: password lists, password_hash, server credentials, databases, passthrough, per-user session defaults.

package testsuite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// secondDB is a second [[databases]] name for the same PostgreSQL database.
const secondDB = "pgdogd_second"

// usersConfig is the default proxy with auth_type authType, a second
// database name, and users.toml's text.
func usersConfig(authType, users string) ProxyConfig {
	cfg := DefaultConfig(shared)
	cfg.General.AuthType = authType
	cfg.Databases = append(cfg.Databases, Database{Name: secondDB, Host: shared.Host, Port: shared.Port, DatabaseName: TestDatabase})
	cfg.UsersTOML = users
	return cfg
}

// storedPassword reads a role's rolpassword: a SCRAM verifier for alice, an md5 hash for bob.
func storedPassword(t *testing.T, role string) string {
	t.Helper()
	ctx := testCtx(t, 10*time.Second)
	v, err := queryString(ctx, shared.MustConnect(t, Super), "select rolpassword from pg_authid where rolname = $1", role)
	if err != nil {
		t.Fatalf("cannot read %s's stored password: %v", role, err)
	}
	return v
}

// loginAs logs in through p and wants current_user to be want.
func loginAs(t *testing.T, p *Proxy, l Login, want string) {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	conn, err := p.Connect(ctx, l)
	if err != nil {
		t.Errorf("login as %s/%s with %q: %v", l.User, l.Database, l.Password, err)
		return
	}
	defer closeQuietly(conn)
	if who, err := queryString(ctx, conn, "select current_user"); err != nil || who != want {
		t.Errorf("login as %s/%s: current_user %q, %v; want %q", l.User, l.Database, who, err, want)
	}
}

// refused wants a login to fail with sqlstate.
func refused(t *testing.T, p *Proxy, l Login, sqlstate string) {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	conn, err := p.Connect(ctx, l)
	if err == nil {
		closeQuietly(conn)
		t.Errorf("login as %s/%s with %q succeeded, want %s", l.User, l.Database, l.Password, sqlstate)
		return
	}
	if sqlState(err) != sqlstate {
		t.Errorf("login as %s/%s with %q: %v, want SQLSTATE %s", l.User, l.Database, l.Password, err, sqlstate)
	}
}

// TestUsersPasswordVariants logs alice (SCRAM in PostgreSQL) and bob (md5)
// in through each way users.toml can give their passwords, under auth_type
// scram and md5.
func TestUsersPasswordVariants(t *testing.T) {
	aliceHash, bobHash := storedPassword(t, Alice.User), storedPassword(t, Bob.User)
	entry := func(l Login, keys string) string {
		return fmt.Sprintf("[[users]]\nname = %q\ndatabase = %q\n%s\n", l.User, TestDatabase, keys)
	}
	variants := []struct {
		name  string
		users string
		good  map[string][]string // user -> passwords that log in
	}{
		// the first password is wrong for PostgreSQL: the server login goes on to the next
		{"passwords", entry(Alice, `passwords = ["stale_a", "alice_pw"]`) + entry(Bob, `passwords = ["stale_b", "bob_pw"]`),
			map[string][]string{"alice": {"stale_a", "alice_pw"}, "bob": {"stale_b", "bob_pw"}}},
		{"password and passwords", entry(Alice, `password = "alice_pw"`+"\n"+`passwords = ["other_a"]`) +
			entry(Bob, `password = "bob_pw"`+"\n"+`passwords = ["other_b"]`),
			map[string][]string{"alice": {"alice_pw", "other_a"}, "bob": {"bob_pw", "other_b"}}},
		{"password_hash", entry(Alice, `password_hash = "`+aliceHash+`"`+"\n"+`server_password = "alice_pw"`) +
			entry(Bob, `password_hash = "`+bobHash+`"`+"\n"+`server_password = "bob_pw"`),
			map[string][]string{"alice": {"alice_pw"}, "bob": {"bob_pw"}}},
	}
	for _, authType := range []string{"scram", "md5"} {
		for _, v := range variants {
			t.Run(authType+"/"+v.name, func(t *testing.T) {
				p := StartProxy(t, usersConfig(authType, v.users))
				for _, l := range []Login{Alice, Bob} {
					for _, pw := range v.good[l.User] {
						if authType == "scram" && v.name == "password_hash" && l.User == Bob.User {
							continue // an md5 hash cannot serve SCRAM, as in PostgreSQL
						}
						loginAs(t, p, l.WithPassword(pw), l.User)
					}
					refused(t, p, l.WithPassword("wrong_pw"), "28P01")
				}
			})
		}
	}
}

// TestUsersHashNeedsMD5ForMD5Hash: under scram, a user whose only password
// is an md5 hash is refused, as PostgreSQL refuses it.
func TestUsersHashNeedsMD5ForMD5Hash(t *testing.T) {
	users := fmt.Sprintf("[[users]]\nname = %q\ndatabase = %q\npassword_hash = %q\nserver_password = %q\n",
		Bob.User, TestDatabase, storedPassword(t, Bob.User), Bob.Password)
	p := StartProxy(t, usersConfig("scram", users))
	refused(t, p, Bob, "28P01")
}

// TestUsersServerCredentials: a client name PostgreSQL does not know logs
// in to pgdogd with its own password and to PostgreSQL as server_user.
func TestUsersServerCredentials(t *testing.T) {
	users := fmt.Sprintf("[[users]]\nname = \"app\"\ndatabase = %q\npassword = \"app_pw\"\nserver_user = %q\nserver_password = %q\n",
		TestDatabase, Bob.User, Bob.Password)
	for _, authType := range []string{"scram", "md5"} {
		t.Run(authType, func(t *testing.T) {
			p := StartProxy(t, usersConfig(authType, users))
			loginAs(t, p, Login{User: "app", Password: "app_pw", Database: TestDatabase}, Bob.User)
			refused(t, p, Login{User: "app", Password: Bob.Password, Database: TestDatabase}, "28P01")
		})
	}
}

// TestUsersDatabases: one entry for several databases, and for all of them.
func TestUsersDatabases(t *testing.T) {
	users := fmt.Sprintf("[[users]]\nname = %q\ndatabases = [%q, %q]\npassword = %q\n\n"+
		"[[users]]\nname = %q\nall_databases = true\npassword = %q\n",
		Alice.User, TestDatabase, secondDB, Alice.Password, Bob.User, Bob.Password)
	for _, authType := range []string{"scram", "md5"} {
		t.Run(authType, func(t *testing.T) {
			p := StartProxy(t, usersConfig(authType, users))
			for _, l := range []Login{Alice, Bob} {
				loginAs(t, p, l, l.User)
				loginAs(t, p, l.WithDatabase(secondDB), l.User)
				refused(t, p, l.WithDatabase(secondDB).WithPassword("wrong_pw"), "28P01")
			}
		})
	}
}

// passthroughRole creates a SCRAM role of its own for a test that changes
// its password, dropped when the test ends (after the proxy stopped).
func passthroughRole(t *testing.T, role, password string) {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	super := shared.MustConnect(t, Super)
	if _, err := super.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, password)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = super.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
		_, _ = super.Exec(ctx, "DROP ROLE IF EXISTS "+role)
		closeQuietly(super)
	})
}

// setRolePassword changes a role's password in PostgreSQL.
func setRolePassword(t *testing.T, role, password string) {
	t.Helper()
	ctx := testCtx(t, 10*time.Second)
	super := shared.MustConnect(t, Super)
	defer closeQuietly(super)
	if _, err := super.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", role, password)); err != nil {
		t.Fatal(err)
	}
}

// TestUsersPassthrough: with passthrough_auth and no users.toml entry,
// PostgreSQL decides: alice (SCRAM) and bob (md5) log in with their
// passwords, a wrong one is 28P01. Once PostgreSQL took a password, the
// next client with it logs in without asking PostgreSQL: after the role's
// password changed there, the old one still logs in (and is served by the
// pool's server), the new one is refused until passthrough allows changes.
func TestUsersPassthrough(t *testing.T) {
	passthroughRole(t, "dave", "dave_pw")
	cfg := usersConfig("scram", "# passthrough: no users\n")
	cfg.General.DefaultPoolSize = 1
	p := StartProxyWith(t, cfg, nil, `passthrough_auth = "enabled_plain"`)
	loginAs(t, p, Alice, Alice.User)
	loginAs(t, p, Bob, Bob.User)
	refused(t, p, Alice.WithPassword("wrong_pw"), "28P01")
	refused(t, p, Login{User: "mallory", Password: "x", Database: TestDatabase}, "28P01")

	dave := Login{User: "dave", Password: "dave_pw", Database: TestDatabase}
	loginAs(t, p, dave, "dave")
	setRolePassword(t, "dave", "dave_new")
	loginAs(t, p, dave, "dave") // remembered: PostgreSQL is not asked
	refused(t, p, dave.WithPassword("dave_new"), "28P01")

	p2 := StartProxyWith(t, cfg, nil, `passthrough_auth = "enabled_plain_allow_change"`)
	loginAs(t, p2, dave.WithPassword("dave_new"), "dave")
	refused(t, p2, dave, "28P01") // PostgreSQL no longer takes the old one
}

// TestUsersPassthroughWithEntry: a users.toml entry without a password
// gets it from passthrough; one with a password is checked against it.
func TestUsersPassthroughWithEntry(t *testing.T) {
	users := fmt.Sprintf("[[users]]\nname = %q\ndatabase = %q\n\n[[users]]\nname = %q\ndatabase = %q\npassword = %q\n",
		Alice.User, TestDatabase, Bob.User, TestDatabase, Bob.Password)
	p := StartProxyWith(t, usersConfig("scram", users), nil, `passthrough_auth = "enabled_plain"`)
	loginAs(t, p, Alice, Alice.User)
	refused(t, p, Alice.WithPassword("wrong_pw"), "28P01")
	loginAs(t, p, Bob, Bob.User)
	refused(t, p, Bob.WithPassword("wrong_pw"), "28P01")
}

// connectWith opens a client through p with extra startup settings.
func connectWith(t *testing.T, p *Proxy, l Login, settings map[string]string) *pgx.Conn {
	t.Helper()
	cfg, err := p.PGXConfig(l)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range settings {
		cfg.RuntimeParams[k] = v
	}
	ctx := testCtx(t, 20*time.Second)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("login as %s with %v: %v", l.User, settings, err)
	}
	t.Cleanup(func() { closeQuietly(conn) })
	return conn
}

// wantSetting wants SHOW name to say want.
func wantSetting(t *testing.T, conn *pgx.Conn, name, want string) {
	t.Helper()
	got, err := queryString(testCtx(t, 10*time.Second), conn, "SHOW "+name)
	if err != nil || got != want {
		t.Errorf("SHOW %s = %q, %v; want %q", name, got, err, want)
	}
}

// TestUsersSessionDefaults: a user's statement_timeout, lock_timeout and
// read_only are its clients' defaults, in both pooler modes and through a
// pool of one server shared with a client that chose its own: SHOW sees
// them, the client's own startup setting and SET win, RESET comes back to
// them, and a write is refused (25006).
func TestUsersSessionDefaults(t *testing.T) {
	users := fmt.Sprintf("[[users]]\nname = %q\ndatabase = %q\npassword = %q\npool_size = 1\n"+
		"statement_timeout = 1234\nlock_timeout = 2500\nread_only = true\n", Alice.User, TestDatabase, Alice.Password)
	for _, mode := range []string{"transaction", "session"} {
		t.Run(mode, func(t *testing.T) {
			cfg := usersConfig("scram", users)
			cfg.General.PoolerMode = mode
			p := StartProxy(t, cfg)
			ctx := testCtx(t, 30*time.Second)
			a := connectWith(t, p, Alice, nil)
			wantSetting(t, a, "statement_timeout", "1234ms")
			wantSetting(t, a, "lock_timeout", "2500ms")
			wantSetting(t, a, "default_transaction_read_only", "on")
			if _, err := a.Exec(ctx, "INSERT INTO events (note) VALUES ('read only user')"); sqlState(err) != "25006" {
				t.Errorf("write by a read_only user: %v, want SQLSTATE 25006", err)
			}
			// (SET to 0 is not used: between transactions pgdogd cannot tell it from RESET, see session.AppendRestore)
			if _, err := a.Exec(ctx, "SET statement_timeout = '9s'"); err != nil {
				t.Fatal(err)
			}
			wantSetting(t, a, "statement_timeout", "9s")
			if _, err := a.Exec(ctx, "RESET statement_timeout"); err != nil {
				t.Fatal(err)
			}
			wantSetting(t, a, "statement_timeout", "1234ms")
			if mode == "session" {
				return // a has the only server until it leaves
			}
			b := connectWith(t, p, Alice, map[string]string{"statement_timeout": "5s", "default_transaction_read_only": "off"})
			wantSetting(t, b, "statement_timeout", "5s")
			wantSetting(t, b, "lock_timeout", "2500ms")
			if _, err := b.Exec(ctx, "INSERT INTO events (note) VALUES ('own read_only off')"); err != nil {
				t.Errorf("write by a client that turned read_only off at startup: %v", err)
			}
			wantSetting(t, a, "statement_timeout", "1234ms") // same server, a's settings again
			if _, err := a.Exec(ctx, "SELECT pg_sleep(2)"); sqlState(err) != "57014" {
				t.Errorf("a 2 s statement under the user's 1234 ms statement_timeout: %v, want SQLSTATE 57014", err)
			}
		})
	}
}

// TestUsersSessionDefaultsSessionNext: in session mode the next client of
// the same server gets the user's defaults back after one that SET its own.
func TestUsersSessionDefaultsSessionNext(t *testing.T) {
	users := fmt.Sprintf("[[users]]\nname = %q\ndatabase = %q\npassword = %q\npool_size = 1\nstatement_timeout = 1234\n",
		Alice.User, TestDatabase, Alice.Password)
	cfg := usersConfig("scram", users)
	cfg.General.PoolerMode = "session"
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 20*time.Second)
	a, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(ctx, "SET statement_timeout = '7s'"); err != nil {
		t.Fatal(err)
	}
	wantSetting(t, a, "statement_timeout", "7s")
	closeQuietly(a)
	b := connectWith(t, p, Alice, nil)
	wantSetting(t, b, "statement_timeout", "1234ms")
}
