// poolevents.go holds a pool's counters of rare events (server logins, lost servers, evictions, timeouts) that PgDog's metrics report per pool.

package engine

import (
	"sync/atomic"
	"time"
)

// poolEvents are bumped once per event, never per message, by whichever
// loop or goroutine sees the event: shared atomics, unlike poolStats.
type poolEvents struct {
	connects, connectUS atomic.Int64 // server logins that succeeded, and the time they took
	errors              atomic.Int64 // logins that failed, and servers lost while serving a client
	outOfSync           atomic.Int64 // servers closed because their client left mid-transaction
	cleaned             atomic.Int64 // servers reset with DISCARD ALL before going back to the pool
	evictions           atomic.Int64 // statements closed on servers by prepared_statements_limit
	idleTxTimeouts      atomic.Int64 // clients closed at client_idle_in_transaction_timeout
	idleChecks          atomic.Int64 // idle servers checked with an empty query before use (idle_healthcheck_interval)
}

// connected counts a server login that took d.
func (ev *poolEvents) connected(d time.Duration) {
	ev.connects.Add(1)
	ev.connectUS.Add(d.Microseconds())
}
