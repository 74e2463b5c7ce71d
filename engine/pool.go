// pool.go holds a pool of server connections for one (user, database) pair: checkout, release, waiters.

package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/config"
	pooling "github.com/pgdogd/pgdogd/engine/pool"
	"github.com/pgdogd/pgdogd/engine/session"
)

// poolConfig is what a pool needs from the configuration, resolved once.
// Its Limits change at runtime (SET, RELOAD):
// they are read and written under the pool's mu only. checkout_timeout and
// connect_timeout are read from the engine's configuration (see limits.go).
type poolConfig struct {
	user, database  string       // as clients name them
	passwords       passwordList // users.toml's, which clients authenticate against
	serverUser      string
	serverPasswords passwordList // tried in order (credentials.go)
	ownPasswords    bool         // serverPasswords are the user's own: passthrough's comes first
	host            string
	port            int
	dbname          string // on the server
	pooling.Limits         // size, minimum size, idle timeout and lifetime: under mu
	mode            config.Mode
	defaults        sessionDefaults // the user's statement_timeout, lock_timeout and read_only
	replicaSet      string          // the database's replicas, host:port/dbname each: a change makes a new pool
}

// pool is one (user, database) pair's servers. Fields under mu are shared by
// every loop; the idle stacks are indexed by loop.
type pool struct {
	e   *Engine
	cfg poolConfig
	id  PoolID // unique in the process

	mu      sync.Mutex
	idle    pooling.Idle[*server] // per loop, LIFO
	total   int                   // servers open, connecting or migrating
	waiters []*client             // FIFO
	defs    session.Params        // parameters a fresh server reports; nil until the first connects
	// accepted holds clients' startup settings a server accepted, by params.key,
	// with the reported ones as the server spells them.
	accepted       map[string]session.Params
	closed         bool
	rebalanceArmed bool
	lastErr        error
	lastFail       time.Time
	secrets        auth.Secrets // the users.toml passwords clients authenticate against
	goodPassword   atomic.Int32 // index of the server password that logged in last

	idleBlocking    []*mirrorConn      // idle connections of mirror replay goroutines
	blockingWaiters []chan *mirrorConn // goroutines waiting for one, FIFO

	paused          bool      // PAUSE: new transactions wait, releases go idle
	reconnectBefore time.Time // RECONNECT: servers opened before this close at release

	stats  poolStats
	events poolEvents // rare events, for the metrics (poolevents.go)

	home         *pool         // a replica's pool of the same user on the database's primary; nil for a primary
	replicas     []*pool       // a primary's pools of the same user on the database's replicas
	rr           atomic.Uint64 // a primary's round-robin position among its read targets
	replica      replicaState  // a replica's ban and counters (replicas.go)
	mirrors      []*mirrorDest // where this pool's transactions are mirrored
	mirrorLevels bool          // some mirror filters by level: classify transactions
}

func newPool(e *Engine, cfg poolConfig) *pool {
	p := &pool{e: e, cfg: cfg, id: PoolID(poolIDs.Add(1)), idle: pooling.NewIdle[*server](e.numLoops())}
	p.stats.shards = make([]statShard, e.numLoops())
	return p
}

// checkout is called on cl's loop. It returns an idle server of that loop,
// or nil after arranging for one to arrive (dial, or a place in the queue
// with a rebalance armed when another loop has idle servers); the server
// then reaches cl through serve.
func (p *pool) checkout(cl *client) *server {
	li := cl.loop.idx
	p.mu.Lock()
	if p.paused {
		cl.waitStart = time.Now()
		p.waiters = append(p.waiters, cl)
		p.mu.Unlock()
		return nil
	}
	now := time.Now()
	if s := p.popIdle(li); s != nil {
		if limit := p.e.cfg.Load().General.IdleHealthcheckInterval; limit <= 0 || now.Sub(s.idleSince) < limit {
			p.mu.Unlock()
			return s
		}
		// Idle for long: checked first; the client waits for it (or another server).
		cl.waitStart = now
		p.waiters = append(p.waiters, cl)
		p.mu.Unlock()
		s.idleCheck()
		return nil
	}
	cl.waitStart = now
	p.waiters = append(p.waiters, cl)
	if s := p.popStale(li, now); s != nil {
		// Another loop has a server it has not needed for a while: move it
		// here rather than open one more.
		cl.expecting = true
		p.mu.Unlock()
		s.migrate(cl.loop)
		return nil
	}
	if p.total < p.cfg.Size && !p.closed {
		p.total++
		p.mu.Unlock()
		go p.dial(cl.loop)
		return nil
	}
	if p.idle.Elsewhere(li) {
		p.armRebalance()
	}
	p.mu.Unlock()
	return nil
}

// popIdle takes the most recently used idle server of loop li. Caller holds mu.
func (p *pool) popIdle(li int) *server {
	s, _ := p.idle.Pop(li)
	return s
}

// popStale takes the longest-idle server of a loop other than li when it
// has been idle longer than pooling.CrossLoopAfter. Caller holds mu.
func (p *pool) popStale(li int, now time.Time) *server {
	s, _ := p.idle.PopStale(li, now)
	return s
}

// release gives back a clean server, on its own loop: to a waiter of the
// same loop, to a waiter elsewhere that waited past pooling.CrossLoopAfter (by
// migration), or to the idle stack.
func (p *pool) release(s *server) {
	now := time.Now()
	p.mu.Lock()
	if p.closed || s.tainted || s.expired(now) || s.created.Before(p.reconnectBefore) || p.total > p.cfg.Size {
		p.mu.Unlock()
		s.close("released after pool closed, RECONNECT, a smaller pool size, lifetime over or unknown settings")
		return
	}
	var w *client
	if !p.paused {
		w = p.pickWaiter(s.loop.idx, now)
	}
	if w == nil {
		s.idleSince = now
		s.setState(svIdle)
		p.idle.Push(s.loop.idx, s)
		if len(p.waiters) > 0 && !p.paused {
			p.armRebalance() // waiters elsewhere: move this server if they keep waiting
		}
		p.mu.Unlock()
		return
	}
	if w.loop != s.loop {
		w.expecting = true
		p.mu.Unlock()
		s.migrate(w.loop)
		return
	}
	p.removeWaiter(w)
	p.mu.Unlock()
	w.serve(s)
}

// pickWaiter chooses who a server released on loop li goes to (see
// pooling.PickWaiter), or nil. Caller holds mu.
func (p *pool) pickWaiter(li int, now time.Time) *client {
	w, _ := pooling.PickWaiter(p.waiters, li, now)
	return w
}

// armRebalance schedules one rebalance after pooling.CrossLoopAfter. Caller holds mu.
func (p *pool) armRebalance() {
	if p.rebalanceArmed || p.closed {
		return
	}
	p.rebalanceArmed = true
	time.AfterFunc(pooling.CrossLoopAfter, p.rebalance)
}

// rebalance moves idle servers to the loops of waiters that waited past
// pooling.CrossLoopAfter, oldest first; it re-arms while younger waiters remain
// and idle servers exist elsewhere.
func (p *pool) rebalance() {
	now := time.Now()
	type move struct {
		s  *server
		to *loopState
	}
	var moves []move
	p.mu.Lock()
	p.rebalanceArmed = false
	again := false
	for _, w := range p.waiters {
		if p.paused {
			break
		}
		if w.expecting {
			continue
		}
		if now.Sub(w.waitStart) < pooling.CrossLoopAfter {
			again = again || p.idle.Elsewhere(w.loop.idx)
			continue
		}
		for j := range p.idle {
			if j == w.loop.idx {
				continue
			}
			if s := p.popIdle(j); s != nil {
				w.expecting = true
				moves = append(moves, move{s, w.loop})
				break
			}
		}
	}
	if again {
		p.armRebalance()
	}
	p.mu.Unlock()
	for _, m := range moves {
		m.s.migrate(m.to)
	}
}

// removeWaiter drops cl from the queue. Caller holds mu.
func (p *pool) removeWaiter(cl *client) bool {
	var ok bool
	p.waiters, ok = pooling.Remove(p.waiters, cl)
	return ok
}

// cancelWait is called on cl's loop when a waiting client leaves.
func (p *pool) cancelWait(cl *client) {
	p.mu.Lock()
	p.removeWaiter(cl)
	p.mu.Unlock()
}

// arrived is called on s's loop when a dialed or migrated server is enrolled there.
func (p *pool) arrived(s *server) {
	p.release(s)
}

// dropped accounts for a server that is gone (closed, or failed to connect).
func (p *pool) dropped(s *server, connErr error) {
	p.mu.Lock()
	p.total--
	if s != nil && s.loop != nil {
		p.idle.Remove(s.loop.idx, s)
	}
	var failed []*client
	if connErr != nil {
		p.lastErr, p.lastFail = connErr, time.Now()
		if p.isReplica() {
			p.mu.Unlock()
			p.ban("cannot connect: " + connErr.Error()) // its waiters go to another read target
			return
		}
		if p.total == 0 {
			failed, p.waiters = p.waiters, nil
		}
	} else if len(p.waiters) > 0 && p.total < p.cfg.Size && !p.closed && !p.paused {
		p.total++
		go p.dial(p.waiters[0].loop)
	}
	p.mu.Unlock()
	for _, cl := range failed {
		cl.loop.run(func() { cl.connectFailed(connErr) })
	}
}

// validated reports whether a client with these startup settings (key) can
// be greeted without a server: the pool knows its servers' parameters and a
// server accepted these settings before. spelled holds the reported ones as
// the server spells them.
func (p *pool) validated(key string) (spelled session.Params, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.defs == nil {
		return nil, false
	}
	if key == "" {
		return nil, true
	}
	spelled, ok = p.accepted[key]
	return spelled, ok
}

// maxAccepted bounds the cache of accepted startup settings.
const maxAccepted = 1024

// remember records startup settings a server accepted.
func (p *pool) remember(key string, settings session.Params) {
	if key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.accepted == nil || len(p.accepted) >= maxAccepted {
		p.accepted = map[string]session.Params{}
	}
	p.accepted[key] = settings.Clone()
}

// params returns the parameters a fresh server reports, or nil before the first one connected.
func (p *pool) params() session.Params {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.defs
}

// close stops the pool: idle servers are closed now, busy ones at release.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	idle, blocking := p.takeIdle()
	p.mu.Unlock()
	p.closeServers(idle, blocking, "pool closed")
}

// takeIdle empties the idle stacks and the idle blocking list. Caller holds mu.
func (p *pool) takeIdle() (idle []*server, blocking []*mirrorConn) {
	idle = p.idle.TakeAll()
	blocking, p.idleBlocking = p.idleBlocking, nil
	return idle, blocking
}

// closeServers closes servers taken out of the pool: loop servers on their
// loops, blocking ones here.
func (p *pool) closeServers(idle []*server, blocking []*mirrorConn, reason string) {
	for _, s := range idle {
		s.loop.run(func() { s.close(reason) })
	}
	for _, s := range blocking {
		_ = s.nc.Close()
		p.e.stats.serversClosed.Add(1)
		p.dropped(nil, nil)
	}
}

// Loop, Expecting and WaitStart make a client a pooling.Waiter.
func (cl *client) Loop() int            { return cl.loop.idx }
func (cl *client) Expecting() bool      { return cl.expecting }
func (cl *client) WaitStart() time.Time { return cl.waitStart }

// IdleSince makes a server a pooling.Server.
func (s *server) IdleSince() time.Time { return s.idleSince }
