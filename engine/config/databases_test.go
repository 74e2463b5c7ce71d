// Tests of databases with several entries: sharded ones (not served), replicas and the entry served.

package config

import (
	"slices"
	"strings"
	"testing"
)

func TestShardedDatabase(t *testing.T) {
	cfg := mustLoad(t, `
[[databases]]
name = "prod"
host = "h"

[[databases]]
name = "big"
host = "s0"
shard = 0

[[databases]]
name = "big"
host = "s1"
shard = 1

[[databases]]
name = "big"
host = "s1r"
shard = 1
role = "replica"

[[databases]]
name = "one"
host = "o"
shard = 0
`, baseUsers+"\n[[users]]\nname = \"alice\"\ndatabase = \"big\"\npassword = \"x\"\n")
	for name, want := range map[string]bool{"prod": false, "big": true, "one": false, "none": false} {
		if got := cfg.Sharded(name); got != want {
			t.Errorf("Sharded(%q) = %v, want %v", name, got, want)
		}
	}
	var printed strings.Builder
	if err := cfg.Print(&printed); err != nil || strings.Count(printed.String(), "shard = 1\n") != 2 {
		t.Errorf("configcheck does not show the shards (%v):\n%s", err, printed.String())
	}
	want := []string{`pgdog.toml:7: database "big" is sharded (2 shards); pgdogd does not shard: ` +
		`its clients are refused (FATAL 0A000), other databases are served`}
	if !slices.Equal(cfg.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(cfg.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

// TestUnservedEntries: every entry of a database but the one served is named
// in one warning per database: replicas, auto, a second primary, a repeat.
func TestUnservedEntries(t *testing.T) {
	cfg := mustLoad(t, `
[[databases]]
name = "prod"
host = "r1"
role = "replica"

[[databases]]
name = "prod"
host = "p1"

[[databases]]
name = "prod"
host = "p2"
port = 5433

[[databases]]
name = "prod"
host = "p1"

[[databases]]
name = "solo"
host = "a"
role = "auto"

[[databases]]
name = "reps"
host = "x"
role = "replica"

[[databases]]
name = "reps"
host = "y"
role = "auto"
`, baseUsers)
	want := []string{
		`pgdog.toml:3: database "prod": databases[1] (replica at r1:5432), databases[3] (primary at p2:5433), ` +
			`databases[4] (primary at p1:5432) are not served; pgdogd sends every query to databases[2] at p1:5432 ` +
			`(replicas and load balancing are not implemented)`,
		`pgdog.toml:26: database "reps": databases[7] (auto at y:5432) is not served; pgdogd sends every query ` +
			`to databases[6] at x:5432 (replicas and load balancing are not implemented)`,
	}
	if !slices.Equal(cfg.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(cfg.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if d, _ := cfg.Database("prod"); d.Host != "p1" || d.Port != 5432 {
		t.Errorf("prod is served by %+v", d)
	}
	if d, _ := cfg.Database("solo"); d.Host != "a" {
		t.Errorf("solo is served by %+v", d)
	}
}

// TestMirrorOfShardedDatabase: a mirror with a sharded end is accepted with
// a warning, and its users need no entry on the destination.
func TestMirrorOfShardedDatabase(t *testing.T) {
	cfg := mustLoad(t, baseDB+`
[[databases]]
name = "big"
host = "s0"

[[databases]]
name = "big"
host = "s1"
shard = 1

[[mirroring]]
source_db = "prod"
destination_db = "big"
`, baseUsers)
	found := false
	for _, w := range cfg.Warnings {
		found = found || strings.Contains(w, `mirror prod -> big does nothing: database "big" is sharded and not served`)
	}
	if !found {
		t.Errorf("no warning about the mirror in %q", cfg.Warnings)
	}
}
