// stats.go holds the engine-wide counters of rare events (connects, failures, migrations).
package engine

import "sync/atomic"

// Stats are counted with atomics: none of them is bumped per message.
type Stats struct {
	clientsOpened, clientsClosed atomic.Int64
	serversOpened, serversClosed atomic.Int64
	linked                       atomic.Int64 // clients holding a server right now
	migrations                   atomic.Int64
	checkoutTimeouts             atomic.Int64
	connectFailures              atomic.Int64
	authFailures                 atomic.Int64
	protocolErrors               atomic.Int64
	dirtyClosed                  atomic.Int64 // servers closed because their client left mid-transaction
	cancelsForwarded             atomic.Int64
	cancelsIgnored               atomic.Int64
	pauses                       atomic.Int64 // server reads paused for a slow client
}

// Snapshot is a copy of the engine's counters.
type Snapshot struct {
	ClientsOpened, ClientsClosed, ServersOpened, ServersClosed int64
	Linked, Migrations, CheckoutTimeouts, ConnectFailures      int64
	AuthFailures, ProtocolErrors, DirtyClosed                  int64
	CancelsForwarded, CancelsIgnored                           int64
	Pauses                                                     int64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Snapshot {
	s := &e.stats
	return Snapshot{
		ClientsOpened: s.clientsOpened.Load(), ClientsClosed: s.clientsClosed.Load(),
		ServersOpened: s.serversOpened.Load(), ServersClosed: s.serversClosed.Load(),
		Linked: s.linked.Load(), Migrations: s.migrations.Load(), CheckoutTimeouts: s.checkoutTimeouts.Load(),
		ConnectFailures: s.connectFailures.Load(), AuthFailures: s.authFailures.Load(),
		ProtocolErrors: s.protocolErrors.Load(), DirtyClosed: s.dirtyClosed.Load(),
		CancelsForwarded: s.cancelsForwarded.Load(), CancelsIgnored: s.cancelsIgnored.Load(),
		Pauses: s.pauses.Load(),
	}
}
