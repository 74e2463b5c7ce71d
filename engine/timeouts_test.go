// timeouts_test.go tests the sweep of client timeouts: asked of every loop only when a timeout is set, and applied to each client of the loop.

package engine

import (
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// withTimeouts puts the client timeouts t in force.
func (h *harness) withTimeouts(t clientTimeouts) {
	cfg := *h.e.cfg.Load()
	cfg.General.ClientLoginTimeout, cfg.General.ClientIdleTimeout, cfg.General.ClientIdleInTransactionTimeout = t.login, t.idle, t.idleTx
	h.e.cfg.Store(&cfg)
}

func TestSweepClientsOnlyWithTimeouts(t *testing.T) {
	h := newHarness(t, opts{})
	cl, cc := h.connect()
	cl.quietSince = cl.quietSince.Add(-time.Hour)
	h.withTimeouts(clientTimeouts{})
	h.e.sweepClients()
	if n := len(h.loop.tasks); n != 0 {
		t.Fatalf("%d tasks queued with every timeout off", n)
	}
	h.withTimeouts(clientTimeouts{idle: time.Minute})
	h.e.sweepClients()
	if n := len(h.loop.tasks); n != 1 {
		t.Fatalf("%d tasks queued, want one per loop", n)
	}
	h.runTasks()
	if code := fatalCode(t, cc.take()); code != codec.CodeIdleSessionTimeout || !cc.isClosed() {
		t.Fatalf("idle client: FATAL %q, closed %v", code, cc.isClosed())
	}
}

func TestSweepChecksEveryClientOfTheLoop(t *testing.T) {
	h := newHarness(t, opts{})
	_, busy := h.addServer()
	_, txServer := h.addServer()
	startup := h.newConn() // sent nothing yet
	h.e.OnOpen(startup)
	tx, tc := h.connect()
	h.send(tc, queryMsg("begin"))
	h.send(txServer, cat(complete("BEGIN"), rfq('T')))
	waiting, wc := h.connect()
	h.send(wc, queryMsg("select pg_sleep(1)"))
	idle, ic := h.connect()
	ls := h.e.loops[0]
	ls.sweep(clientTimeouts{login: time.Minute, idle: time.Minute, idleTx: 2 * time.Hour}, time.Now().Add(time.Hour))
	h.settle()
	cases := []struct {
		name   string
		c      *fakeConn
		closed bool
	}{
		{"not logged in", startup, true},
		{"idle", ic, true},
		{"waiting for an answer", wc, false},
		{"idle in a transaction, within its timeout", tc, false},
	}
	for _, c := range cases {
		if c.c.isClosed() != c.closed {
			t.Errorf("%s: closed %v, want %v", c.name, c.c.isClosed(), c.closed)
		}
	}
	if idle.state != clClosed || waiting.state != clActive || tx.state != clActive || len(ls.clients) != 2 {
		t.Fatalf("states: %s, %s, %s; %d clients left on the loop", idle.state, waiting.state, tx.state, len(ls.clients))
	}
	if busy.isClosed() || txServer.isClosed() {
		t.Fatal("a server of a client kept was closed")
	}
}
