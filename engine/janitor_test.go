// janitor_test.go tests the periodic upkeep: checkout timeouts, idle_timeout and server_lifetime down to min_pool_size, the opening of servers up to it, and the janitor's loop.

package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// waitStartOf reads when cl began to wait.
func (h *harness) waitStartOf(cl *client) time.Time {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	return cl.waitStart
}

func (h *harness) waiters() int {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	return len(h.pool.waiters)
}

func TestExpireWaiters(t *testing.T) {
	cases := []struct {
		name    string
		timeout string // checkout_timeout, ms
		after   time.Duration
		expired bool
	}{
		{"before the timeout", "1000", 999 * time.Millisecond, false},
		{"at the timeout", "1000", time.Second, false},
		{"past the timeout", "1000", time.Second + time.Millisecond, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{size: 1})
			h.setting("checkout_timeout", c.timeout)
			s, sc := h.addServer()
			_, ac := h.connect()
			h.send(ac, queryMsg("select 1"))
			b, bc := h.connect()
			h.send(bc, queryMsg("select 2"))
			h.pool.expireWaiters(h.waitStartOf(b).Add(c.after))
			h.runTasks()
			got := bc.take()
			if !c.expired {
				if len(got) != 0 || b.state != clWaiting || h.waiters() != 1 {
					t.Fatalf("expired early: state %s, wrote %q", b.state, got)
				}
				return
			}
			if code := fatalCode(t, got); code != codec.CodeTooManyConnections || !bc.isClosed() || h.waiters() != 0 ||
				!strings.Contains(string(got), `no server connection for user "u" database "db" within 1001 ms`) {
				t.Fatalf("got %q, closed %v, %d waiters; want FATAL 53300 naming the wait", got, bc.isClosed(), h.waiters())
			}
			if n := h.e.stats.checkoutTimeouts.Load(); n != 1 {
				t.Fatalf("checkout timeouts counted %d", n)
			}
			h.send(sc, cat(complete("SELECT 1"), rfq('I')))
			if !h.isIdle(s) {
				t.Fatal("the server did not go idle: it went to the expired waiter")
			}
		})
	}
}

func TestExpireWaitersOff(t *testing.T) {
	h := newHarness(t, opts{size: 1})
	h.addServer()
	_, ac := h.connect()
	h.send(ac, queryMsg("select 1"))
	b, bc := h.connect()
	h.send(bc, queryMsg("select 2"))
	cfg := *h.e.cfg.Load()
	cfg.General.CheckoutTimeout = 0 // off: only the configuration files can say so
	h.e.cfg.Store(&cfg)
	h.pool.expireWaiters(h.waitStartOf(b).Add(time.Hour))
	h.runTasks()
	if b.state != clWaiting || bc.isClosed() || h.waiters() != 1 {
		t.Fatal("a waiter expired with checkout_timeout off")
	}
}

// idleServer adds an idle server, opened at created and idle since idleSince.
func (h *harness) idleServer(created, idleSince time.Time) (*server, *fakeConn) {
	s, c := h.addServer()
	s.created, s.idleSince = created, idleSince
	return s, c
}

func TestUpkeepClosesIdleAndOldServers(t *testing.T) {
	now := time.Now()
	hourAgo := now.Add(-time.Hour)
	cases := []struct {
		name           string
		idleTimeout    string
		lifetime       string
		minSize        string
		idleSince      []time.Time // one idle server each
		created        time.Time
		closed, pooled int
	}{
		{name: "idle past idle_timeout", idleTimeout: "60000", lifetime: "0", minSize: "0",
			idleSince: []time.Time{now.Add(-61 * time.Second), now.Add(-59 * time.Second)}, created: hourAgo, closed: 1, pooled: 1},
		{name: "idle_timeout stops at min_pool_size", idleTimeout: "60000", lifetime: "0", minSize: "1",
			idleSince: []time.Time{hourAgo, hourAgo}, created: hourAgo, closed: 1, pooled: 1},
		{name: "idle_timeout off", idleTimeout: "0", lifetime: "0", minSize: "0",
			idleSince: []time.Time{hourAgo, hourAgo}, created: hourAgo, closed: 0, pooled: 2},
		{name: "lifetime over, whatever min_pool_size", idleTimeout: "0", lifetime: "1800000", minSize: "2",
			idleSince: []time.Time{now, now}, created: hourAgo, closed: 2, pooled: 0},
		{name: "lifetime not over", idleTimeout: "0", lifetime: "7200000", minSize: "0",
			idleSince: []time.Time{now, now}, created: hourAgo, closed: 0, pooled: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{size: 4})
			h.setting("idle_timeout", c.idleTimeout)
			h.setting("server_lifetime", c.lifetime)
			h.setting("min_pool_size", c.minSize)
			var conns []*fakeConn
			for _, since := range c.idleSince {
				_, sc := h.idleServer(c.created, since)
				conns = append(conns, sc)
			}
			h.pool.mu.Lock()
			h.pool.lastErr, h.pool.lastFail = errors.New("down"), now // no new servers now
			h.pool.mu.Unlock()
			h.pool.upkeep(now)
			h.runTasks()
			closed := 0
			for _, sc := range conns {
				if sc.isClosed() {
					closed++
				}
			}
			if closed != c.closed || len(h.idle()) != c.pooled || h.total() != c.pooled {
				t.Fatalf("closed %d, idle %d, total %d; want %d closed, %d pooled", closed, len(h.idle()), h.total(), c.closed, c.pooled)
			}
		})
	}
}

func TestUpkeepOpensServersUpToMinPoolSize(t *testing.T) {
	h := newHarness(t, opts{size: 4})
	fp := newFakePostgres(t, h)
	h.setting("min_pool_size", "3")
	h.idleServer(time.Now(), time.Now())
	now := time.Now()
	h.pool.upkeep(now)
	if h.total() != 3 {
		t.Fatalf("%d servers after upkeep, want min_pool_size 3", h.total())
	}
	fp.refuse(t)
	fp.refuse(t)
	h.pumpUntil("the failed dials to be counted", func() bool { return h.total() == 1 })
	// A failure less than five seconds ago: no new attempt.
	h.pool.upkeep(now.Add(time.Second))
	if h.total() != 1 {
		t.Fatalf("%d servers: upkeep dialed again right after a failure", h.total())
	}
	h.pool.upkeep(time.Now().Add(6 * time.Second))
	if h.total() != 3 {
		t.Fatalf("%d servers: upkeep did not dial again after the failure aged", h.total())
	}
	fp.refuse(t)
	fp.refuse(t)
	h.pumpUntil("the failed dials to be counted", func() bool { return h.total() == 1 })

	h.pool.close()
	h.runTasks()
	h.pool.upkeep(time.Now().Add(time.Minute))
	if h.total() != 0 {
		t.Fatalf("%d servers: a closed pool kept or opened servers", h.total())
	}
}

func TestJanitorExpiresWaitersAndSweepsClients(t *testing.T) {
	h := newHarness(t, opts{size: 1})
	h.setting("checkout_timeout", "1000")
	cfg := *h.e.cfg.Load()
	cfg.General.ClientIdleTimeout = time.Minute
	h.e.cfg.Store(&cfg)
	h.addServer()
	_, ac := h.connect()
	h.send(ac, queryMsg("select 1"))
	waiter, wc := h.connect()
	h.send(wc, queryMsg("select 2"))
	idle, ic := h.connect()
	h.pool.mu.Lock()
	waiter.waitStart = waiter.waitStart.Add(-time.Hour)
	h.pool.mu.Unlock()
	idle.quietSince = idle.quietSince.Add(-time.Hour)

	done := make(chan struct{})
	go func() {
		defer close(done)
		h.e.janitor()
	}()
	close(h.e.booted)
	h.pumpUntil("the janitor to end the waiter and the idle client", func() bool { return wc.isClosed() && ic.isClosed() })
	close(h.e.stopped)
	h.pumpUntil("the janitor to stop", func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	})
	if got := fatalCode(t, wc.take()); got != codec.CodeTooManyConnections {
		t.Fatalf("waiter: FATAL %q, want 53300", got)
	}
	if got := fatalCode(t, ic.take()); got != codec.CodeIdleSessionTimeout {
		t.Fatalf("idle client: FATAL %q, want 57P05", got)
	}
	if ac.isClosed() {
		t.Fatal("the client waiting for its answer was closed")
	}
}
