// Database sets: the [[databases]] entries of one name (a primary and its replicas), sharded databases (not served), and their warnings.

package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Sharded reports whether the database called name has several shards
// (an entry with a shard number above 0). pgdogd does not shard: such a
// database has no pool, and its clients are refused.
func (c *Config) Sharded(name string) bool {
	for _, d := range c.Databases {
		if d.Name == name && d.Shard > 0 {
			return true
		}
	}
	return false
}

// DatabaseSet returns the entries that serve the database called name, as
// pointers into c.Databases: the one that takes writes (Database's: its
// first primary, else its first entry, whatever its role), and its
// replicas, the other entries of role replica or auto in file order.
// Primaries after the first are not served (warned at load). primary is
// nil when no entry has that name.
func (c *Config) DatabaseSet(name string) (primary *Database, replicas []*Database) {
	primary, _ = c.Database(name)
	for i := range c.Databases {
		d := &c.Databases[i]
		if d.Name == name && d != primary && d.Role != RolePrimary {
			replicas = append(replicas, d)
		}
	}
	return primary, replicas
}

// Replicas returns copies of the replica entries of the database called
// name, in file order (see DatabaseSet): without the entry Database returns.
func (c *Config) Replicas(name string) []Database {
	_, rs := c.DatabaseSet(name)
	var out []Database
	for _, d := range rs {
		out = append(out, *d)
	}
	return out
}

// warnDatabases warns, once per database name, about what pgdogd will not
// serve as written: a sharded database as a whole; in any other database,
// primaries after the first, and a set with no primary whose first entry,
// which takes the writes, is a replica.
func (c *collector) warnDatabases(cfg *Config, f *fileTables) {
	seen := map[string]bool{}
	for i, d := range cfg.Databases {
		if d.Name == "" || seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		line := f.at(entryPath("databases", i), "name").line
		if cfg.Sharded(d.Name) {
			c.warn(f.name, line, "databases", fmt.Sprintf(
				"database %q is sharded (%d shards); pgdogd does not shard: its clients are refused (FATAL 0A000), other databases are served",
				d.Name, shardCount(cfg, d.Name)))
			continue
		}
		for _, msg := range setProblems(cfg, d.Name) {
			c.warn(f.name, line, "databases", msg)
		}
	}
}

// shardCount is the number of shards of a database: its highest shard number plus one.
func shardCount(cfg *Config, name string) int {
	n := 0
	for _, d := range cfg.Databases {
		if d.Name == name {
			n = max(n, d.Shard+1)
		}
	}
	return n
}

// setProblems describes what of a database set is not served as written:
// primaries after the first, and writes going to a replica.
func setProblems(cfg *Config, name string) []string {
	primary, _ := cfg.Database(name)
	var others []string
	at := ""
	for i := range cfg.Databases {
		d := &cfg.Databases[i]
		switch {
		case d.Name != name:
		case d == primary:
			at = entryPath("databases", i) + " at " + hostPort(d)
		case d.Role == RolePrimary:
			others = append(others, fmt.Sprintf("%s (primary at %s)", entryPath("databases", i), hostPort(d)))
		}
	}
	var out []string
	if len(others) > 0 {
		out = append(out, fmt.Sprintf("database %q has several primaries: %s not served; pgdogd sends writes to the first, %s",
			name, strings.Join(others, ", ")+pluralVerb(len(others)), at))
	}
	if primary.Role == RoleReplica {
		out = append(out, fmt.Sprintf("database %q has no primary: its first entry, %s, a replica, takes the writes as well",
			name, at))
	}
	return out
}

// pluralVerb is " is" for one entry, " are" for several.
func pluralVerb(n int) string {
	if n == 1 {
		return " is"
	}
	return " are"
}

func hostPort(d *Database) string { return d.Host + ":" + strconv.Itoa(d.Port) }

// serves says what an entry of cfg serves, for configcheck.
func (c *Config) serves(d *Database) string {
	primary, _ := c.Database(d.Name)
	switch {
	case c.Sharded(d.Name):
		return "not served: the database is sharded"
	case d == primary && d.Role == RolePrimary:
		return "the primary: writes and reads"
	case d == primary:
		return "writes and reads: the database has no primary, its first entry takes the writes"
	case d.Role == RolePrimary:
		return "not served: a later primary"
	case d.Role == RoleAuto:
		return "a replica (role auto): reads"
	}
	return "a replica: reads"
}
