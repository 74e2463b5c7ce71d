// limits.go holds a pool's limits that change at runtime, resolved from the configuration, and the upkeep decisions they drive.

package pool

import (
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
)

// Limits are the part of a pool's settings SET and RELOAD change in place.
type Limits struct {
	Size, MinSize         int
	IdleTimeout, Lifetime time.Duration // 0: none
}

// LimitsFor resolves the limits of the pool of (user, database) from cfg:
// the user's entry over the database's over [general]; a user without an
// entry (passthrough authentication's) has the database's and
// [general]'s. ok is false when cfg has no such database.
func LimitsFor(cfg *config.Config, user, database string) (l Limits, ok bool) {
	d, ok := cfg.Database(database)
	if !ok {
		return Limits{}, false
	}
	u, _ := cfg.User(user, database)
	return Limits{Size: cfg.PoolSize(u, d), MinSize: cfg.MinPoolSize(u, d),
		IdleTimeout: cfg.IdleTimeout(u), Lifetime: cfg.ServerLifetime(u)}, true
}

// Expire takes out of the stacks, and returns, the idle servers to close at
// now: those expired (past server_lifetime, as expired says) and those idle
// past IdleTimeout while the pool, of total servers, stays above MinSize.
func (st Idle[S]) Expire(now time.Time, total int, l Limits, expired func(S) bool) []S {
	var old []S
	var zero S
	for li, stack := range st {
		kept := stack[:0]
		for _, s := range stack {
			tooIdle := l.IdleTimeout > 0 && now.Sub(s.IdleSince()) > l.IdleTimeout && total-len(old) > l.MinSize
			if expired(s) || tooIdle {
				old = append(old, s)
				continue
			}
			kept = append(kept, s)
		}
		for i := len(kept); i < len(stack); i++ {
			stack[i] = zero
		}
		st[li] = kept
	}
	return old
}

// FailureBackoff is how long after a failed connection the pool does not
// open servers to reach MinSize.
const FailureBackoff = 5 * time.Second

// Warm is how many servers to open so that a pool of total servers reaches
// MinSize: none when the pool is closed or a connection failed less than
// FailureBackoff before now.
func (l Limits) Warm(total int, closed bool, lastFail, now time.Time) int {
	if closed || !lastFail.IsZero() && now.Sub(lastFail) < FailureBackoff {
		return 0
	}
	return max(l.MinSize-total, 0)
}
