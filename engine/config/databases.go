// Databases of several [[databases]] entries: shards (not served), replicas and the entry that is served.

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

// warnDatabases warns, once per database name, about what pgdogd will not
// serve: a sharded database as a whole, and, in any other database, every
// entry but the one Database returns (replicas, later primaries, repeats).
func (c *collector) warnDatabases(cfg *Config, f *fileTables) {
	seen := map[string]bool{}
	for i, d := range cfg.Databases {
		if d.Name == "" || seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		line := f.at(entryPath("databases", i), "name").line
		switch {
		case cfg.Sharded(d.Name):
			c.warn(f.name, line, "databases", fmt.Sprintf(
				"database %q is sharded (%d shards); pgdogd does not shard: its clients are refused (FATAL 0A000), other databases are served",
				d.Name, shardCount(cfg, d.Name)))
		default:
			if msg := unservedEntries(cfg, d.Name); msg != "" {
				c.warn(f.name, line, "databases", msg)
			}
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

// unservedEntries describes the entries of a database other than the one
// pgdogd serves, or returns "" when it has a single entry.
func unservedEntries(cfg *Config, name string) string {
	served, _ := cfg.Database(name)
	var others []string
	servedAt := ""
	for i := range cfg.Databases {
		d := &cfg.Databases[i]
		switch {
		case d.Name != name:
		case d == served:
			servedAt = entryPath("databases", i) + " at " + hostPort(d)
		default:
			others = append(others, fmt.Sprintf("%s (%s at %s)", entryPath("databases", i), d.Role, hostPort(d)))
		}
	}
	if len(others) == 0 {
		return ""
	}
	return fmt.Sprintf("database %q: %s not served; pgdogd sends every query to %s (replicas and load balancing are not implemented)",
		name, strings.Join(others, ", ")+pluralVerb(len(others)), servedAt)
}

// pluralVerb is " is" for one entry, " are" for several.
func pluralVerb(n int) string {
	if n == 1 {
		return " is"
	}
	return " are"
}

func hostPort(d *Database) string { return d.Host + ":" + strconv.Itoa(d.Port) }
