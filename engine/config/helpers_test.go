// Test helpers: writing config files to a temporary directory and loading them.

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseDB is a minimal valid database section used by many tests.
const baseDB = `
[[databases]]
name = "prod"
host = "127.0.0.1"
`

// baseUsers is a minimal valid users.toml.
const baseUsers = `
[[users]]
name = "alice"
database = "prod"
password = "secret"
`

// clearEnv hides any PGDOG_* variable of the test process (empty counts as unset).
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PGDOG_") {
			t.Setenv(k, "")
		}
	}
}

// writeFiles writes both files to a fresh temporary directory.
func writeFiles(t *testing.T, pgdog, users string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cp := filepath.Join(dir, "pgdog.toml")
	up := filepath.Join(dir, "users.toml")
	if err := os.WriteFile(cp, []byte(pgdog), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(up, []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	return cp, up
}

// mustLoad loads files that must be valid.
func mustLoad(t *testing.T, pgdog, users string) *Config {
	t.Helper()
	clearEnv(t)
	cfg, err := Load(writeFiles(t, pgdog, users))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// loadProblems loads files that must be invalid and returns the problems.
func loadProblems(t *testing.T, pgdog, users string) []Problem {
	t.Helper()
	clearEnv(t)
	_, err := Load(writeFiles(t, pgdog, users))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load: want *Error, got %v", err)
	}
	return e.Problems
}

// findProblem returns the problem with that file and key, failing the test if absent.
func findProblem(t *testing.T, ps []Problem, file, key string) Problem {
	t.Helper()
	for _, p := range ps {
		if p.File == file && p.Key == key {
			return p
		}
	}
	t.Fatalf("no problem for %s %s in:\n%s", file, key, (&Error{Problems: ps}).Error())
	return Problem{}
}
