// Print: the effective configuration as TOML-like text with passwords masked.

package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Mask replaces every non-empty password in Print's output.
const Mask = "***"

// printer accumulates "key = value" lines.
type printer struct{ b strings.Builder }

func (p *printer) line(format string, args ...any) { fmt.Fprintf(&p.b, format+"\n", args...) }
func (p *printer) str(k, v string)                 { p.line("%s = %s", k, strconv.Quote(v)) }
func (p *printer) num(k string, v int)             { p.line("%s = %d", k, v) }
func (p *printer) ms(k string, d time.Duration)    { p.line("%s = %d # ms", k, d.Milliseconds()) }
func (p *printer) boolean(k string, v bool)        { p.line("%s = %t", k, v) }
func (p *printer) float(k string, v float64) {
	f := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(f, ".eEnN") {
		f += ".0" // keep it a TOML float
	}
	p.line("%s = %s", k, f)
}

// secret prints a password masked; an empty one stays visibly empty.
func (p *printer) secret(k, v string) {
	if v != "" {
		v = Mask
	}
	p.str(k, v)
}

// Print writes the effective configuration (after defaults and environment)
// as TOML-like text, passwords masked, for `pgdogd configcheck`.
func (c *Config) Print(w io.Writer) error {
	var p printer
	p.line("# pgdogd effective configuration (defaults and PGDOG_* environment applied)")
	p.line("# config: %s", c.ConfigPath)
	p.line("# users:  %s", c.UsersPath)
	for _, wn := range c.Warnings {
		p.line("# warning: %s", wn)
	}
	c.printGeneral(&p)
	for i := range c.Databases {
		c.printDatabase(&p, &c.Databases[i])
	}
	for _, m := range c.Mirrors {
		p.line("\n[[mirroring]]")
		p.str("source_db", m.SourceDB)
		p.str("destination_db", m.DestinationDB)
		p.num("queue_length", m.QueueLength)
		p.float("exposure", m.Exposure)
		p.str("level", string(m.Level))
	}
	p.line("\n[admin]")
	p.str("name", c.Admin.Name)
	p.str("user", c.Admin.User)
	p.secret("password", c.Admin.Password)
	if c.Admin.PasswordGenerated {
		p.line("# the admin password was generated at startup: set [admin] password or PGDOG_ADMIN_PASSWORD to choose one")
	}
	for i := range c.Users {
		c.printUser(&p, &c.Users[i])
	}
	if _, err := io.WriteString(w, p.b.String()); err != nil {
		return fmt.Errorf("cannot write configuration: %w", err)
	}
	return nil
}

// printGeneral prints every [general] key pgdogd implements, in registry order.
func (c *Config) printGeneral(p *printer) {
	p.line("\n[general]")
	for k := range implementedKeys {
		k.v.print(p, k.name, &c.General)
	}
}

// printDatabase prints one entry, with what it serves in its set;
// optional keys only when set.
func (c *Config) printDatabase(p *printer, d *Database) {
	p.line("\n[[databases]]")
	p.str("name", d.Name)
	p.str("host", d.Host)
	p.num("port", d.Port)
	p.str("database_name", d.DatabaseName)
	p.str("role", d.Role)
	p.line("# serves: %s", c.serves(d))
	if d.Shard > 0 {
		p.num("shard", d.Shard)
	}
	if d.User != "" {
		p.str("user", d.User)
	}
	if d.Password != "" {
		p.secret("password", d.Password)
	}
	if d.PoolSize > 0 {
		p.num("pool_size", d.PoolSize)
	}
	if d.HasMinPoolSize {
		p.num("min_pool_size", d.MinPoolSize)
	}
	if d.PoolerMode != "" {
		p.str("pooler_mode", string(d.PoolerMode))
	}
}

// printUser prints one pool's entry (one per database of an entry naming
// several) and the pool it resolves to; optional keys only when set.
func (c *Config) printUser(p *printer, u *User) {
	p.line("\n[[users]]")
	p.str("name", u.Name)
	p.str("database", u.Database)
	if u.Password != "" {
		p.secret("password", u.Password)
	}
	if len(u.Passwords) > 0 {
		masked := make([]string, len(u.Passwords))
		for i := range masked {
			masked[i] = strconv.Quote(Mask)
		}
		p.line("passwords = [%s]", strings.Join(masked, ", "))
	}
	if u.PasswordHash != "" {
		p.secret("password_hash", u.PasswordHash)
	}
	if u.PoolSize > 0 {
		p.num("pool_size", u.PoolSize)
	}
	if u.HasMinPoolSize {
		p.num("min_pool_size", u.MinPoolSize)
	}
	if u.PoolerMode != "" {
		p.str("pooler_mode", string(u.PoolerMode))
	}
	if u.ServerUser != "" {
		p.str("server_user", u.ServerUser)
	}
	if u.ServerPassword != "" {
		p.secret("server_password", u.ServerPassword)
	}
	printUserSettings(p, u)
	d, _ := c.Database(u.Database)
	p.line("# effective pool: size %d, min %d, mode %s",
		c.PoolSize(u, d), c.MinPoolSize(u, d), c.PoolerMode(u, d))
}

// printUserSettings prints the user's session defaults and its own limits, when set.
func printUserSettings(p *printer, u *User) {
	if u.HasStatementTimeout {
		p.ms("statement_timeout", u.StatementTimeout)
	}
	if u.HasLockTimeout {
		p.ms("lock_timeout", u.LockTimeout)
	}
	if u.HasReadOnly {
		p.boolean("read_only", u.ReadOnly)
	}
	if u.HasIdleTimeout {
		p.ms("idle_timeout", u.IdleTimeout)
	}
	if u.HasServerLifetime {
		p.ms("server_lifetime", u.ServerLifetime)
	}
}
