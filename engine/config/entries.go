// Decoding of the [[databases]], [[mirroring]] and [admin] entries (users.toml's [[users]] are in users.go).

package config

import (
	"crypto/rand"
	"fmt"
	"os"
)

// entryPath names the i-th (0-based) entry of an array of tables, counted from 1.
func entryPath(array string, i int) string { return fmt.Sprintf("%s[%d]", array, i+1) }

// requireKeys adds a problem for every key of keys not in present.
func (c *collector) requireKeys(f *fileTables, path string, present map[string]bool, keys ...string) {
	for _, k := range keys {
		if !present[k] {
			s := f.at(path, "")
			s.key = path + "." + k
			c.add(s.problem("missing required key"))
		}
	}
}

// checkPoolKeys validates pool_size / min_pool_size / pooler_mode of a database or user entry.
func (c *collector) checkPoolKeys(f *fileTables, path string, present map[string]bool,
	size, minSize int, mode Mode) {
	if present["pool_size"] && size < 1 {
		c.add(f.at(path, "pool_size").problem(fmt.Sprintf("must be at least 1, got %d", size)))
	}
	if present["pool_size"] && present["min_pool_size"] && minSize > size {
		c.add(f.at(path, "min_pool_size").problem(
			fmt.Sprintf("%d is larger than pool_size %d", minSize, size)))
	}
	if present["pooler_mode"] {
		c.check(f.at(path, "pooler_mode"), poolerModes(mode))
	}
}

// decodeDatabase reads the i-th [[databases]] entry.
func (c *collector) decodeDatabase(f *fileTables, i int, t map[string]any) Database {
	path := entryPath("databases", i)
	d := Database{Port: 5432, Role: RolePrimary}
	present := c.decodeTable(f, path, "databases", t, []field{
		{"name", &d.Name}, {"host", &d.Host}, {"port", &d.Port},
		{"database_name", &d.DatabaseName}, {"role", &d.Role},
		{"user", &d.User}, {"password", &d.Password},
		{"pool_size", &d.PoolSize}, {"max_pool_size", &d.PoolSize}, {"min_pool_size", &d.MinPoolSize},
		{"pooler_mode", &d.PoolerMode}, {"shard", &d.Shard},
	}, pgdogOnlyDatabase)
	c.requireKeys(f, path, present, "name", "host")
	c.alias(f, path, present, "pool_size", "max_pool_size")
	if present["name"] && d.Name == "" {
		c.add(f.at(path, "name").problem("must not be empty"))
	}
	if present["host"] && d.Host == "" {
		c.add(f.at(path, "host").problem("must not be empty"))
	}
	if d.DatabaseName == "" {
		d.DatabaseName = d.Name
	}
	d.HasMinPoolSize = present["min_pool_size"]
	c.check(f.at(path, "port"), portNumber(d.Port))
	c.check(f.at(path, "role"), roles(d.Role))
	c.checkPoolKeys(f, path, present, d.PoolSize, d.MinPoolSize, d.PoolerMode)
	return d
}

// decodeMirror reads the i-th [[mirroring]] entry; absent queue length and
// exposure come from g. queue_depth is accepted as PgDog's documented name of queue_length.
func (c *collector) decodeMirror(f *fileTables, i int, t map[string]any, g *General) Mirror {
	path := entryPath("mirroring", i)
	m := Mirror{QueueLength: g.MirrorQueue, Exposure: g.MirrorExposure, Level: MirrorAll}
	present := c.decodeTable(f, path, "mirroring", t, []field{
		{"source_db", &m.SourceDB}, {"destination_db", &m.DestinationDB},
		{"queue_length", &m.QueueLength}, {"queue_depth", &m.QueueLength},
		{"exposure", &m.Exposure}, {"level", &m.Level},
	}, pgdogOnlyMirroring)
	c.requireKeys(f, path, present, "source_db", "destination_db")
	if present["queue_length"] && present["queue_depth"] {
		c.add(f.at(path, "queue_depth").problem("is another name of queue_length; give only one of them"))
	}
	if (present["queue_length"] || present["queue_depth"]) && m.QueueLength < 1 {
		key := "queue_length"
		if !present[key] {
			key = "queue_depth"
		}
		c.add(f.at(path, key).problem(fmt.Sprintf("must be at least 1, got %d", m.QueueLength)))
	}
	if present["exposure"] {
		c.check(f.at(path, "exposure"), exposure(m.Exposure))
	}
	c.check(f.at(path, "level"), mirrorLevels(m.Level))
	return m
}

// decodeAdmin reads an [admin] table over PgDog's defaults.
func (c *collector) decodeAdmin(f *fileTables, t map[string]any) Admin {
	a := Admin{Name: "admin", User: "admin"}
	present := c.decodeTable(f, "admin", "admin", t, []field{
		{"name", &a.Name}, {"user", &a.User}, {"password", &a.Password},
	}, pgdogOnlyAdmin)
	if present["name"] && a.Name == "" {
		c.add(f.at("admin", "name").problem("must not be empty"))
	}
	if present["user"] && a.User == "" {
		c.add(f.at("admin", "user").problem("must not be empty"))
	}
	return a
}

// fillAdminPassword gives the admin a password when none was configured: from
// PGDOG_ADMIN_PASSWORD, else a random one, as PgDog does.
func fillAdminPassword(a *Admin) error {
	if a.Password != "" {
		return nil
	}
	if pw := os.Getenv("PGDOG_ADMIN_PASSWORD"); pw != "" {
		a.Password = pw
		return nil
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		return fmt.Errorf("cannot generate admin password: %w", err)
	}
	for i, b := range buf {
		buf[i] = alphabet[int(b)%len(alphabet)]
	}
	a.Password = "_pgdog_" + string(buf)
	a.PasswordGenerated = true
	return nil
}
