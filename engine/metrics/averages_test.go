// averages_test.go holds the tests of the avg_* values: rates and times per event over a period, pools that come and go.

package metrics

import (
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// TestAverages: the averages are zero until a period ends, then the growth
// over the period per second (times: per event); a pool new in the period
// grows from zero; a period without events has no time per event.
func TestAverages(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a := newAverager(t0)
	if a.get(1) != (averages{}) {
		t.Fatal("averages before the first period ended")
	}
	first := sample{xacts: 30, queries: 60, received: 3000, connects: 3, xactTime: 90 * time.Millisecond, connectTime: 6 * time.Millisecond}
	a.roll(t0.Add(15*time.Second), map[engine.PoolID]sample{1: first})
	if got := a.get(1); got.xacts != 2 || got.queries != 4 || got.received != 200 || got.xactTime != 3 || got.connectTime != 2 || got.connects != 0.2 {
		t.Fatalf("first period: %+v", got)
	}

	second := first
	second.xacts, second.xactTime = 45, 120*time.Millisecond // 15 more, 30ms more
	fresh := sample{queries: 10, queryTime: 5 * time.Millisecond}
	a.roll(t0.Add(30*time.Second), map[engine.PoolID]sample{1: second, 2: fresh})
	if got := a.get(1); got.xacts != 1 || got.xactTime != 2 || got.queries != 0 || got.queryTime != 0 || got.connectTime != 0 {
		t.Fatalf("second period of pool 1: %+v", got)
	}
	if got := a.get(2); got.queries != float64(10)/15 || got.queryTime != 0.5 {
		t.Fatalf("a pool new in the period: %+v", got)
	}

	a.roll(t0.Add(30*time.Second), map[engine.PoolID]sample{})
	if a.get(1).xacts != 1 {
		t.Fatal("a period of no time replaced the averages")
	}
	a.roll(t0.Add(45*time.Second), map[engine.PoolID]sample{2: fresh})
	if a.get(1) != (averages{}) || a.get(2).queries != 0 {
		t.Fatalf("a pool gone still has averages, or pool 2 grew: %+v %+v", a.get(1), a.get(2))
	}
}

// TestAverageOn: the goroutine rolls the averages from the engine's
// counters at every tick, and ends when told.
func TestAverageOn(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a := newAverager(t0)
	ticks, stop, done := make(chan time.Time), make(chan struct{}), make(chan struct{})
	go func() {
		a.averageOn(enginetest.MetricsFixture(), ticks, stop)
		close(done)
	}()
	ticks <- t0.Add(10 * time.Second)
	ticks <- t0.Add(10 * time.Second) // taken once the first roll is done; a period of no time changes nothing
	close(stop)
	<-done
	if got := a.get(7); got.xacts != 1 || got.queries != 2 || got.connectTime != 2 || got.evictions != 0.2 {
		t.Fatalf("averages after one tick 10s in: %+v", got)
	}
}
