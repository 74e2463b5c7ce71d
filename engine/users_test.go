// users_test.go tests users.toml variants end to end without servers: configcheck (config.Load) and the real start (New) agree, and each pool gets its credentials, defaults and limits.

package engine

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/session"
)

// usersPgdog has databases a (with server credentials of its own) and b.
const usersPgdog = `
[[databases]]
name = "a"
host = "127.0.0.1"

[[databases]]
name = "b"
host = "127.0.0.1"
user = "db_owner"
password = "db_pw"
`

const verifier = "SCRAM-SHA-256$4096:6h5SbuI8gRaxrQHEX6hUZQ==$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8="

// usersVariant is one users.toml and what must come of it.
type usersVariant struct {
	name, general, users string
	loads                bool
	pools                []string // "user/database", in order
	check                func(t *testing.T, e *Engine)
}

var usersVariants = []usersVariant{
	{name: "password", users: `[[users]]
name = "u"
database = "a"
password = "p"`, loads: true, pools: []string{"u/a"}, check: func(t *testing.T, e *Engine) {
		wantServer(t, e, "u", "a", "u", []string{"p"})
	}},
	{name: "passwords", users: `[[users]]
name = "u"
database = "a"
password = "p"
passwords = ["p1", "p2"]`, loads: true, pools: []string{"u/a"}, check: func(t *testing.T, e *Engine) {
		wantServer(t, e, "u", "a", "u", []string{"p1", "p2", "p"})
		if n := len(e.pools.Load().get("u", "a").secrets); n != 3 {
			t.Errorf("%d client secrets, want 3", n)
		}
	}},
	{name: "password_hash with server_password", users: `[[users]]
name = "u"
database = "a"
password_hash = "` + verifier + `"
server_user = "srv"
server_password = "srv_pw"`, loads: true, pools: []string{"u/a"}, check: func(t *testing.T, e *Engine) {
		wantServer(t, e, "u", "a", "srv", []string{"srv_pw"})
	}},
	{name: "password_hash alone", users: `[[users]]
name = "u"
database = "a"
password_hash = "` + verifier + `"`, loads: true, pools: []string{"u/a"}, check: func(t *testing.T, e *Engine) {
		wantServer(t, e, "u", "a", "u", nil) // a verifier cannot log in: no password
		wantWarning(t, e, "only SCRAM verifiers (password_hash) and no server_password")
	}},
	{name: "database credentials win", users: `[[users]]
name = "u"
database = "b"
password = "p"
server_user = "srv"
server_password = "srv_pw"`, loads: true, pools: []string{"u/b"}, check: func(t *testing.T, e *Engine) {
		wantServer(t, e, "u", "b", "db_owner", []string{"db_pw"})
	}},
	{name: "databases", users: `[[users]]
name = "u"
databases = ["b", "a"]
password = "p"`, loads: true, pools: []string{"u/b", "u/a"}},
	{name: "all_databases", users: `[[users]]
name = "u"
all_databases = true
password = "p"
pool_size = 3`, loads: true, pools: []string{"u/a", "u/b"}, check: func(t *testing.T, e *Engine) {
		if got := e.pools.Load().get("u", "b").cfg.Size; got != 3 {
			t.Errorf("u/b size %d, want the entry's 3", got)
		}
	}},
	{name: "no password", users: `[[users]]
name = "u"
database = "a"`, loads: true, pools: []string{"u/a"}},
	{name: "empty password", users: `[[users]]
name = "u"
database = "a"
password = ""`, loads: true, pools: []string{"u/a"}},
	{name: "passthrough without passwords", general: `passthrough_auth = "enabled_plain"`, users: `[[users]]
name = "u"
database = "a"`, loads: true, pools: []string{"u/a"}},
	{name: "session defaults and limits", users: `[[users]]
name = "u"
database = "a"
password = "p"
statement_timeout = 1500
lock_timeout = 200
read_only = true
idle_timeout = 3000
server_lifetime = 4000`, loads: true, pools: []string{"u/a"}, check: func(t *testing.T, e *Engine) {
		p := e.pools.Load().get("u", "a")
		if p.cfg.IdleTimeout != 3*time.Second || p.cfg.Lifetime != 4*time.Second {
			t.Errorf("limits %+v", p.cfg.Limits)
		}
		got := p.cfg.defaults.apply(nil)
		for name, want := range map[string]string{"statement_timeout": "1500", "lock_timeout": "200", "default_transaction_read_only": "on"} {
			if v, _ := got.Get(name); v != want {
				t.Errorf("default %s = %q, want %q", name, v, want)
			}
		}
	}},
	{name: "bad verifier", users: `[[users]]
name = "u"
database = "a"
password = "SCRAM-SHA-256$4096:x$y:z"`},
	{name: "hash that is not one", users: `[[users]]
name = "u"
database = "a"
password_hash = "plain"`},
	{name: "empty entry in passwords", users: `[[users]]
name = "u"
database = "a"
passwords = [""]`},
	{name: "unknown database in databases", users: `[[users]]
name = "u"
databases = ["a", "c"]`},
	{name: "no database", users: `[[users]]
name = "u"
password = "p"`},
}

// TestUsersVariantsCheckAndStartAgree: every variant configcheck accepts
// starts, with one pool per (user, database) configcheck shows, and every
// variant that would not start is refused by configcheck.
func TestUsersVariantsCheckAndStartAgree(t *testing.T) {
	for _, v := range usersVariants {
		t.Run(v.name, func(t *testing.T) {
			cfg, err := loadVariant(t, v)
			if (err == nil) != v.loads {
				t.Fatalf("config.Load: %v, want loads=%v", err, v.loads)
			}
			if err != nil {
				return
			}
			e, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatalf("configcheck accepted the files, the start refused them: %v", err)
			}
			var got, shown []string
			for _, p := range e.pools.Load().list {
				got = append(got, p.cfg.user+"/"+p.cfg.database)
			}
			for _, u := range cfg.Users {
				shown = append(shown, u.Name+"/"+u.Database)
			}
			if !slices.Equal(got, v.pools) || !slices.Equal(shown, v.pools) {
				t.Errorf("pools started %v, shown by configcheck %v, want %v", got, shown, v.pools)
			}
			if v.check != nil {
				v.check(t, e)
			}
		})
	}
}

// loadVariant writes a variant's files and loads them as configcheck does.
func loadVariant(t *testing.T, v usersVariant) (*config.Config, error) {
	t.Helper()
	dir := t.TempDir()
	cp, up := filepath.Join(dir, "pgdog.toml"), filepath.Join(dir, "users.toml")
	if err := os.WriteFile(cp, []byte("[general]\n"+v.general+"\n"+usersPgdog), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(up, []byte(v.users+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(cp, up)
}

// wantServer checks who the pool logs in to PostgreSQL as, and with which passwords in order.
func wantServer(t *testing.T, e *Engine, user, database, serverUser string, pws []string) {
	t.Helper()
	p := e.pools.Load().get(user, database)
	if p == nil {
		t.Fatalf("no pool %s/%s", user, database)
	}
	if got := p.serverPasswords(); p.cfg.serverUser != serverUser || !slices.Equal(got, pws) {
		t.Errorf("server login as %q with %q, want %q with %q", p.cfg.serverUser, got, serverUser, pws)
	}
}

func wantWarning(t *testing.T, e *Engine, part string) {
	t.Helper()
	for _, w := range e.Config().Warnings {
		if strings.Contains(w, part) {
			return
		}
	}
	t.Errorf("no warning with %q in %q", part, e.Config().Warnings)
}

// TestSessionDefaultsYieldToTheClient: a setting the client sent at
// startup wins over the user's default; the others are added.
func TestSessionDefaultsYieldToTheClient(t *testing.T) {
	sd := sessionDefaults{statementTimeout: "1500", readOnly: "on"}
	got := sd.apply(session.Params{}.Set("Statement_Timeout", "10s"))
	if v, _ := got.Get("statement_timeout"); v != "10s" {
		t.Errorf("statement_timeout = %q, want the client's 10s", v)
	}
	if v, _ := got.Get("default_transaction_read_only"); v != "on" {
		t.Errorf("default_transaction_read_only = %q, want the user's on", v)
	}
	if got.Has("lock_timeout") {
		t.Error("lock_timeout set without a default")
	}
}

// TestPassthroughPasswordFirst: a password passthrough learnt is tried
// first, but never before a server_password.
func TestPassthroughPasswordFirst(t *testing.T) {
	cfg, err := loadVariant(t, usersVariant{users: `[[users]]
name = "u"
database = "a"
password = "old"

[[users]]
name = "v"
database = "a"
password = "p"
server_password = "fixed"`})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e.pass.remember(poolKey{"u", "a"}, "new")
	e.pass.remember(poolKey{"v", "a"}, "new")
	wantServer(t, e, "u", "a", "u", []string{"new", "old"})
	wantServer(t, e, "v", "a", "v", []string{"fixed"})
}

// TestPassthroughPoolsSurviveRebuild: pools passthrough added are built
// again, as users without entry, while their database is configured.
func TestPassthroughPoolsSurviveRebuild(t *testing.T) {
	cfg, err := loadVariant(t, usersVariant{general: `passthrough_auth = "enabled_plain"`, users: `[[users]]
name = "u"
database = "a"`})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e.pass.remember(poolKey{"carol", "b"}, "pw")
	e.pass.remember(poolKey{"carol", "gone"}, "pw")
	e.pass.remember(poolKey{"u", "a"}, "pw")
	if err := e.ensurePool("carol", "b"); err != nil {
		t.Fatal(err)
	}
	old := e.pools.Load().get("u", "a")
	var got []string
	for _, p := range e.pools.Load().list {
		got = append(got, p.cfg.user+"/"+p.cfg.database)
	}
	if !slices.Equal(got, []string{"u/a", "carol/b"}) {
		t.Fatalf("pools %v, want u/a and carol/b", got)
	}
	if e.pools.Load().get("u", "a") != old {
		t.Error("adding a pool replaced another")
	}
	p := e.pools.Load().get("carol", "b")
	if p.cfg.serverUser != "db_owner" || p.cfg.Size != 10 {
		t.Errorf("carol/b logs in as %q with size %d, want the database's user and the default size", p.cfg.serverUser, p.cfg.Size)
	}
}

// TestReloadUserLimitsAndDefaults: a user's idle_timeout and
// server_lifetime change in place at RELOAD (the pool and its servers
// stay); a change of its session defaults makes a new pool, as any other
// setting does.
func TestReloadUserLimitsAndDefaults(t *testing.T) {
	f := writeConf(t, general(4)+databases("127.0.0.1")+reloadAdmin)
	h := reloadHarness(t, f, nil)
	s, sc := h.addServer()
	m := h.e.pools.Load().get("u", "m")
	f.write(general(4)+databases("127.0.0.1")+reloadAdmin, reloadUsers+"idle_timeout = 1234\nserver_lifetime = 5678\n")
	if err := h.e.Control().Reload(); err != nil {
		t.Fatal(err)
	}
	if h.e.pools.Load().get("u", "m") != m || h.e.pools.Load().get("u", "db") != h.pool || !h.isIdle(s) || sc.isClosed() {
		t.Fatal("a pool whose user's limits alone changed was replaced, or lost its server")
	}
	if l := h.e.pools.Load().get("u", "m").cfg.Limits; l.IdleTimeout.Milliseconds() != 1234 || l.Lifetime.Milliseconds() != 5678 {
		t.Fatalf("u/m limits after reload %+v, want the user's", l)
	}
	if l := h.limits(); l.IdleTimeout.Milliseconds() != 60000 {
		t.Fatalf("u/db limits after reload %+v, want [general]'s idle_timeout", l)
	}
	f.write(general(4)+databases("127.0.0.1")+reloadAdmin, reloadUsers+"statement_timeout = 100\n")
	if err := h.e.Control().Reload(); err != nil {
		t.Fatal(err)
	}
	p := h.e.pools.Load().get("u", "m")
	if p == m {
		t.Fatal("the pool of a user whose statement_timeout changed was kept")
	}
	if v, _ := p.cfg.defaults.apply(nil).Get("statement_timeout"); v != "100" {
		t.Fatalf("u/m statement_timeout default %q after reload, want 100", v)
	}
	if h.e.pools.Load().get("u", "db") != h.pool {
		t.Fatal("a pool whose user did not change was replaced")
	}
}
