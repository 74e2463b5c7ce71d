// admin_pools.go holds the per-pool view that SHOW POOLS and the metrics share: counts under the pool's lock plus counts read on the loops.

package engine

import (
	"github.com/pgdogd/pgdogd/codec"
	"time"
)

// poolView is one pool's state at one moment.
type poolView struct {
	p                    *pool
	clients              int // registered clients using the pool
	clActive, clWaiting  int
	svActive, svIdleXact int // linked to a client; of which idle in a transaction
	svIdle, svTotal      int
	maxWait              time.Duration
	paused               bool
	complete             bool // every loop answered
	totals               StatTotals
}

// loopPoolCounts is what one loop reports about one pool's clients.
type loopPoolCounts struct {
	clients, linked, idleXact int
}

// countOnLoop runs on ls: its clients' pools, servers and transaction states.
func countOnLoop(_ *loopState, clients []*client) map[*pool]*loopPoolCounts {
	m := map[*pool]*loopPoolCounts{}
	for _, cl := range clients {
		if cl.state == clClosed || cl.pool == nil {
			continue
		}
		c := m[cl.pool]
		if c == nil {
			c = &loopPoolCounts{}
			m[cl.pool] = c
		}
		c.clients++
		if s := cl.server; s != nil {
			c.linked++
			if !s.l.owes() && s.l.tx != codec.TxIdle {
				c.idleXact++
			}
		}
	}
	return m
}

// adminCounts reads the pool's counts under its lock.
func (p *pool) adminCounts(now time.Time) (idle, total, waiting int, maxWait time.Duration, paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.idle {
		idle += len(st)
	}
	idle += len(p.idleBlocking)
	for _, w := range p.waiters {
		maxWait = max(maxWait, now.Sub(w.waitStart))
	}
	return idle, p.total, len(p.waiters), maxWait, p.paused
}

// poolViews returns the running pools' views, in configuration order.
// It waits for the loops: never call it on one.
func (e *Engine) poolViews() []poolView {
	perLoop, err := onLoops(e, countOnLoop)
	now := time.Now()
	list := e.pools.Load().list
	out := make([]poolView, len(list))
	for i, p := range list {
		v := poolView{p: p, complete: err == nil}
		for _, m := range perLoop {
			if c := m[p]; c != nil {
				v.clients += c.clients
				v.svActive += c.linked
				v.svIdleXact += c.idleXact
			}
		}
		v.svIdle, v.svTotal, v.clWaiting, v.maxWait, v.paused = p.adminCounts(now)
		v.clActive = max(v.clients-v.clWaiting, 0)
		v.totals = p.stats.totals()
		out[i] = v
	}
	return out
}
