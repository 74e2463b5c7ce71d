// Tests that the shipped examples/ files load without problems or warnings.

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExamplesLoad(t *testing.T) {
	clearEnv(t)
	dir := filepath.Join("..", "..", "examples")
	cfg, err := Load(filepath.Join(dir, "pgdog.toml"), filepath.Join(dir, "users.toml"))
	if err != nil {
		t.Fatalf("examples do not load:\n%v", err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
	d, ok := cfg.Database("prod")
	if !ok || d.Host != "127.0.0.1" || d.Port != 5432 {
		t.Errorf("database prod = %+v", d)
	}
	if _, ok := cfg.User("postgres", "prod"); !ok {
		t.Error("no user postgres for prod")
	}
	if len(cfg.Mirrors) != 0 || cfg.Admin.Name != "admin" || cfg.Admin.PasswordGenerated {
		t.Errorf("mirrors %+v admin %+v", cfg.Mirrors, cfg.Admin)
	}
}

// TestExampleMirrorUncommented enables the commented-out mirror of the examples
// and checks that it loads once users.toml gets the matching entry.
func TestExampleMirrorUncommented(t *testing.T) {
	clearEnv(t)
	dir := filepath.Join("..", "..", "examples")
	pgdog := uncommentFrom(t, filepath.Join(dir, "pgdog.toml"), "# [[databases]]")
	users := uncommentFrom(t, filepath.Join(dir, "users.toml"), "# [[users]]")
	cfg, err := Load(writeFiles(t, pgdog, users))
	if err != nil {
		t.Fatalf("example with mirror does not load:\n%v", err)
	}
	if len(cfg.Mirrors) != 1 || cfg.Mirrors[0].DestinationDB != "staging" || cfg.Mirrors[0].Exposure != 0.5 {
		t.Errorf("mirrors = %+v", cfg.Mirrors)
	}
	// Without the users.toml entry the mirror is refused.
	orig, err := os.ReadFile(filepath.Join(dir, "users.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(writeFiles(t, pgdog, string(orig))); err == nil ||
		!strings.Contains(err.Error(), "user postgres has no entry for database staging") {
		t.Errorf("err = %v", err)
	}
}

// uncommentFrom returns the file with "# " removed from TOML lines from the first line equal to marker on,
// leaving prose comments (which have no '=' or '[') alone.
func uncommentFrom(t *testing.T, path, marker string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	on := false
	for i, l := range lines {
		if l == marker {
			on = true
		}
		body, ok := strings.CutPrefix(l, "# ")
		if on && ok && (strings.Contains(body, " = ") || strings.HasPrefix(body, "[")) {
			lines[i] = body
		}
	}
	return strings.Join(lines, "\n")
}
