// pause_test.go tests a pool's RESUME: the queue held by PAUSE goes, oldest first, to idle servers and then to new ones.

package engine

import (
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

func TestResumeServesWaitersOldestFirst(t *testing.T) {
	h := newHarness(t, opts{size: 2})
	older, olderConn := h.addServer()
	newer, newerConn := h.addServer()
	h.pool.pause()
	a, ac := h.connect()
	h.send(ac, queryMsg("select 'a'"))
	b, bc := h.connect()
	h.send(bc, queryMsg("select 'b'"))
	c, cc := h.connect()
	h.send(cc, queryMsg("select 'c'"))
	if h.waiters() != 3 {
		t.Fatalf("%d waiters while paused", h.waiters())
	}
	h.pool.resume()
	h.runTasks()
	// The idle stack is LIFO: the oldest waiter gets the server idle last.
	if a.server != newer || b.server != older || c.state != clWaiting || h.waiters() != 1 || h.total() != 2 {
		t.Fatalf("a on %p, b on %p, c %s, %d waiters, %d servers", a.server, b.server, c.state, h.waiters(), h.total())
	}
	want(t, "newest server received", newerConn.take(), queryMsg("select 'a'"))
	want(t, "oldest server received", olderConn.take(), queryMsg("select 'b'"))
	h.send(newerConn, cat(complete("SELECT 1"), rfq('I')))
	if c.server != newer {
		t.Fatal("the last waiter did not get the first server released")
	}
}

func TestResumeDialsForWaitersBeyondIdleServers(t *testing.T) {
	h := newHarness(t, opts{size: 2})
	fp := newFakePostgres(t, h)
	h.pool.pause()
	a, ac := h.connect()
	h.send(ac, queryMsg("select 1"))
	if h.total() != 0 {
		t.Fatal("a paused pool dialed")
	}
	h.pool.resume()
	if h.total() != 1 {
		t.Fatalf("%d servers counted after RESUME, want one dialed for the waiter", h.total())
	}
	fp.refuse(t)
	h.awaitTask()
	if code := fatalCode(t, ac.take()); code != codec.CodeConnectionFailure || a.state != clClosed {
		t.Fatalf("waiter: FATAL %q, state %s; want 08006", code, a.state)
	}
}

func TestResumeOfClosedPoolDialsNothing(t *testing.T) {
	h := newHarness(t, opts{size: 2})
	h.pool.pause()
	a, ac := h.connect()
	h.send(ac, queryMsg("select 1"))
	h.pool.close()
	h.pool.resume()
	h.runTasks()
	if h.total() != 0 || a.state != clWaiting {
		t.Fatalf("%d servers, waiter %s: a closed pool dialed", h.total(), a.state)
	}
}
