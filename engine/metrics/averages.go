// averages.go holds PgDog's avg_* values: each pool's rates and times per event over the last stats period, recomputed once a period.

package metrics

import (
	"sync"
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// statsPeriod is PgDog's default stats_period: the averages cover the
// last one and change once per period.
const statsPeriod = 15 * time.Second

// sample is one pool's counters the averages are computed from, named as
// PgDog names them: received and sent are bytes from and to servers.
type sample struct {
	xacts, queries, received, sent                   float64
	evictions, serverErrors, cleaned, idleTxTimeouts float64
	connects                                         float64
	xactTime, queryTime, connectTime                 time.Duration
}

// averages are per second, except the times: milliseconds per
// transaction, query or server login.
type averages struct {
	xacts, queries, received, sent                   float64
	evictions, serverErrors, cleaned, idleTxTimeouts float64
	connects                                         float64
	xactTime, queryTime, connectTime                 float64
}

// averager keeps every pool's counters at the start of the period and the
// averages of the last period.
type averager struct {
	mu   sync.Mutex
	at   time.Time // when the period began
	last map[engine.PoolID]sample
	avg  map[engine.PoolID]averages
}

func newAverager(now time.Time) *averager {
	return &averager{at: now, last: map[engine.PoolID]sample{}, avg: map[engine.PoolID]averages{}}
}

// get returns a pool's averages; zero before its first period ends.
func (a *averager) get(id engine.PoolID) averages {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.avg[id]
}

// roll ends the period at now: every pool's averages are its counters'
// growth since the period began (since zero for a pool that began within
// it), and cur begins the next period. Pools that are gone are forgotten.
func (a *averager) roll(now time.Time, cur map[engine.PoolID]sample) {
	a.mu.Lock()
	defer a.mu.Unlock()
	secs := now.Sub(a.at).Seconds()
	if secs <= 0 {
		return
	}
	avg := make(map[engine.PoolID]averages, len(cur))
	for id, c := range cur {
		avg[id] = c.since(a.last[id], secs)
	}
	a.at, a.last, a.avg = now, cur, avg
}

// since is the averages of the growth from old to s over secs seconds.
func (s sample) since(old sample, secs float64) averages {
	rate := func(n, o float64) float64 { return max(n-o, 0) / secs }
	per := func(d, o time.Duration, n, on float64) float64 {
		return float64(max(d-o, 0)) / float64(time.Millisecond) / max(n-on, 1)
	}
	return averages{
		xacts: rate(s.xacts, old.xacts), queries: rate(s.queries, old.queries),
		received: rate(s.received, old.received), sent: rate(s.sent, old.sent),
		evictions: rate(s.evictions, old.evictions), serverErrors: rate(s.serverErrors, old.serverErrors),
		cleaned: rate(s.cleaned, old.cleaned), idleTxTimeouts: rate(s.idleTxTimeouts, old.idleTxTimeouts),
		connects:    rate(s.connects, old.connects),
		xactTime:    per(s.xactTime, old.xactTime, s.xacts, old.xacts),
		queryTime:   per(s.queryTime, old.queryTime, s.queries, old.queries),
		connectTime: per(s.connectTime, old.connectTime, s.connects, old.connects),
	}
}

// samples reads every running pool's counters, without waiting for the loops.
func samples(snap engine.MetricsSnapshot) map[engine.PoolID]sample {
	out := map[engine.PoolID]sample{}
	for _, p := range snap.PoolTotals() {
		t := p.Totals
		out[p.ID] = sample{xacts: float64(t.Xacts), queries: float64(t.Queries), received: float64(t.Sent), sent: float64(t.Received),
			serverErrors: float64(t.Errors), xactTime: t.XactTime, queryTime: t.QueryTime}
	}
	for _, ev := range snap.PoolEvents() {
		s, ok := out[ev.ID]
		if !ok {
			continue
		}
		s.evictions, s.cleaned, s.idleTxTimeouts = float64(ev.PreparedEvictions), float64(ev.Cleaned), float64(ev.IdleTxTimeouts)
		s.connects, s.connectTime = float64(ev.Connects), ev.ConnectTime
		out[ev.ID] = s
	}
	return out
}

// averageEvery rolls the averages every period until stop is closed.
func (a *averager) averageEvery(snap engine.MetricsSnapshot, period time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(period)
	defer t.Stop()
	a.averageOn(snap, t.C, stop)
}

// averageOn rolls the averages at every tick until stop is closed.
func (a *averager) averageOn(snap engine.MetricsSnapshot, ticks <-chan time.Time, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case now := <-ticks:
			a.roll(now, samples(snap))
		}
	}
}
