// stats.go holds the periodic samples of pool counters that SHOW STATS's averages are computed from.

package admin

import (
	"sync"
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// statsTick is how often pool totals are sampled; statsWindow is the
// period SHOW STATS's averages cover.
const (
	statsTick   = time.Second
	statsWindow = 15 * time.Second
)

// statSample is every pool's totals at one moment.
type statSample struct {
	at     time.Time
	totals map[engine.PoolID]engine.StatTotals
}

// statsHistory keeps the samples of the last statsWindow, oldest first.
type statsHistory struct {
	mu      sync.Mutex
	start   time.Time
	samples []statSample
}

// sample records the pools' totals and forgets samples past the window.
func (h *statsHistory) sample(pools []engine.PoolTotals, now time.Time) {
	s := statSample{at: now, totals: make(map[engine.PoolID]engine.StatTotals, len(pools))}
	for _, p := range pools {
		s.totals[p.ID] = p.Totals
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples = append(h.samples, s)
	drop := 0
	for drop < len(h.samples)-1 && now.Sub(h.samples[drop+1].at) >= statsWindow {
		drop++
	}
	h.samples = append(h.samples[:0], h.samples[drop:]...)
}

// baseline returns the pool's totals at the oldest sample still within
// reach of the window, and when that was; zero totals at start (or at the
// pool's first sample's time when it appeared later) when there is none.
func (h *statsHistory) baseline(id engine.PoolID, now time.Time) (engine.StatTotals, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.samples {
		if t, ok := s.totals[id]; ok && now.Sub(s.at) <= statsWindow+statsTick {
			return t, s.at
		}
	}
	return engine.StatTotals{}, h.start
}

// Sample records the pools' totals every statsTick until stop is closed,
// for SHOW STATS's averages.
func (c *Console) Sample(stop <-chan struct{}) {
	t := time.NewTicker(statsTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			c.history.sample(c.snap.PoolTotals(), now)
		}
	}
}
