// blocking.go holds a pool's blocking connections: servers used by goroutines (mirror replay) instead of loops.
package engine

import (
	"errors"
	"time"
)

// errPoolExhausted is returned when no blocking connection could be had in time.
var errPoolExhausted = errors.New("no server connection available in time")

// acquireBlocking returns a server driven through its net.Conn (s.nc), from
// the pool's idle blocking connections or a new dial within the pool's size.
// It waits until deadline when the pool is full.
func (p *pool) acquireBlocking(deadline time.Time) (*server, error) {
	for {
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
		if p.total < p.cfg.size {
			p.total++
			p.mu.Unlock()
			s, nc, err := p.connect()
			if err != nil {
				p.dropped(nil, err)
				return nil, err
			}
			s.nc = nc
			p.e.stats.serversOpened.Add(1)
			return s, nil
		}
		p.mu.Unlock()
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, errPoolExhausted
		}
		select {
		case <-p.blockingFree:
		case <-time.After(min(wait, 50*time.Millisecond)):
		}
	}
}

// releaseBlocking gives a blocking connection back; a connection that is
// not clean, or a closed pool, closes it.
func (p *pool) releaseBlocking(s *server, clean bool) {
	now := time.Now()
	p.mu.Lock()
	if !clean || p.closed || s.expired(now) {
		p.mu.Unlock()
		_ = s.nc.Close()
		p.e.stats.serversClosed.Add(1)
		p.dropped(nil, nil)
		p.signalBlocking()
		return
	}
	s.idleSince = now
	p.idleBlocking = append(p.idleBlocking, s)
	p.mu.Unlock()
	p.signalBlocking()
}

func (p *pool) signalBlocking() {
	select {
	case p.blockingFree <- struct{}{}:
	default:
	}
}

// expireBlocking closes idle blocking connections past idle_timeout or lifetime. Caller holds mu.
func (p *pool) expireBlocking(now time.Time) []*server {
	var old []*server
	kept := p.idleBlocking[:0]
	for _, s := range p.idleBlocking {
		if s.expired(now) || (p.cfg.idleTimeout > 0 && now.Sub(s.idleSince) > p.cfg.idleTimeout) {
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
