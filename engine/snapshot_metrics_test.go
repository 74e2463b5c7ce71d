// snapshot_metrics_test.go tests the metrics' part of the snapshot: each pool's size and event counters, the pinned clients, the prepared statement cache's bytes.

package engine

import (
	"testing"

	"github.com/pgdogd/pgdogd/engine/config"
)

// poolEventsOf returns the only pool's events.
func poolEventsOf(t *testing.T, h *harness) PoolEvents {
	t.Helper()
	evs := h.e.MetricsSnapshot().PoolEvents()
	if len(evs) != 1 || evs[0].ID != h.pool.id || evs[0].User != "u" || evs[0].Database != "db" {
		t.Fatalf("pool events %+v, want one for u@db", evs)
	}
	return evs[0]
}

// TestPoolEventsOutOfSyncAndErrors: a client leaving inside a transaction
// closes its server (out of sync); a server hanging up on its client is an
// error; the pool's size is the one in force.
func TestPoolEventsOutOfSyncAndErrors(t *testing.T) {
	h := newHarness(t, opts{size: 3})
	if ev := poolEventsOf(t, h); ev != (PoolEvents{ID: h.pool.id, Database: "db", User: "u", MaxConnections: 3}) {
		t.Fatalf("a fresh pool's events %+v", ev)
	}
	_, sc := h.addServer()
	_, cc := h.connect()
	h.send(cc, queryMsg("begin"))
	h.send(sc, cat(complete("BEGIN"), rfq('T')))
	h.hangUp(cc)
	if ev := poolEventsOf(t, h); ev.OutOfSync != 1 || ev.Errors != 0 || !sc.isClosed() {
		t.Fatalf("after a client left mid-transaction: %+v, server closed %v", ev, sc.isClosed())
	}

	_, sc = h.addServer()
	_, cc = h.connect()
	h.send(cc, queryMsg("select pg_sleep(10)"))
	h.hangUp(sc)
	if ev := poolEventsOf(t, h); ev.OutOfSync != 1 || ev.Errors != 1 || !cc.isClosed() {
		t.Fatalf("after a server hung up on its client: %+v, client closed %v", ev, cc.isClosed())
	}
}

// TestPoolEventsCleaned: in session mode a server is reset before it goes
// back to the pool.
func TestPoolEventsCleaned(t *testing.T) {
	h := newHarness(t, opts{mode: config.ModeSession})
	_, sc := h.addServer()
	_, cc := h.connect()
	h.send(cc, queryMsg("select 1"))
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	if ev := poolEventsOf(t, h); ev.Cleaned != 0 {
		t.Fatalf("cleaned %d before the client left", ev.Cleaned)
	}
	h.hangUp(cc)
	if ev := poolEventsOf(t, h); ev.Cleaned != 1 || ev.OutOfSync != 0 {
		t.Fatalf("after a clean client left a session: %+v, want one server cleaned", ev)
	}
}

// TestLocked: a pinned client holding its server counts as a locked client
// and a locked server of its pool; an unpinned one does not.
func TestLocked(t *testing.T) {
	h := newHarness(t, opts{})
	cfg := *h.e.cfg.Load()
	cfg.General.PinSessionState = true
	h.e.cfg.Store(&cfg)
	h.addServer()
	cl, cc := h.connect()
	h.connect()
	h.send(cc, queryMsg("begin"))
	locked := func() Locked {
		return beside(h, func() Locked {
			l, err := h.e.MetricsSnapshot().Locked()
			if err != nil {
				t.Errorf("Locked: %v", err)
			}
			return l
		})
	}
	if l := locked(); l.Clients != 0 || len(l.Servers) != 0 {
		t.Fatalf("nothing pinned: %+v", l)
	}
	cl.pin(1)
	if l := locked(); l.Clients != 1 || l.Servers[h.pool.id] != 1 || len(l.Servers) != 1 {
		t.Fatalf("one client pinned on its server: %+v", l)
	}
}

// TestPreparedBytes: the snapshot reports the cache's bytes.
func TestPreparedBytes(t *testing.T) {
	h := newHarness(t, opts{})
	if n := h.e.MetricsSnapshot().PreparedBytes(); n != 0 {
		t.Fatalf("empty cache: %d bytes", n)
	}
	h.e.stmts.Get([]byte("select 1"), []byte{0, 0})
	if n := h.e.MetricsSnapshot().PreparedBytes(); n != h.e.stmts.Bytes() || n == 0 {
		t.Fatalf("PreparedBytes %d, cache %d", n, h.e.stmts.Bytes())
	}
}

// TestPoolEventsEvictions: past prepared_statements_limit, the statements a
// server closes at its next link count for its pool.
func TestPoolEventsEvictions(t *testing.T) {
	h := newHarness(t, opts{})
	cfg := *h.e.cfg.Load()
	cfg.General.PreparedStatementsLimit = 1
	h.e.cfg.Store(&cfg)
	_, sc := h.addServer()
	_, cc := h.connect()
	for _, name := range []string{"s1", "s2"} {
		h.send(cc, cat(parseMsg(name, "select '"+name+"'"), syncMsg()))
		h.send(sc, cat(closeOK, parseOK, rfq('I')))
	}
	if ev := poolEventsOf(t, h); ev.PreparedEvictions != 0 {
		t.Fatalf("%d evictions before the server's next link", ev.PreparedEvictions)
	}
	sc.take()
	h.send(cc, queryMsg("select 1"))
	if ev := poolEventsOf(t, h); ev.PreparedEvictions != 1 || h.e.stmts.Evictions.Load() != 1 {
		t.Fatalf("%d evictions for the pool, %d in all, after a link past the limit; server got %q",
			ev.PreparedEvictions, h.e.stmts.Evictions.Load(), sc.take())
	}
}

// TestPoolEventsConnectFailure: a server login that fails is an error of
// its pool, not a connect.
func TestPoolEventsConnectFailure(t *testing.T) {
	h := newHarness(t, opts{})
	fp := newFakePostgres(t, h)
	done := make(chan error, 1)
	go func() {
		_, _, err := h.pool.connect()
		done <- err
	}()
	fp.refuse(t)
	if err := <-done; err == nil {
		t.Fatal("a refused login succeeded")
	}
	if ev := poolEventsOf(t, h); ev.Errors != 1 || ev.Connects != 0 || ev.ConnectTime != 0 {
		t.Fatalf("after a refused login: %+v, want one error and no connect", ev)
	}
}
