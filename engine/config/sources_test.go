// Tests of the command line's overrides and PgDog's other names of environment variables.

package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOverrides(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_DEFAULT_POOL_SIZE", "5")
	cp, up := writeFiles(t, "[general]\ndefault_pool_size = 3\nmin_pool_size = 0\n"+baseDB, baseUsers)
	s := Sources{Overrides: map[string]string{"default_pool_size": "7", "min_pool_size": "2", "pooler_mode": "session"}}
	cfg, err := LoadFrom(cp, up, s)
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.General
	if g.DefaultPoolSize != 7 || g.MinPoolSize != 2 || g.PoolerMode != ModeSession {
		t.Errorf("overrides not applied over file and environment: %+v", g)
	}
	// A reload reads the files again, and keeps the overrides.
	if err := os.WriteFile(cp, []byte("[general]\ndefault_pool_size = 4\ncheckout_timeout = 10\n"+baseDB), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := cfg.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if g := again.General; g.DefaultPoolSize != 7 || g.CheckoutTimeout.Milliseconds() != 10 {
		t.Errorf("after reload: %+v", g)
	}
}

func TestOverrideProblems(t *testing.T) {
	clearEnv(t)
	cp, up := writeFiles(t, baseDB, baseUsers)
	_, err := LoadFrom(cp, up, Sources{Overrides: map[string]string{"default_pool_size": "many", "dry_run": "true"}})
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("want *Error, got %v", err)
	}
	p := findProblem(t, e.Problems, CommandLineFile, "default_pool_size")
	if p.String() != `command line: default_pool_size: expected an integer, got "many"` {
		t.Errorf("problem = %s", p)
	}
	findProblem(t, e.Problems, CommandLineFile, "dry_run")
}

// TestPgDogEnvNames: PgDog's other names of variables are read too.
func TestPgDogEnvNames(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_CLIENT_LOG_TIMEOUT", "1234")
	t.Setenv("PGDOG_SCHEMA_RELOAD_ON_DDL", "false")
	cfg, err := Load(writeFiles(t, baseDB, baseUsers))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.General.ClientLoginTimeout.Milliseconds() != 1234 {
		t.Errorf("client_login_timeout = %v", cfg.General.ClientLoginTimeout)
	}
	want := "environment: key PGDOG_SCHEMA_RELOAD_ON_DDL is a PgDog setting pgdogd does not implement; " + insteadSharding
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != want {
		t.Errorf("warnings = %q", cfg.Warnings)
	}
	// PGDOG_<KEY> wins over PgDog's other name.
	t.Setenv("PGDOG_CLIENT_LOGIN_TIMEOUT", "99")
	cfg, err = Load(filepath.Join(filepath.Dir(cfg.ConfigPath), "pgdog.toml"), cfg.UsersPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.General.ClientLoginTimeout.Milliseconds() != 99 {
		t.Errorf("client_login_timeout = %v", cfg.General.ClientLoginTimeout)
	}
}
