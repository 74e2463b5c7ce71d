// Passwords checked as the start reads them, so that configcheck and the start agree on them.

package config

import (
	"github.com/pgdogd/pgdogd/engine/auth"
)

// HasPassword reports whether clients of the user have a password to log
// in with (password, passwords or password_hash). A user without one is
// accepted, with a warning (checkLogins): its clients are refused, unless
// auth_type is trust or passthrough authentication is on.
func (u *User) HasPassword() bool { return len(u.ClientPasswords()) > 0 }

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
