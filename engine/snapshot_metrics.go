// snapshot_metrics.go holds what the metrics endpoint reads beyond the Snapshot: each pool's rare-event counters and size, the pinned clients, the prepared statement cache's bytes.

package engine

import "time"

// MetricsSnapshot is the Snapshot the metrics endpoint reads: the
// Snapshot's values and those only PgDog's metrics need. Like the
// Snapshot's, its methods return values the caller owns.
type MetricsSnapshot interface {
	Snapshot
	// PoolEvents is every running pool's size and event counters, in
	// configuration order, without waiting for the loops.
	PoolEvents() []PoolEvents
	// Locked counts the clients pinned to their server (PgDog's locked
	// clients and servers). It waits for the loops; its error says one did
	// not answer in time (the counts are then partial).
	Locked() (Locked, error)
	// PreparedBytes is what the shared prepared statement cache's texts take.
	PreparedBytes() int64
}

// PoolEvents is one pool's size and its counters of rare events.
type PoolEvents struct {
	ID                PoolID
	Database, User    string
	MaxConnections    int           // pool_size in force
	Connects          int64         // server logins that succeeded
	ConnectTime       time.Duration // the time those logins took
	Errors            int64         // server logins that failed, and servers lost while serving a client
	OutOfSync         int64         // servers closed because their client left mid-transaction
	Cleaned           int64         // servers reset with DISCARD ALL before going back to the pool
	PreparedEvictions int64         // statements closed on servers by prepared_statements_limit
	IdleTxTimeouts    int64         // clients closed at client_idle_in_transaction_timeout
}

// Locked counts the clients that session state pins to their server.
type Locked struct {
	Clients int            // pinned clients, of every pool
	Servers map[PoolID]int // servers held by a pinned client, by pool
}

// MetricsSnapshot returns the engine's read-only face for the metrics endpoint.
func (e *Engine) MetricsSnapshot() MetricsSnapshot { return snapshot{e} }

func (s snapshot) PoolEvents() []PoolEvents {
	list := s.e.pools.Load().list
	out := make([]PoolEvents, len(list))
	for i, p := range list {
		p.mu.Lock()
		size := p.cfg.Size
		p.mu.Unlock()
		ev := &p.events
		out[i] = PoolEvents{ID: p.id, Database: p.cfg.database, User: p.cfg.user, MaxConnections: size,
			Connects: ev.connects.Load(), ConnectTime: time.Duration(ev.connectUS.Load()) * time.Microsecond,
			Errors: ev.errors.Load(), OutOfSync: ev.outOfSync.Load(), Cleaned: ev.cleaned.Load(),
			PreparedEvictions: ev.evictions.Load(), IdleTxTimeouts: ev.idleTxTimeouts.Load()}
	}
	return out
}

func (s snapshot) Locked() (Locked, error) {
	perLoop, err := onLoops(s.e, lockedOnLoop)
	out := Locked{Servers: map[PoolID]int{}}
	for _, l := range perLoop {
		out.Clients += l.Clients
		for id, n := range l.Servers {
			out.Servers[id] += n
		}
	}
	return out, err
}

// lockedOnLoop runs on a loop: its pinned clients, and the servers they hold by pool.
func lockedOnLoop(_ *loopState, clients []*client) Locked {
	l := Locked{Servers: map[PoolID]int{}}
	for _, cl := range clients {
		if cl.state == clClosed || cl.pins == 0 {
			continue
		}
		l.Clients++
		if cl.server != nil && cl.pool != nil {
			l.Servers[cl.pool.id]++
		}
	}
	return l
}

func (s snapshot) PreparedBytes() int64 { return s.e.stmts.Bytes() }
