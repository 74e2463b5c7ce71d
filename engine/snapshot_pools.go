// snapshot_pools.go holds the per-pool view that SHOW POOLS and the metrics share: counts under the pool's lock plus counts read on the loops.

package engine

import (
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

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

// Pools returns the running pools' views, in configuration order. sv_active
// counts servers linked to a client, sv_idle_xact those of them idle inside
// a transaction; sv_total also counts servers still connecting or moving
// between loops. It waits for the loops.
func (s snapshot) Pools() ([]PoolInfo, error) {
	perLoop, err := onLoops(s.e, countOnLoop)
	now := time.Now()
	list := s.e.pools.Load().list
	out := make([]PoolInfo, len(list))
	for i, p := range list {
		v := PoolInfo{PoolTotals: p.totals(), Mode: p.cfg.mode, Mirrors: p.mirrorInfos()}
		for _, m := range perLoop {
			if c := m[p]; c != nil {
				v.Clients += c.clients
				v.SvActive += c.linked
				v.SvIdleXact += c.idleXact
			}
		}
		v.SvIdle, v.SvTotal, v.ClWaiting, v.MaxWait, v.Paused = p.adminCounts(now)
		v.ClActive = max(v.Clients-v.ClWaiting, 0)
		out[i] = v
	}
	return out, err
}
