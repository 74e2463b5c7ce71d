// credentials.go holds a pool's credentials: the passwords pgdogd tries on PostgreSQL, in order, and the user's session defaults.

package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/backend"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/session"
)

// passwordList is a list of passwords kept comparable, so that a
// poolConfig is: the passwords joined by NUL, which no PostgreSQL
// password contains.
type passwordList string

func newPasswordList(pws []string) passwordList { return passwordList(strings.Join(pws, "\x00")) }

// list returns the passwords in order; none for the empty list.
func (l passwordList) list() []string {
	if l == "" {
		return nil
	}
	return strings.Split(string(l), "\x00")
}

// serverCredentials resolves, as PgDog does, who pgdogd logs in to
// PostgreSQL as: the database's user over the user's server_user over its
// name; and with what: the database's password, else server_user's
// server_password, else the user's own passwords in order (not SCRAM
// verifiers, which cannot log in). own is true in the last case, where a
// password passthrough authentication learnt comes first.
func serverCredentials(u *config.User, d *config.Database) (user string, pws passwordList, own bool) {
	user = first(d.User, u.ServerUser, u.Name)
	if pw := first(d.Password, u.ServerPassword); pw != "" {
		return user, newPasswordList([]string{pw}), false
	}
	var list []string
	for _, pw := range u.ClientPasswords() {
		if !strings.HasPrefix(pw, "SCRAM-SHA-256$") {
			list = append(list, pw)
		}
	}
	return user, newPasswordList(list), true
}

// sessionDefaults are a user's statement_timeout, lock_timeout and
// read_only as settings ("" when not set), kept comparable.
type sessionDefaults struct{ statementTimeout, lockTimeout, readOnly string }

func newSessionDefaults(u *config.User) sessionDefaults {
	var sd sessionDefaults
	if u.HasStatementTimeout {
		sd.statementTimeout = strconv.FormatInt(u.StatementTimeout.Milliseconds(), 10)
	}
	if u.HasLockTimeout {
		sd.lockTimeout = strconv.FormatInt(u.LockTimeout.Milliseconds(), 10)
	}
	if u.HasReadOnly {
		sd.readOnly = map[bool]string{true: "on", false: "off"}[u.ReadOnly]
	}
	return sd
}

// apply adds to a client's startup settings each default it did not send:
// as if it had sent it, so that its own SET wins and RESET comes back to it.
func (sd sessionDefaults) apply(ps session.Params) session.Params {
	for _, d := range [...][2]string{
		{"statement_timeout", sd.statementTimeout}, {"lock_timeout", sd.lockTimeout},
		{"default_transaction_read_only", sd.readOnly},
	} {
		if d[1] != "" && !ps.Has(d[0]) {
			ps = ps.Set(d[0], d[1])
		}
	}
	return ps
}

// serverPasswords are the passwords to try on PostgreSQL, in order: the
// one passthrough authentication learnt first, when the pool logs in with
// its users' own passwords.
func (p *pool) serverPasswords() []string {
	pws := p.cfg.serverPasswords.list()
	if !p.cfg.ownPasswords {
		return pws
	}
	if pw, ok := p.e.pass.password(poolKey{p.cfg.user, p.cfg.database}); ok {
		return append([]string{pw}, pws...)
	}
	return pws
}

// login logs in to the pool's server with the first of its passwords
// PostgreSQL takes (without a password when it has none), trying first the
// one that worked last; a refusal other than a wrong password ends it.
func (p *pool) login() (*backend.Conn, error) {
	st := replicaSettingsOf(p.e.cfg.Load())
	var err error
	for attempt := 1; ; attempt++ {
		var lr *backend.Conn
		if lr, err = p.loginOnce(); err == nil || attempt >= st.connectAttempts || wrongPassword(err) {
			return lr, err
		}
		time.Sleep(st.connectDelay) // connect_attempt_delay, then connect_attempts tries in all
	}
}

// loginOnce logs in with each server password in turn, from the one that worked last.
func (p *pool) loginOnce() (*backend.Conn, error) {
	pws := p.serverPasswords()
	if len(pws) == 0 {
		pws = []string{""}
	}
	start := int(p.goodPassword.Load())
	var err error
	for i := range pws {
		j := (start + i) % len(pws)
		var lr *backend.Conn
		lr, err = backend.Login(context.Background(), backend.Target{Host: p.cfg.host, Port: p.cfg.port,
			User: p.cfg.serverUser, Password: pws[j], Database: p.cfg.dbname, Timeout: p.connectTimeout()}, p.e.serverTLS())
		if err == nil {
			p.goodPassword.Store(int32(j))
			return lr, nil
		}
		if !wrongPassword(err) {
			return nil, err
		}
	}
	return nil, err
}

// wrongPassword tells whether PostgreSQL refused a login for its password.
func wrongPassword(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codec.CodeInvalidPassword
}
