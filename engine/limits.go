// limits.go holds the pool settings that change at runtime: how they are read race-free and how SET and RELOAD apply them.

package engine

import (
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
	pooling "github.com/pgdogd/pgdogd/engine/pool"
)

// checkoutTimeout is checkout_timeout in force (an atomic load of the configuration).
func (p *pool) checkoutTimeout() time.Duration { return p.e.cfg.Load().General.CheckoutTimeout }

// connectTimeout is connect_timeout in force (an atomic load of the configuration).
func (p *pool) connectTimeout() time.Duration { return p.e.cfg.Load().General.ConnectTimeout }

// setLimits applies new limits under mu; a larger size dials for the queue at once.
func (p *pool) setLimits(l pooling.Limits) {
	p.mu.Lock()
	p.cfg.Limits = l
	p.mu.Unlock()
	p.fillQueue()
}

// fillQueue dials servers for waiting clients while the pool has room.
func (p *pool) fillQueue() {
	p.mu.Lock()
	var targets []*loopState
	for i := 0; i < len(p.waiters) && p.total < p.cfg.Size && !p.closed && !p.paused; i++ {
		p.total++
		targets = append(targets, p.waiters[i].loop)
	}
	p.mu.Unlock()
	for _, ls := range targets {
		go p.dial(ls)
	}
}

// applyPoolLimits gives every pool of the running set its limits from cfg.
func (e *Engine) applyPoolLimits(cfg *config.Config) {
	for _, p := range e.pools.Load().list {
		if l, ok := pooling.LimitsFor(cfg, p.cfg.user, p.cfg.database); ok {
			p.setLimits(l)
		}
	}
}
