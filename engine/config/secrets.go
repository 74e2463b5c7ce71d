// Passwords checked as the start reads them, so that configcheck and the start agree on them.

package config

import (
	"fmt"

	"github.com/pgdogd/pgdogd/engine/auth"
)

// HasPassword reports whether clients of the user have a password to log
// in with. A user without one is accepted, with a warning: its clients
// are refused, unless auth_type is trust.
func (u *User) HasPassword() bool { return u.Password != "" }

// checkPasswords reports the passwords the start could not read (such as a
// malformed SCRAM verifier) and warns about users without a password.
// uf may be nil when there is no users file.
func (c *collector) checkPasswords(cfg *Config, uf *fileTables) {
	for i := range cfg.Users {
		u := &cfg.Users[i]
		path := entryPath("users", i)
		if u.Password != "" {
			if _, err := auth.ParseSecret(u.Name, u.Password); err != nil {
				c.add(uf.at(path, "password").problem(err.Error()))
			}
			continue
		}
		if !u.HasPassword() && cfg.General.AuthType != AuthTrust {
			c.warn(uf.name, uf.at(path, "").line, path, fmt.Sprintf(
				"user %q (database %q) has no password pgdogd can use; its clients are refused", u.Name, u.Database))
		}
	}
}

// checkAdminPassword reports an admin password the start could not read,
// at its key in the file, or at PGDOG_ADMIN_PASSWORD when it came from there.
func (c *collector) checkAdminPassword(a *Admin, adminFile *fileTables, fromEnv bool) {
	_, err := auth.ParseSecret(a.User, a.Password)
	switch {
	case err == nil:
	case fromEnv || adminFile == nil:
		c.add(Problem{File: EnvironmentFile, Key: "PGDOG_ADMIN_PASSWORD", Msg: err.Error()})
	default:
		c.add(adminFile.at("admin", "password").problem(err.Error()))
	}
}
