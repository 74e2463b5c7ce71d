// blocking.go holds a pool's blocking connections: mirror connections, driven by replay goroutines instead of loops.

package engine

import (
	"errors"
	"net"
	"time"

	"github.com/pgdogd/pgdogd/engine/prepared"
	"github.com/pgdogd/pgdogd/engine/session"
)

// mirrorConn is a destination connection that a mirror replay goroutine
// drives with blocking reads and writes. It never lives on a loop, so it
// has none of a server's loop state: no link, no gnet connection.
type mirrorConn struct {
	nc        net.Conn
	stmts     prepared.ServerView // what it has prepared, as far as pgdogd knows
	params    session.Params      // its settings, as far as pgdogd knows
	created   time.Time
	idleSince time.Time
}

// openMirror logs in a new mirror connection (the caller counted it in total).
func (p *pool) openMirror() (*mirrorConn, error) {
	lr, ps, err := p.connect()
	if err != nil {
		return nil, err
	}
	p.e.stats.serversOpened.Add(1)
	return &mirrorConn{nc: lr.Conn, params: ps, created: time.Now()}, nil
}

// expired reports whether server_lifetime is over.
func (m *mirrorConn) expired(p *pool, now time.Time) bool {
	return p.cfg.Lifetime > 0 && now.Sub(m.created) > p.cfg.Lifetime
}

// errPoolExhausted is returned when no blocking connection could be had in time.
var errPoolExhausted = errors.New("no server connection available in time")

// acquireBlocking returns a mirror connection, from
// the pool's idle blocking connections or a new dial within the pool's size.
// When the pool is full it queues (FIFO) until a blocking server is handed
// over, or deadline.
func (p *pool) acquireBlocking(deadline time.Time) (*mirrorConn, error) {
	p.mu.Lock()
	if n := len(p.idleBlocking); n > 0 {
		s := p.idleBlocking[n-1]
		p.idleBlocking[n-1] = nil
		p.idleBlocking = p.idleBlocking[:n-1]
		p.mu.Unlock()
		return s, nil
	}
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("pool closed")
	}
	if p.total < p.cfg.Size {
		p.total++
		p.mu.Unlock()
		m, err := p.openMirror()
		if err != nil {
			p.dropped(nil, err)
			return nil, err
		}
		return m, nil
	}
	ch := make(chan *mirrorConn, 1)
	p.blockingWaiters = append(p.blockingWaiters, ch)
	p.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case s := <-ch:
		return handed(s)
	case <-t.C:
	}
	p.mu.Lock()
	queued := false
	for i, w := range p.blockingWaiters {
		if w == ch {
			p.blockingWaiters = append(p.blockingWaiters[:i], p.blockingWaiters[i+1:]...)
			queued = true
			break
		}
	}
	p.mu.Unlock()
	if queued {
		return nil, errPoolExhausted
	}
	return handed(<-ch) // taken off the queue by a release or a redial: its answer is on the way
}

// handed turns what a waiter received into a result: nil means the dial
// made for it failed.
func handed(s *mirrorConn) (*mirrorConn, error) {
	if s == nil {
		return nil, errPoolExhausted
	}
	return s, nil
}

// releaseBlocking gives a blocking connection back, to the first waiting
// goroutine or the idle list; a connection that is not clean, or a closed
// pool, closes it.
func (p *pool) releaseBlocking(s *mirrorConn, clean bool) {
	now := time.Now()
	p.mu.Lock()
	if !clean || p.closed || s.expired(p, now) {
		p.mu.Unlock()
		_ = s.nc.Close()
		p.e.stats.serversClosed.Add(1)
		p.dropped(nil, nil)
		p.redialBlocking()
		return
	}
	if len(p.blockingWaiters) > 0 {
		ch := p.blockingWaiters[0]
		p.blockingWaiters = p.blockingWaiters[1:]
		p.mu.Unlock()
		ch <- s
		return
	}
	s.idleSince = now
	p.idleBlocking = append(p.idleBlocking, s)
	p.mu.Unlock()
}

// redialBlocking opens a server for the first blocking waiter after one was closed.
func (p *pool) redialBlocking() {
	p.mu.Lock()
	if len(p.blockingWaiters) == 0 || p.total >= p.cfg.Size || p.closed {
		p.mu.Unlock()
		return
	}
	ch := p.blockingWaiters[0]
	p.blockingWaiters = p.blockingWaiters[1:]
	p.total++
	p.mu.Unlock()
	go func() {
		m, err := p.openMirror()
		if err != nil {
			p.dropped(nil, err)
		}
		ch <- m // nil when the dial failed
	}()
}

// expireBlocking closes idle blocking connections past idle_timeout or lifetime. Caller holds mu.
func (p *pool) expireBlocking(now time.Time) []*mirrorConn {
	var old []*mirrorConn
	kept := p.idleBlocking[:0]
	for _, s := range p.idleBlocking {
		if s.expired(p, now) || (p.cfg.IdleTimeout > 0 && now.Sub(s.idleSince) > p.cfg.IdleTimeout) {
			old = append(old, s)
			continue
		}
		kept = append(kept, s)
	}
	for i := len(kept); i < len(p.idleBlocking); i++ {
		p.idleBlocking[i] = nil
	}
	p.idleBlocking = kept
	return old
}
