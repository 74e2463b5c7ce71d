// limits_test.go tests how new pool limits are applied: the queue is dialled for only while the pool has room.

package engine

import (
	"testing"
)

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
			h.pool.cfg.Size, h.pool.paused, h.pool.closed = c.size, c.paused, c.closed
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
