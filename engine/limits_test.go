// limits_test.go tests how a pool's runtime limits are resolved from the configuration (user over database over general) and applied.

package engine

import (
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
)

func TestLimitsFor(t *testing.T) {
	cfg := &config.Config{
		General: config.General{DefaultPoolSize: 10, MinPoolSize: 1, IdleTimeout: time.Minute, ServerLifetime: time.Hour},
		Databases: []config.Database{
			{Name: "plain"},
			{Name: "tuned", PoolSize: 20, MinPoolSize: 0, HasMinPoolSize: true},
		},
		Users: []config.User{
			{Name: "u", Database: "plain"},
			{Name: "u", Database: "tuned"},
			{Name: "v", Database: "tuned", PoolSize: 30, MinPoolSize: 5, HasMinPoolSize: true},
		},
	}
	cases := []struct {
		user, db string
		want     poolLimits
		ok       bool
	}{
		{"u", "plain", poolLimits{size: 10, minSize: 1, idleTimeout: time.Minute, lifetime: time.Hour}, true},
		{"u", "tuned", poolLimits{size: 20, minSize: 0, idleTimeout: time.Minute, lifetime: time.Hour}, true},
		{"v", "tuned", poolLimits{size: 30, minSize: 5, idleTimeout: time.Minute, lifetime: time.Hour}, true},
		{"v", "plain", poolLimits{}, false},
		{"w", "tuned", poolLimits{}, false},
	}
	for _, c := range cases {
		got, ok := limitsFor(cfg, c.user, c.db)
		if got != c.want || ok != c.ok {
			t.Errorf("limitsFor(%s, %s) = %+v, %v; want %+v, %v", c.user, c.db, got, ok, c.want, c.ok)
		}
	}
}

func TestFillQueueDialsOnlyWithRoom(t *testing.T) {
	cases := []struct {
		name   string
		size   int
		paused bool
		closed bool
		total  int // servers counted after fillQueue
	}{
		{"room for both waiters", 3, false, false, 3},
		{"room for one", 2, false, false, 2},
		{"no room", 1, false, false, 1},
		{"paused", 3, true, false, 1},
		{"closed", 3, false, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{size: 1})
			fp := newFakePostgres(t, h)
			h.addServer()
			_, ac := h.connect()
			h.send(ac, queryMsg("select 1"))
			for range 2 {
				_, wc := h.connect()
				h.send(wc, queryMsg("select 2"))
			}
			h.pool.mu.Lock()
			h.pool.cfg.size, h.pool.paused, h.pool.closed = c.size, c.paused, c.closed
			h.pool.mu.Unlock()
			h.pool.fillQueue()
			if h.total() != c.total {
				t.Fatalf("%d servers counted, want %d", h.total(), c.total)
			}
			for range c.total - 1 {
				fp.refuse(t)
			}
		})
	}
}
