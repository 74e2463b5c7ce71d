// Tests of database URLs: PgDog's --database-url and PGDOG_DATABASE_URL_<n>.

package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDatabaseURLs(t *testing.T) {
	clearEnv(t)
	t.Setenv("USER", "osuser")
	t.Setenv("PGDOG_DATABASE_URL_1", "postgres://ignored@h/env") // the command line's URLs win
	cp, up := writeFiles(t, baseDB, baseUsers)
	cfg, err := LoadFrom(cp, up, Sources{DatabaseURLs: []string{
		"postgres://bob:pw@db.internal:5433/app?pool_size=3&sslmode=require&statement_timeout=100",
		"postgresql://db.internal/app2?role=replica&database_name=real",
		"postgres://bob:pw@db.internal:5433/app?pool_size=3&sslmode=require&statement_timeout=100",
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Database{
		{Name: "app", Host: "db.internal", Port: 5433, DatabaseName: "app", Role: RolePrimary, PoolSize: 3},
		{Name: "app2", Host: "db.internal", Port: 5432, DatabaseName: "real", Role: RoleReplica},
	}
	if len(cfg.Databases) != len(want) || cfg.Databases[0] != want[0] || cfg.Databases[1] != want[1] {
		t.Errorf("databases = %+v, want %+v", cfg.Databases, want)
	}
	wantUsers := []User{{Name: "bob", Database: "app", Password: "pw"}, {Name: "osuser", Database: "app2", Password: "postgres"}}
	same := func(a, b User) bool { return a.Name == b.Name && a.Database == b.Database && a.Password == b.Password }
	if len(cfg.Users) != 2 || !same(cfg.Users[0], wantUsers[0]) || !same(cfg.Users[1], wantUsers[1]) {
		t.Errorf("users = %+v, want %+v", cfg.Users, wantUsers)
	}
	joined := strings.Join(cfg.Warnings, "\n")
	for _, w := range []string{
		"command line: 3 database URLs replace the files' [[databases]] and [[users]]",
		"command line: key databases.statement_timeout is a PgDog setting pgdogd does not implement",
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings lack %q:\n%s", w, joined)
		}
	}
}

// TestDatabaseURLsFromEnvironment: PGDOG_DATABASE_URL_<n> and
// PGDOG_MIRRORING_<n> replace the files' entries; the files may be missing.
func TestDatabaseURLsFromEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_DATABASE_URL_1", "postgres://alice:a@h1/src")
	t.Setenv("PGDOG_DATABASE_URL_2", "postgres://alice:a@h2/dst")
	t.Setenv("PGDOG_DATABASE_URL_4", "postgres://alice:a@h4/skipped") // after a gap: not read
	t.Setenv("PGDOG_MIRRORING_1", "source_db=src&destination_db=dst&queue_length=7&exposure=0.5")
	dir := t.TempDir()
	cfg, err := Load(filepath.Join(dir, "pgdog.toml"), filepath.Join(dir, "users.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Databases) != 2 || cfg.Databases[1].Host != "h2" || len(cfg.Users) != 2 {
		t.Errorf("databases %+v users %+v", cfg.Databases, cfg.Users)
	}
	if len(cfg.Mirrors) != 1 || cfg.Mirrors[0] != (Mirror{SourceDB: "src", DestinationDB: "dst", QueueLength: 7,
		Exposure: 0.5, Level: MirrorAll}) {
		t.Errorf("mirrors = %+v", cfg.Mirrors)
	}
	if !strings.Contains(strings.Join(cfg.Warnings, "\n"), "pgdog.toml: cannot read file, PgDog's defaults apply") {
		t.Errorf("warnings = %q", cfg.Warnings)
	}
}

func TestDatabaseURLProblems(t *testing.T) {
	clearEnv(t)
	cp, up := writeFiles(t, baseDB, baseUsers)
	_, err := LoadFrom(cp, up, Sources{DatabaseURLs: []string{"postgres://h/db?pool_size=many", "postgres://%zz"}})
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("want *Error, got %v", err)
	}
	if p := findProblem(t, e.Problems, CommandLineFile, "databases[1].pool_size"); p.Msg != `expected an integer, got string "many"` {
		t.Errorf("problem = %s", p)
	}
	if p := findProblem(t, e.Problems, CommandLineFile, "databases[2]"); !strings.Contains(p.Msg, "cannot parse database URL") {
		t.Errorf("problem = %s", p)
	}
}
