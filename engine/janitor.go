// janitor.go holds the periodic upkeep: checkout timeouts, idle_timeout, server_lifetime, min_pool_size.

package engine

import (
	"time"
)

// janitorTick is how often waits are checked; pool upkeep runs every tenth tick.
const janitorTick = 50 * time.Millisecond

// janitor runs until the engine stops.
func (e *Engine) janitor() {
	<-e.booted
	t := time.NewTicker(janitorTick)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-e.stopped:
			return
		case now := <-t.C:
			if n%int(sweepEvery/janitorTick) == 0 {
				e.sweepClients()
			}
			ps := e.pools.Load()
			for _, p := range ps.list {
				p.expireWaiters(now)
				if n%10 == 0 && !e.shutdown.Load() {
					p.upkeep(now)
				}
			}
		}
	}
}

// expireWaiters fails the clients that waited longer than checkout_timeout.
func (p *pool) expireWaiters(now time.Time) {
	limit := p.checkoutTimeout()
	if limit <= 0 {
		return
	}
	p.mu.Lock()
	var late []*client
	kept := p.waiters[:0]
	for _, w := range p.waiters {
		if now.Sub(w.waitStart) > limit {
			late = append(late, w)
		} else {
			kept = append(kept, w)
		}
	}
	for i := len(kept); i < len(p.waiters); i++ {
		p.waiters[i] = nil
	}
	p.waiters = kept
	p.mu.Unlock()
	for _, cl := range late {
		waited := now.Sub(cl.waitStart)
		cl.loop.run(func() { cl.checkoutTimedOut(waited) })
	}
}

// upkeep closes idle servers past idle_timeout (down to min_pool_size) or
// past server_lifetime, and opens servers up to min_pool_size.
func (p *pool) upkeep(now time.Time) {
	p.mu.Lock()
	old := p.idle.Expire(now, p.total, p.cfg.Limits, func(s *server) bool { return s.expired(now) })
	oldBlocking := p.expireBlocking(now)
	lastFail := p.lastFail
	if p.lastErr == nil {
		lastFail = time.Time{}
	}
	warm := p.cfg.Limits.Warm(p.total, p.closed, lastFail, now)
	p.total += warm
	p.mu.Unlock()
	p.closeServers(old, oldBlocking, "idle timeout or lifetime")
	for i := 0; i < warm; i++ {
		go p.dial(p.e.anyLoop(i))
	}
}

// anyLoop returns a known loop in turn, or nil before any is known.
func (e *Engine) anyLoop(i int) *loopState {
	e.loopsMu.Lock()
	defer e.loopsMu.Unlock()
	if len(e.loops) == 0 {
		return nil
	}
	return e.loops[i%len(e.loops)]
}
