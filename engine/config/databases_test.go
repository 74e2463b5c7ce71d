// Tests of database sets: a primary and its replicas, later primaries (not served), sharded databases (not served).

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

// TestDatabaseSets: the entries of a name form a set: its first primary
// (else its first entry) takes writes, the replica and auto entries are its
// replicas. Later primaries are not served, and a set whose writes go to
// a replica is served; both get a warning.
func TestDatabaseSets(t *testing.T) {
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
host = "a1"
role = "auto"

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

[[databases]]
name = "autos"
host = "m"
role = "auto"

[[databases]]
name = "autos"
host = "n"
role = "auto"
`, baseUsers)
	want := []string{
		`pgdog.toml:3: database "prod" has several primaries: databases[3] (primary at p2:5433), ` +
			`databases[5] (primary at p1:5432) are not served; pgdogd sends writes to the first, databases[2] at p1:5432`,
		`pgdog.toml:31: database "reps" has no primary: its first entry, databases[7] at x:5432, a replica, ` +
			`takes the writes as well`,
	}
	if !slices.Equal(cfg.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(cfg.Warnings, "\n"), strings.Join(want, "\n"))
	}
	for _, tt := range []struct {
		name, primary string
		replicas      []string
	}{
		{"prod", "p1:5432", []string{"r1:5432", "a1:5432"}},
		{"solo", "a:5432", nil},
		{"reps", "x:5432", []string{"y:5432"}},
		{"autos", "m:5432", []string{"n:5432"}},
		{"none", "", nil},
	} {
		p, rs := cfg.DatabaseSet(tt.name)
		var got []string
		for _, r := range rs {
			got = append(got, hostPort(r))
		}
		var copies []string
		for _, r := range cfg.Replicas(tt.name) {
			copies = append(copies, hostPort(&r))
		}
		d, ok := cfg.Database(tt.name)
		switch {
		case (p == nil) != (tt.primary == "") || p != nil && hostPort(p) != tt.primary:
			t.Errorf("%s: primary %+v, want %s", tt.name, p, tt.primary)
		case p != d || ok != (p != nil):
			t.Errorf("%s: DatabaseSet's primary %p is not Database's %p", tt.name, p, d)
		case !slices.Equal(got, tt.replicas) || !slices.Equal(copies, tt.replicas):
			t.Errorf("%s: replicas %q, copies %q, want %q", tt.name, got, copies, tt.replicas)
		}
	}
	if p, _ := cfg.DatabaseSet("prod"); p != &cfg.Databases[1] {
		t.Errorf("DatabaseSet does not point into Databases")
	}
}

// TestPrintShowsRoles: configcheck shows each entry's role and what it serves.
func TestPrintShowsRoles(t *testing.T) {
	cfg := mustLoad(t, baseDB+`
[[databases]]
name = "prod"
host = "r"
role = "replica"

[[databases]]
name = "prod"
host = "a"
role = "auto"

[[databases]]
name = "prod"
host = "p2"

[[databases]]
name = "ro"
host = "x"
role = "replica"
`, baseUsers)
	var b strings.Builder
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"host = \"127.0.0.1\"\nport = 5432\ndatabase_name = \"prod\"\nrole = \"primary\"\n# serves: the primary: writes and reads\n",
		"host = \"r\"\nport = 5432\ndatabase_name = \"prod\"\nrole = \"replica\"\n# serves: a replica: reads\n",
		"role = \"auto\"\n# serves: a replica (role auto): reads\n",
		"host = \"p2\"\nport = 5432\ndatabase_name = \"prod\"\nrole = \"primary\"\n# serves: not served: a later primary\n",
		"role = \"replica\"\n# serves: writes and reads: the database has no primary, its first entry takes the writes\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("configcheck lacks %q:\n%s", want, out)
		}
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
