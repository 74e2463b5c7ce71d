// timeouts.go holds the client timeouts (client_login_timeout,
// client_idle_timeout, client_idle_in_transaction_timeout), checked by a
// sweep on each loop.

package engine

import (
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// sweepEvery is how often each loop checks its clients' timeouts.
const sweepEvery = 100 * time.Millisecond

// clientTimeouts are the timeouts in force; zero is off.
type clientTimeouts struct {
	login, idle, idleTx time.Duration
}

// sweepClients asks every loop to check its clients (from the janitor).
func (e *Engine) sweepClients() {
	g := &e.cfg.Load().General
	t := clientTimeouts{login: g.ClientLoginTimeout, idle: g.ClientIdleTimeout, idleTx: g.ClientIdleInTransactionTimeout}
	if t == (clientTimeouts{}) {
		return
	}
	e.loopsMu.Lock()
	loops := append([]*loopState(nil), e.loops...)
	e.loopsMu.Unlock()
	for _, ls := range loops {
		ls.run(func() { ls.sweep(t, time.Now()) })
	}
}

// sweep checks the loop's clients against t, on the loop.
func (ls *loopState) sweep(t clientTimeouts, now time.Time) {
	for _, cl := range ls.clientList() {
		cl.checkTimeouts(t, now)
	}
}

// checkTimeouts ends a client past one of its timeouts.
func (cl *client) checkTimeouts(t clientTimeouts, now time.Time) {
	switch cl.state {
	case clStartup, clAuth:
		// Not logged in: client_login_timeout, from the accept.
		if t.login > 0 && now.Sub(cl.connectedAt) >= t.login {
			cl.loginTimedOut()
		}
	case clIdle, clActive:
		// Answered, and the next request not begun: the idle timeouts.
		if cl.quietSince.IsZero() {
			return
		}
		quiet := now.Sub(cl.quietSince)
		switch {
		case cl.quietTx && t.idleTx > 0 && quiet >= t.idleTx:
			cl.e.stats.idleTxTimeouts.Add(1)
			cl.pool.events.idleTxTimeouts.Add(1)
			cl.fatal(codec.CodeIdleInTxTimeout, "terminating connection due to idle-in-transaction timeout")
		case !cl.quietTx && t.idle > 0 && quiet >= t.idle:
			cl.e.stats.idleTimeouts.Add(1)
			cl.fatal(codec.CodeIdleSessionTimeout, "terminating connection due to idle-session timeout")
		}
	}
}

// loginTimedOut ends a client that did not log in in time: with FATAL
// 08P01 once its startup packet was read, as PostgreSQL does; before that,
// silently (nothing it sent asks for an answer).
func (cl *client) loginTimedOut() {
	cl.e.stats.loginTimeouts.Add(1)
	if cl.state == clStartup {
		cl.leave()
		_ = cl.conn.Close()
		return
	}
	cl.fatal(codec.CodeProtocolViolation, "canceling authentication due to timeout")
}

// quiet records that the client has every answer it asked for; tx is the
// transaction status it was given.
func (cl *client) quiet(now time.Time, tx byte) {
	cl.quietSince = now
	cl.quietTx = tx != codec.TxIdle
}

// terminate ends a client at the end of a shutdown with FATAL 57P01. A
// client in the middle of one of its server's frames is closed without it:
// the error would be read as the rest of the frame.
func (cl *client) terminate() {
	if cl.state == clClosed {
		return
	}
	if s := cl.server; s != nil && !s.l.rd.AtBoundary() {
		cl.leave()
		_ = cl.conn.Close()
		return
	}
	cl.fatal(codec.CodeAdminShutdown, "terminating connection due to administrator command")
}
