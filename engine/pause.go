// pause.go holds a pool's PAUSE, RESUME and RECONNECT: holding new transactions, letting them go, and renewing servers.

package engine

import (
	"time"
)

// pause holds the pool's new transactions: checkouts queue, released
// servers go idle. Transactions in flight go on.
func (p *pool) pause() {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
}

// resume lets the queue go, oldest first: idle servers of a waiter's own
// loop, then idle servers of other loops (migrated), then new dials.
func (p *pool) resume() {
	type handoff struct {
		cl *client
		s  *server
	}
	var local []handoff
	var moves []handoff
	var dials []*loopState
	p.mu.Lock()
	p.paused = false
	kept := p.waiters[:0]
	for _, w := range p.waiters {
		if s := p.popIdle(w.loop.idx); s != nil {
			local = append(local, handoff{w, s})
			continue
		}
		kept = append(kept, w)
	}
	for i := len(kept); i < len(p.waiters); i++ {
		p.waiters[i] = nil
	}
	p.waiters = kept
	for _, w := range p.waiters {
		if s := p.popAnyIdle(); s != nil {
			w.expecting = true
			moves = append(moves, handoff{w, s})
		} else if p.total < p.cfg.Size && !p.closed {
			p.total++
			dials = append(dials, w.loop)
		}
	}
	p.mu.Unlock()
	for _, h := range local {
		h.cl.loop.run(func() { h.cl.serve(h.s) })
	}
	for _, h := range moves {
		h.s.migrate(h.cl.loop) // the arrival goes to the waiter on that loop
	}
	for _, ls := range dials {
		go p.dial(ls)
	}
}

// popAnyIdle takes an idle server of any loop. Caller holds mu.
func (p *pool) popAnyIdle() *server {
	for li := range p.idle {
		if s := p.popIdle(li); s != nil {
			return s
		}
	}
	return nil
}

// reconnect closes the idle servers now and the busy ones at release, so
// that the next transactions run on new connections.
func (p *pool) reconnect(now time.Time) {
	p.mu.Lock()
	p.reconnectBefore = now
	idle, blocking := p.takeIdle()
	p.mu.Unlock()
	p.closeServers(idle, blocking, "RECONNECT")
}
