// passthrough_login.go holds a client's passthrough login: its cleartext password checked against the one pgdogd knows, or by PostgreSQL.

package engine

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/backend"
)

// passthroughLogin checks the password a client gave in clear: against
// the one PostgreSQL took before for its pool, else against users.toml's;
// without either, or when it differs and passthrough_auth allows a change,
// by logging in to PostgreSQL with it (off the loop; the client waits in
// clAuth, its login timeout running).
func (cl *client) passthroughLogin(pw []byte) {
	cl.x = nil
	k := poolKey{cl.user, cl.database}
	known, match := false, false
	if stored, ok := cl.e.pass.password(k); ok {
		known, match = true, samePassword(stored, pw)
	} else if cl.pool != nil && len(cl.pool.secrets) > 0 {
		known, match = true, cl.pool.secrets.Match(cl.user, pw)
	}
	_, allowChange := cl.e.cfg.Load().General.Passthrough()
	switch {
	case match:
		cl.passthroughJoin()
		return
	case known && !allowChange:
		cl.authFailed()
		return
	}
	user, database, password := cl.user, cl.database, string(pw)
	go func() {
		err := cl.e.verify(user, database, password)
		cl.loop.run(func() { cl.passthroughVerified(err) })
	}()
}

// passthroughVerified ends a login PostgreSQL was asked about, on the
// client's loop; a client that left meanwhile is forgotten.
func (cl *client) passthroughVerified(err error) {
	if cl.state != clAuth {
		return
	}
	if err != nil {
		cl.passthroughFailed(err)
		return
	}
	cl.passthroughJoin()
}

// passthroughJoin logs the client in to its pool as it is now (a reload or
// PostgreSQL's check may have made it).
func (cl *client) passthroughJoin() {
	cl.pool = cl.e.pools.Load().get(cl.user, cl.database)
	if cl.pool == nil { // its database left the configuration meanwhile
		cl.fatal(codec.CodeInvalidCatalog, fmt.Sprintf("database %q does not exist", cl.database))
		return
	}
	cl.authenticated(cl.loop.scratch[:0])
}

// passthroughFailed answers as PostgreSQL answered: a wrong password is
// 28P01 like any other; another refusal keeps PostgreSQL's code with its
// message; a server out of reach is a connection failure.
func (cl *client) passthroughFailed(err error) {
	var pgErr *pgconn.PgError
	switch {
	case wrongPassword(err):
		cl.authFailed()
	case errors.As(err, &pgErr):
		cl.e.stats.authFailures.Add(1)
		cl.fatal(pgErr.Code, backend.ClientMessage(err))
	default:
		cl.e.log.Warn("passthrough authentication: cannot reach the server", "user", cl.user, "database", cl.database, "err", err)
		cl.fatal(codec.CodeConnectionFailure, fmt.Sprintf("cannot connect to database %q: %s", cl.database, backend.ClientMessage(err)))
	}
}
