// Checks across entries: database names, users' databases, pool sizes and mirrors.

package config

import (
	"fmt"
	"path/filepath"
)

// checkReferences validates what single entries cannot: duplicates and the
// names entries use to point at each other. uf may be nil when there is no
// users file. Names are not checked against a file that could not be parsed.
func (c *collector) checkReferences(cfg *Config, cf, uf, adminFile *fileTables) {
	if !cf.parsed {
		return
	}
	c.warnDatabases(cfg, cf)
	if uf != nil && uf.parsed {
		c.checkUsers(cfg, uf)
	}
	c.checkMirrors(cfg, cf)
	if _, ok := cfg.Database(cfg.Admin.Name); ok && adminFile != nil {
		c.add(adminFile.at("admin", "name").problem(fmt.Sprintf(
			"admin database %q has the name of a [[databases]] entry", cfg.Admin.Name)))
	}
}

// checkUsers reports users whose database is unknown, duplicate (name,
// database) pairs, and pools whose effective min_pool_size exceeds their size.
func (c *collector) checkUsers(cfg *Config, f *fileTables) {
	type pair struct{ name, database string }
	seen := map[pair]int{}
	for i := range cfg.Users {
		u := &cfg.Users[i]
		if u.Name == "" || u.Database == "" {
			continue
		}
		path := entryPath("users", i)
		if j, dup := seen[pair{u.Name, u.Database}]; dup {
			c.add(f.at(path, "name").problem(fmt.Sprintf(
				"user %q for database %q is already defined in %s", u.Name, u.Database, entryPath("users", j))))
			continue
		}
		seen[pair{u.Name, u.Database}] = i
		d, ok := cfg.Database(u.Database)
		if !ok {
			c.add(f.at(path, "database").problem(fmt.Sprintf(
				"database %q is not a [[databases]] entry of %s", u.Database, filepath.Base(cfg.ConfigPath))))
			continue
		}
		if size, minSize := cfg.PoolSize(u, d), cfg.MinPoolSize(u, d); minSize > size {
			c.add(f.at(path, "").problem(fmt.Sprintf(
				"pool %s/%s: min_pool_size %d is larger than pool size %d", u.Name, u.Database, minSize, size)))
		}
	}
}

// checkMirrors reports mirrors naming unknown databases, duplicates, and
// source users that have no entry on the destination.
func (c *collector) checkMirrors(cfg *Config, f *fileTables) {
	type pair struct{ src, dst string }
	seen := map[pair]int{}
	for i, m := range cfg.Mirrors {
		path := entryPath("mirroring", i)
		if m.SourceDB == "" || m.DestinationDB == "" {
			continue
		}
		okSrc := c.mirrorEnd(cfg, f, path, "source_db", m.SourceDB)
		okDst := c.mirrorEnd(cfg, f, path, "destination_db", m.DestinationDB)
		if !okSrc || !okDst || c.shardedMirror(cfg, f, path, m) {
			continue
		}
		if m.SourceDB == m.DestinationDB {
			c.add(f.at(path, "destination_db").problem("a database cannot mirror to itself"))
			continue
		}
		if j, dup := seen[pair{m.SourceDB, m.DestinationDB}]; dup {
			c.add(f.at(path, "").problem(fmt.Sprintf("mirror %s -> %s repeats %s",
				m.SourceDB, m.DestinationDB, entryPath("mirroring", j))))
			continue
		}
		seen[pair{m.SourceDB, m.DestinationDB}] = i
		for _, u := range cfg.Users {
			if u.Database != m.SourceDB {
				continue
			}
			if _, ok := cfg.User(u.Name, m.DestinationDB); !ok {
				c.add(f.at(path, "destination_db").problem(fmt.Sprintf(
					"mirror %s -> %s: user %s has no entry for database %s in %s",
					m.SourceDB, m.DestinationDB, u.Name, m.DestinationDB, usersFileName(cfg))))
			}
		}
	}
}

// shardedMirror warns about a mirror with a sharded end, which replays
// nothing since a sharded database is not served, and reports whether it has one.
func (c *collector) shardedMirror(cfg *Config, f *fileTables, path string, m Mirror) bool {
	for _, db := range []string{m.SourceDB, m.DestinationDB} {
		if cfg.Sharded(db) {
			c.warn(f.name, f.at(path, "").line, path, fmt.Sprintf(
				"mirror %s -> %s does nothing: database %q is sharded and not served", m.SourceDB, m.DestinationDB, db))
			return true
		}
	}
	return false
}

// mirrorEnd checks that one end of a mirror names a database.
func (c *collector) mirrorEnd(cfg *Config, f *fileTables, path, key, name string) bool {
	if _, ok := cfg.Database(name); ok {
		return true
	}
	c.add(f.at(path, key).problem(fmt.Sprintf("database %q is not a [[databases]] entry", name)))
	return false
}

func usersFileName(cfg *Config) string {
	if cfg.UsersPath == "" {
		return "users.toml"
	}
	return filepath.Base(cfg.UsersPath)
}
