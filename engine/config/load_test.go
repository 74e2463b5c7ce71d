// Tests of Load: defaults, override levels, and problems reported with file, line and key.

package config

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	cfg := mustLoad(t, baseDB, baseUsers)
	g := cfg.General
	want := General{
		Host: "0.0.0.0", Port: 6432, Workers: 2, DefaultPoolSize: 10, MinPoolSize: 1,
		PoolerMode: ModeTransaction, CheckoutTimeout: 5 * time.Second, ConnectTimeout: 5 * time.Second,
		IdleTimeout: time.Minute, ServerLifetime: 24 * time.Hour, ShutdownTimeout: time.Minute,
		LoadBalancingStrategy: "random", ReadWriteStrategy: "conservative", ReadWriteSplit: "include_primary",
		HealthcheckInterval: 30 * time.Second, IdleHealthcheckInterval: 30 * time.Second,
		IdleHealthcheckDelay: 5 * time.Second, HealthcheckTimeout: 5 * time.Second, BanTimeout: 5 * time.Minute,
		ConnectAttempts: 1, LsnCheckInterval: 5 * time.Second, LsnCheckTimeout: 5 * time.Second, LsnCheckDelay: Never,
		AuthType: "scram", PassthroughAuth: "disabled", PreparedStatements: "extended", PreparedStatementsLimit: math.MaxInt64,
		MirrorQueue: 128, MirrorExposure: 1, MirrorMaxTransactionBytes: 4 << 20, MirrorTimeout: 30 * time.Second, MirrorStats: true, MirrorStatsTiming: 0.1, MirrorStatsQueries: 1000, MirrorStatsMetrics: 20,
		PinSessionState: true, TLSVerify: "prefer", ClientLoginTimeout: time.Minute, MirrorMemoryLimit: 256 << 20,
		OpenmetricsHost: "0.0.0.0", MaxMessageSize: 64 << 20,
	}
	if g != want {
		t.Errorf("general:\n got %+v\nwant %+v", g, want)
	}
	d, ok := cfg.Database("prod")
	if !ok {
		t.Fatal("database prod missing")
	}
	if d.Port != 5432 || d.DatabaseName != "prod" || d.Role != RolePrimary {
		t.Errorf("database defaults: %+v", *d)
	}
	if cfg.Admin.Name != "admin" || cfg.Admin.User != "admin" {
		t.Errorf("admin defaults: %+v", cfg.Admin)
	}
	if !cfg.Admin.PasswordGenerated || !strings.HasPrefix(cfg.Admin.Password, "_pgdog_") ||
		len(cfg.Admin.Password) != len("_pgdog_")+12 {
		t.Errorf("admin password not generated like PgDog's: %q", cfg.Admin.Password)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("unexpected warnings: %q", cfg.Warnings)
	}
}

func TestFileValues(t *testing.T) {
	cfg := mustLoad(t, `
[general]
host = "127.0.0.1"
port = 7432
workers = 4
max_pool_size = 7
checkout_timeout = 1_500
mirror_exposure = 0  # integers are accepted where a float is expected
mirror_max_transaction_size = 1024
mirror_timeout = 2_500
max_message_size = 2048
tls_certificate = "c.pem"
tls_private_key = "k.pem"
tls_client_required = true
`+baseDB, baseUsers)
	g := cfg.General
	if g.Host != "127.0.0.1" || g.Port != 7432 || g.Workers != 4 || g.DefaultPoolSize != 7 {
		t.Errorf("general: %+v", g)
	}
	if g.CheckoutTimeout != 1500*time.Millisecond || g.MirrorExposure != 0 ||
		g.MirrorMaxTransactionBytes != 1024 || g.MirrorTimeout != 2500*time.Millisecond ||
		g.MaxMessageSize != 2048 || !g.TLSClientRequired {
		t.Errorf("general: %+v", g)
	}
}

// TestOverrideLevels checks pool size, min pool size and mode resolution: user > database > general.
func TestOverrideLevels(t *testing.T) {
	const pgdog = `
[general]
default_pool_size = 10
min_pool_size = 2
pooler_mode = "transaction"

[[databases]]
name = "plain"
host = "h"

[[databases]]
name = "tuned"
host = "h"
pool_size = 20
min_pool_size = 0
pooler_mode = "session"
`
	const users = `
[[users]]
name = "u"
database = "plain"

[[users]]
name = "u"
database = "tuned"

[[users]]
name = "v"
database = "tuned"
password = "pw" # a user without any password gets min_pool_size 0, as in PgDog
pool_size = 30
min_pool_size = 5
pooler_mode = "transaction"
`
	cfg := mustLoad(t, pgdog, users)
	tests := []struct {
		user, db      string
		size, minSize int
		mode          Mode
	}{
		{"u", "plain", 10, 2, ModeTransaction}, // general
		{"u", "tuned", 20, 0, ModeSession},     // database
		{"v", "tuned", 30, 5, ModeTransaction}, // user
	}
	for _, tt := range tests {
		u, ok := cfg.User(tt.user, tt.db)
		d, ok2 := cfg.Database(tt.db)
		if !ok || !ok2 {
			t.Fatalf("%s/%s not found", tt.user, tt.db)
		}
		if got := cfg.PoolSize(u, d); got != tt.size {
			t.Errorf("%s/%s PoolSize = %d, want %d", tt.user, tt.db, got, tt.size)
		}
		if got := cfg.MinPoolSize(u, d); got != tt.minSize {
			t.Errorf("%s/%s MinPoolSize = %d, want %d", tt.user, tt.db, got, tt.minSize)
		}
		if got := cfg.PoolerMode(u, d); got != tt.mode {
			t.Errorf("%s/%s PoolerMode = %q, want %q", tt.user, tt.db, got, tt.mode)
		}
	}
	if got := cfg.PoolSize(nil, nil); got != 10 {
		t.Errorf("PoolSize(nil, nil) = %d, want 10", got)
	}
}

// TestProblems checks that each kind of mistake names its file, line and key.
func TestProblems(t *testing.T) {
	tests := []struct {
		name, pgdog, users string
		file, key          string
		line               int
		msg                string
	}{
		{"typo in general", "[general]\nport = 6432\npooler_mod = \"session\"\n" + baseDB, baseUsers,
			"pgdog.toml", "general.pooler_mod", 3, "unknown key"},
		{"wrong type", "[general]\n\nport = \"abc\"\n" + baseDB, baseUsers,
			"pgdog.toml", "general.port", 3, `expected an integer, got string "abc"`},
		{"typo in second database", baseDB + "\n[[databases]]\nname = \"b\"\nhost = \"h\"\nprot = 5433\n", baseUsers,
			"pgdog.toml", "databases[2].prot", 9, "unknown key"},
		{"missing host", "\n[[databases]]\nname = \"prod\"\n", baseUsers,
			"pgdog.toml", "databases[1].host", 2, "missing required key"},
		{"missing user database", baseDB, "[[users]]\nname = \"alice\"\n",
			"users.toml", "users[1].database", 1, "missing required key"},
		{"user typo", baseDB, baseUsers + "pool_sise = 3\n",
			"users.toml", "users[1].pool_sise", 6, "unknown key"},
		{"unknown section", baseDB + "[generl]\nport = 1\n", baseUsers,
			"pgdog.toml", "generl", 5, "unknown key"},
		{"bad pooler mode", "[general]\npooler_mode = \"statement\"\n" + baseDB, baseUsers,
			"pgdog.toml", "general.pooler_mode", 2, `"statement" is not one of transaction, session`},
		{"bad auth type", "[general]\nauth_type = \"gss\"\n" + baseDB, baseUsers,
			"pgdog.toml", "general.auth_type", 2, `"gss" is not one of scram, md5, plain, trust`},
		{"bad prepared statements", "[general]\nprepared_statements = \"yes\"\n" + baseDB, baseUsers,
			"pgdog.toml", "general.prepared_statements", 2, `"yes" is not one of extended, disabled, full`},
		{"port range", "[general]\nport = 70000\n" + baseDB, baseUsers,
			"pgdog.toml", "general.port", 2, "port must be within 1..65535, got 70000"},
		{"workers", "[general]\nworkers = 0\n" + baseDB, baseUsers,
			"pgdog.toml", "general.workers", 2, "must be at least 1, got 0"},
		{"mirror timeout zero", "[general]\nmirror_timeout = 0\n" + baseDB, baseUsers,
			"pgdog.toml", "general.mirror_timeout", 2, "must be at least 1 ms, got 0"},
		{"min above size", "[general]\ndefault_pool_size = 2\nmin_pool_size = 3\n" + baseDB, baseUsers,
			"pgdog.toml", "general.min_pool_size", 3, "3 is larger than default_pool_size 2"},
		{"negative", "[general]\nidle_timeout = -1\n" + baseDB, baseUsers,
			"pgdog.toml", "general.idle_timeout", 2, "must not be negative, got -1"},
		{"user pool size zero", baseDB, baseUsers + "pool_size = 0\n",
			"users.toml", "users[1].pool_size", 6, "must be at least 1, got 0"},
		{"bad role", baseDB + "role = \"leader\"\n", baseUsers,
			"pgdog.toml", "databases[1].role", 5, `"leader" is not one of primary, replica, auto`},
		{"pool size and its alias", baseDB + "pool_size = 3\nmax_pool_size = 4\n", baseUsers,
			"pgdog.toml", "databases[1].max_pool_size", 6, "is another name of pool_size; give only one of them"},
		{"unknown key of a PgDog section", baseDB + "[tcp]\nkeepalive = true\nkeepalivee = 1\n", baseUsers,
			"pgdog.toml", "tcp.keepalivee", 7, "unknown key"},
		{"unknown key of a PgDog array", baseDB + "[[query_parsers]]\ndatabase = \"prod\"\n[[query_parsers]]\nlevl = 1\n",
			baseUsers, "pgdog.toml", "query_parsers[2].levl", 8, "unknown key"},
		{"PgDog section of the wrong type", "tcp = 5\n" + baseDB, baseUsers,
			"pgdog.toml", "tcp", 1, "expected a table or an array of tables, got integer 5"},
		{"malformed SCRAM verifier", baseDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npassword = \"SCRAM-SHA-256$x\"\n",
			"users.toml", "users[1].password", 4, ""},
		{"unknown user database", baseDB, "[[users]]\nname = \"a\"\ndatabase = \"nope\"\n",
			"users.toml", "users[1].database", 3, `database "nope" is not a [[databases]] entry of pgdog.toml`},
		{"duplicate user", baseDB, baseUsers + baseUsers,
			"users.toml", "users[2].name", 8, `user "alice" for database "prod" is already defined in users[1]`},
		{"tls half", "[general]\ntls_certificate = \"c\"\n" + baseDB, baseUsers,
			"pgdog.toml", "general.tls_certificate", 2, "tls_certificate and tls_private_key must be given together"},
		{"syntax", baseDB + "port = = 1\n", baseUsers,
			"pgdog.toml", "databases.port", 5, ""},
		{"admin clash", baseDB + "[admin]\nname = \"prod\"\n", baseUsers,
			"pgdog.toml", "admin.name", 6, `admin database "prod" has the name of a [[databases]] entry`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := loadProblems(t, tt.pgdog, tt.users)
			p := findProblem(t, ps, tt.file, tt.key)
			if p.Line != tt.line {
				t.Errorf("line = %d, want %d (%s)", p.Line, tt.line, p)
			}
			if tt.msg != "" && p.Msg != tt.msg {
				t.Errorf("msg = %q, want %q", p.Msg, tt.msg)
			}
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	ps := loadProblems(t, "[general]\nport = \"x\"\nworkers = 0\nfoo = 1\n"+baseDB,
		"[[users]]\nname = \"a\"\ndatabase = \"missing\"\nbar = 2\n")
	want := strings.Join([]string{
		`pgdog.toml:2: general.port: expected an integer, got string "x"`,
		"pgdog.toml:3: general.workers: must be at least 1, got 0",
		"pgdog.toml:4: general.foo: unknown key",
		`users.toml:3: users[1].database: database "missing" is not a [[databases]] entry of pgdog.toml`,
		"users.toml:4: users[1].bar: unknown key",
	}, "\n")
	if got := (&Error{Problems: ps}).Error(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPgDogOnlyKeysWarnOnce(t *testing.T) {
	cfg := mustLoad(t, `
[general]
query_parser = "on"
dry_run = true

[[databases]]
name = "prod"
host = "h"
shard = 0
statement_timeout = 10

[[databases]]
name = "prod"
host = "r"
role = "replica"
statement_timeout = 20

[[sharded_tables]]
database = "prod"
column = "id"

[[sharded_tables]]
database = "prod"
column = "tenant"

[tcp]
keepalive = true
`, baseUsers+"server_lifetime_jitter = 100\n")
	want := []string{
		"pgdog.toml:3: key general.query_parser is a PgDog setting pgdogd does not implement; " + insteadParser,
		"pgdog.toml:4: key general.dry_run is a PgDog setting pgdogd does not implement; " + insteadParser,
		"pgdog.toml:10: key databases.statement_timeout is a PgDog setting pgdogd does not implement; " + insteadServerSet,
		"pgdog.toml:18: key sharded_tables is a PgDog setting pgdogd does not implement; " + insteadSharding,
		"pgdog.toml:26: key tcp is a PgDog setting pgdogd does not implement; ignored: connections keep Go's default TCP keepalive",
		"users.toml:6: key users.server_lifetime_jitter is a PgDog setting pgdogd does not implement; " + insteadJitter,
	}
	if !slices.Equal(cfg.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(cfg.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

// TestSyntaxErrorAlone checks that a file that does not parse gives one
// problem, not a cascade of unknown-database problems from the other file.
func TestSyntaxErrorAlone(t *testing.T) {
	ps := loadProblems(t, baseDB+"port = = 1\n", baseUsers)
	if len(ps) != 1 || ps[0].File != "pgdog.toml" || ps[0].Line != 5 {
		t.Errorf("problems = %+v", ps)
	}
}

func TestUsersAdminOverridesConfig(t *testing.T) {
	cfg := mustLoad(t, baseDB+"[admin]\nname = \"a1\"\nuser = \"u1\"\npassword = \"p1\"\n",
		baseUsers+"[admin]\nname = \"a2\"\npassword = \"p2\"\n")
	if cfg.Admin != (Admin{Name: "a2", User: "admin", Password: "p2"}) {
		t.Errorf("admin = %+v", cfg.Admin)
	}
}

func TestMissingFile(t *testing.T) {
	clearEnv(t)
	_, err := Load(t.TempDir()+"/none.toml", "")
	if err == nil || !strings.Contains(err.Error(), "none.toml: cannot read file") {
		t.Errorf("err = %v", err)
	}
}

func TestInlineArrayOfTables(t *testing.T) {
	cfg := mustLoad(t, `databases = [{ name = "prod", host = "h", port = 5444 }]`, baseUsers)
	if d, ok := cfg.Database("prod"); !ok || d.Port != 5444 {
		t.Errorf("databases = %+v", cfg.Databases)
	}
	ps := loadProblems(t, "databases = [1, 2]\n", "")
	findProblem(t, ps, "pgdog.toml", "databases")
}
