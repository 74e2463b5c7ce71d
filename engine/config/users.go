// users.toml's [[users]] entries: decoding, their passwords, and databases / all_databases made into one User per pool.

package config

import (
	"fmt"
	"strings"

	"github.com/pgdogd/pgdogd/engine/auth"
)

// userEntry is a decoded [[users]] entry before its databases are expanded.
type userEntry struct {
	User
	databases []string // databases
	all       bool     // all_databases
}

// decodeUser reads the i-th [[users]] entry of users.toml.
func (c *collector) decodeUser(f *fileTables, i int, t map[string]any) userEntry {
	path := entryPath("users", i)
	e := userEntry{User: User{entry: i}}
	u := &e.User
	present := c.decodeTable(f, path, "users", t, []field{
		{"name", &u.Name}, {"database", &u.Database}, {"databases", &e.databases}, {"all_databases", &e.all},
		{"password", &u.Password}, {"passwords", &u.Passwords}, {"password_hash", &u.PasswordHash},
		{"pool_size", &u.PoolSize}, {"min_pool_size", &u.MinPoolSize}, {"pooler_mode", &u.PoolerMode},
		{"server_user", &u.ServerUser}, {"server_password", &u.ServerPassword},
		{"statement_timeout", &u.StatementTimeout}, {"lock_timeout", &u.LockTimeout}, {"read_only", &u.ReadOnly},
		{"idle_timeout", &u.IdleTimeout}, {"server_lifetime", &u.ServerLifetime},
	}, pgdogOnlyUser)
	c.requireKeys(f, path, present, "name")
	if present["name"] && u.Name == "" {
		c.add(f.at(path, "name").problem("must not be empty"))
	}
	switch {
	case !present["database"] && !present["databases"] && !present["all_databases"]:
		c.requireKeys(f, path, present, "database")
	case u.Database == "" && len(e.databases) == 0 && !e.all:
		key := "database"
		if present["databases"] {
			key = "databases"
		}
		c.add(f.at(path, key).problem("names no database: give database, databases or all_databases = true"))
	}
	u.HasMinPoolSize = present["min_pool_size"]
	u.HasStatementTimeout, u.HasLockTimeout = present["statement_timeout"], present["lock_timeout"]
	u.HasReadOnly = present["read_only"]
	u.HasIdleTimeout, u.HasServerLifetime = present["idle_timeout"], present["server_lifetime"]
	c.checkPoolKeys(f, path, present, u.PoolSize, u.MinPoolSize, u.PoolerMode)
	c.checkPasswords(f, path, u)
	return e
}

// checkPasswords reports empty entries of passwords, malformed SCRAM
// verifiers, and a password_hash that is not a hash.
func (c *collector) checkPasswords(f *fileTables, path string, u *User) {
	for _, pw := range u.Passwords {
		if _, err := auth.CheckPassword(pw); err != nil {
			c.add(f.at(path, "passwords").problem(err.Error()))
			return
		}
	}
	if u.Password != "" {
		if _, err := auth.CheckPassword(u.Password); err != nil {
			c.add(f.at(path, "password").problem(err.Error()))
		}
	}
	if u.PasswordHash != "" {
		hashed, err := auth.CheckPassword(u.PasswordHash)
		if err == nil && !hashed {
			err = fmt.Errorf("must be a SCRAM-SHA-256 verifier or an md5 hash, as in pg_authid.rolpassword")
		}
		if err != nil {
			c.add(f.at(path, "password_hash").problem(err.Error()))
		}
	}
}

// expandUsers makes one User per database an entry names. As in PgDog,
// all_databases (every [[databases]] name) wins over databases, which wins
// over database, with a warning when an entry gives more than one; and a
// pair given again by a later entry takes that entry's settings, with a
// warning, unless both entries name it with database (an error, reported
// by checkUsers). names is false when pgdog.toml could not be read: names
// are not checked then.
func (c *collector) expandUsers(f *fileTables, entries []userEntry, dbs []Database, names bool) []User {
	var out []User
	at := map[[2]string]int{} // (name, database) -> index in out
	for _, e := range entries {
		path := entryPath("users", e.entry)
		explicit := !e.all && len(e.databases) == 0
		for _, db := range c.entryDatabases(f, path, e, dbs, names) {
			u := e.User
			u.Database = db
			k := [2]string{u.Name, db}
			j, seen := at[k]
			if !seen || explicit && entryExplicit(entries, out[j].entry) {
				at[k] = len(out)
				out = append(out, u)
				continue
			}
			c.warnAt(f, path, fmt.Sprintf("user %q for database %q is also given by %s; this entry's settings are used, as in PgDog",
				u.Name, db, entryPath("users", out[j].entry)))
			out[j] = u
		}
	}
	return out
}

// entryExplicit tells whether entry i names its database with database alone.
func entryExplicit(entries []userEntry, i int) bool {
	return !entries[i].all && len(entries[i].databases) == 0
}

// entryDatabases lists the databases one entry is for, warning about keys
// that lose and reporting names that are not [[databases]] entries.
func (c *collector) entryDatabases(f *fileTables, path string, e userEntry, dbs []Database, names bool) []string {
	switch {
	case e.all:
		if e.Database != "" || len(e.databases) > 0 {
			c.warnAt(f, path, "all_databases is given with database or databases: all_databases is used, as in PgDog")
		}
		var out []string
		for _, d := range dbs {
			if !containsName(out, d.Name) {
				out = append(out, d.Name)
			}
		}
		return out
	case len(e.databases) > 0:
		if e.Database != "" {
			c.warnAt(f, path, "database is given with databases: databases is used, as in PgDog")
		}
		var out []string
		for _, name := range e.databases {
			known := containsDatabase(dbs, name)
			if names && !known {
				c.add(f.at(path, "databases").problem(fmt.Sprintf("database %q is not a [[databases]] entry", name)))
			}
			if known && !containsName(out, name) {
				out = append(out, name)
			}
		}
		return out
	case e.Database != "":
		return []string{e.Database}
	}
	return nil
}

func containsName(list []string, name string) bool {
	for _, n := range list {
		if n == name {
			return true
		}
	}
	return false
}

func containsDatabase(dbs []Database, name string) bool {
	for _, d := range dbs {
		if d.Name == name {
			return true
		}
	}
	return false
}

// warnAt records a warning at a [[users]] entry, once per entry and text.
func (c *collector) warnAt(f *fileTables, path, msg string) {
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	key := f.name + "\x00" + path + "\x00" + msg
	if c.warned[key] {
		return
	}
	c.warned[key] = true
	s := f.at(path, "")
	at := s.file
	if s.line > 0 {
		at += fmt.Sprintf(":%d", s.line)
	}
	c.warnings = append(c.warnings, Problem{File: s.file, Line: s.line, Key: path,
		Msg: fmt.Sprintf("%s: %s: %s", at, path, msg)})
}

// checkLogins warns about users no client can log in as, or whose servers
// pgdogd cannot log in to, as PgDog does; as in PgDog, a user with no
// password of any kind that sets min_pool_size gets 0 instead.
func (c *collector) checkLogins(cfg *Config, f *fileTables) {
	passthrough, _ := cfg.General.Passthrough()
	for i := range cfg.Users {
		u := &cfg.Users[i]
		path := entryPath("users", u.entry)
		d, _ := cfg.Database(u.Database)
		serverPassword := u.ServerPassword != "" || d != nil && d.Password != ""
		none := len(u.ClientPasswords()) == 0
		switch {
		case none && !passthrough && cfg.General.AuthType != AuthTrust:
			c.warnAt(f, path, fmt.Sprintf("user %q has no password and passthrough_auth is off: no client can log in as it", u.Name))
		case !serverPassword && !passthrough && !none && !hasLoginPassword(u):
			c.warnAt(f, path, fmt.Sprintf("user %q has only SCRAM verifiers (password_hash) and no server_password: pgdogd logs in to PostgreSQL without a password", u.Name))
		}
		if none && !serverPassword && u.HasMinPoolSize && u.MinPoolSize > 0 {
			c.warnAt(f, path, fmt.Sprintf("user %q has no password to log in to PostgreSQL with: min_pool_size %d is set to 0", u.Name, u.MinPoolSize))
			u.MinPoolSize = 0
		}
	}
}

// warnPassthroughOff warns when passthrough_auth asks for passthrough
// without TLS: as in PgDog, it is then off.
func (c *collector) warnPassthroughOff(f *fileTables, g *General) {
	on, _ := g.Passthrough()
	if on || (g.PassthroughAuth != "enabled" && g.PassthroughAuth != "enabled_allow_change") {
		return
	}
	s := f.at("general", "passthrough_auth")
	at := s.file
	if s.line > 0 {
		at += fmt.Sprintf(":%d", s.line)
	}
	c.warnings = append(c.warnings, Problem{File: s.file, Line: s.line, Key: s.key,
		Msg: fmt.Sprintf("%s: %s: %q needs tls_certificate (clients send their password in clear); passthrough is off, as in PgDog: use %q to allow it without TLS",
			at, s.key, g.PassthroughAuth, strings.Replace(g.PassthroughAuth, "enabled", "enabled_plain", 1))})
}

// hasLoginPassword tells whether one of the user's passwords can log in to
// PostgreSQL: a plain one, or an md5 hash (for md5 servers); a SCRAM
// verifier cannot.
func hasLoginPassword(u *User) bool {
	for _, pw := range u.ClientPasswords() {
		if !strings.HasPrefix(pw, "SCRAM-SHA-256$") {
			return true
		}
	}
	return false
}
