// control_test.go tests the engine's Control: PAUSE, RESUME, RECONNECT, SET and SHUTDOWN, and the SQLSTATE of their errors.

package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// controlError returns err as an *Error with code, or fails.
func controlError(t *testing.T, err error, code string) *Error {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error %v (%T), want an *Error with SQLSTATE %s", err, err, code)
	}
	if ce.Error() != ce.Msg {
		t.Fatalf("Error() = %q, want the message %q", ce.Error(), ce.Msg)
	}
	return ce
}

// setting changes a runtime setting or fails.
func (h *harness) setting(key, value string) {
	h.t.Helper()
	if err := h.e.Set(key, value); err != nil {
		h.t.Fatalf("SET %s = %s: %v", key, value, err)
	}
}

func (h *harness) paused() bool {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	return h.pool.paused
}

func TestControlUnknownDatabase(t *testing.T) {
	h := newHarness(t, opts{})
	ctl := h.e.Control()
	for _, c := range []struct {
		cmd string
		run func(string) error
	}{{"PAUSE", ctl.Pause}, {"RESUME", ctl.Resume}, {"RECONNECT", ctl.Reconnect}} {
		ce := controlError(t, c.run("nope"), codec.CodeInvalidCatalog)
		if !strings.HasPrefix(ce.Msg, c.cmd+":") || !strings.Contains(ce.Msg, `"nope"`) {
			t.Errorf("%s: message %q does not name the command and the database", c.cmd, ce.Msg)
		}
	}
	if h.paused() {
		t.Fatal("a refused PAUSE paused a pool")
	}
}

func TestControlPauseHoldsNewTransactions(t *testing.T) {
	for name, db := range map[string]string{"one database": "db", "every database": ""} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, opts{})
			s, sc := h.addServer()
			ctl := h.e.Control()
			if err := beside(h, func() error { return ctl.Pause(db) }); err != nil {
				t.Fatalf("PAUSE with nothing in flight: %v", err)
			}
			if !h.paused() {
				t.Fatal("pool not paused")
			}
			cl, cc := h.connect()
			h.send(cc, queryMsg("select 1"))
			if cl.state != clWaiting || !h.isIdle(s) || len(sc.take()) != 0 {
				t.Fatalf("paused: client %s, server idle %v", cl.state, h.isIdle(s))
			}
			if err := ctl.Resume(db); err != nil {
				t.Fatal(err)
			}
			h.runTasks()
			if h.paused() || cl.server != s || cl.state != clActive {
				t.Fatalf("resumed: paused %v, client %s on %p", h.paused(), cl.state, cl.server)
			}
			want(t, "server received", sc.take(), queryMsg("select 1"))
		})
	}
}

func TestControlPauseWaitsForTransactionsInFlight(t *testing.T) {
	h := newHarness(t, opts{})
	h.setting("shutdown_timeout", "600000")
	s, sc := h.addServer()
	cl, cc := h.connect()
	h.send(cc, queryMsg("begin"))
	h.send(sc, cat(complete("BEGIN"), rfq('T')))
	pause := inBackground(h, func() error { return h.e.Control().Pause("db") })
	h.awaitTask() // PAUSE counts the transaction
	h.awaitTask() // and counts again, after a poll
	if pause.returned() {
		t.Fatal("PAUSE returned with a transaction in flight")
	}
	h.send(cc, queryMsg("commit"))
	h.send(sc, cat(complete("COMMIT"), rfq('I')))
	if err := pause.wait(); err != nil {
		t.Fatalf("PAUSE after the transaction ended: %v", err)
	}
	if cl.server != nil || !h.isIdle(s) || !h.paused() {
		t.Fatalf("after PAUSE: linked %v, server idle %v, paused %v", cl.server != nil, h.isIdle(s), h.paused())
	}
}

func TestControlPauseGivesUp(t *testing.T) {
	cases := []struct {
		name  string
		setup func(h *harness)
	}{
		{"after shutdown_timeout", func(h *harness) { h.setting("shutdown_timeout", "1") }},
		{"at shutdown", func(h *harness) {
			h.setting("shutdown_timeout", "600000")
			h.e.shutdown.Store(true)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			_, sc := h.addServer()
			_, cc := h.connect()
			h.send(cc, queryMsg("begin"))
			h.send(sc, cat(complete("BEGIN"), rfq('T')))
			c.setup(h)
			ce := controlError(t, beside(h, func() error { return h.e.Control().Pause("db") }), codeObjectInUse)
			if !strings.Contains(ce.Msg, "1 transactions still in flight") {
				t.Fatalf("message %q does not count the transaction", ce.Msg)
			}
			if !h.paused() {
				t.Fatal("the pool must stay paused after PAUSE gave up")
			}
		})
	}
}

func TestControlReconnect(t *testing.T) {
	h := newHarness(t, opts{})
	idle, idleConn := h.addServer()
	busy, busyConn := h.addServer()
	cl, cc := h.connect()
	h.send(cc, queryMsg("begin"))
	h.send(busyConn, cat(complete("BEGIN"), rfq('T')))
	if cl.server != busy {
		t.Fatal("the client did not take the top idle server")
	}
	if err := h.e.Control().Reconnect("db"); err != nil {
		t.Fatal(err)
	}
	h.runTasks()
	if !idleConn.isClosed() || h.isIdle(idle) || busyConn.isClosed() {
		t.Fatalf("after RECONNECT: idle server closed %v, busy server closed %v", idleConn.isClosed(), busyConn.isClosed())
	}
	h.send(cc, queryMsg("commit"))
	h.send(busyConn, cat(complete("COMMIT"), rfq('I')))
	if !busyConn.isClosed() || h.isIdle(busy) {
		t.Fatal("a server opened before RECONNECT went back to the pool")
	}
	fresh, freshConn := h.addServer()
	if !h.isIdle(fresh) || freshConn.isClosed() {
		t.Fatal("a server opened after RECONNECT was not pooled")
	}
	h.send(cc, queryMsg("select 1"))
	h.send(freshConn, cat(complete("SELECT 1"), rfq('I')))
	if !h.isIdle(fresh) || freshConn.isClosed() {
		t.Fatal("a server opened after RECONNECT was closed at release")
	}
}

func TestControlSetRefusesUnknownKey(t *testing.T) {
	h := newHarness(t, opts{})
	controlError(t, h.e.Control().Set("listen_addresses", "*"), codec.CodeUndefinedObject)
}

func TestShutdownByControl(t *testing.T) {
	h := newHarness(t, opts{})
	_, sc := h.addServer()
	_, cc := h.connect()
	_, ac := h.connectAdmin()
	h.e.Control().Shutdown()
	h.pumpUntil("the shutdown to close clients and idle servers", func() bool {
		return cc.isClosed() && ac.isClosed() && sc.isClosed()
	})
	for name, c := range map[string]*fakeConn{"idle client": cc, "console": ac} {
		if code := fatalCode(t, c.take()); code != codec.CodeAdminShutdown || !c.isClosed() {
			t.Errorf("%s: FATAL %q, closed %v; want 57P01", name, code, c.isClosed())
		}
	}
	if !h.e.shutdown.Load() || !sc.isClosed() {
		t.Fatalf("shutting down %v, idle server closed %v", h.e.shutdown.Load(), sc.isClosed())
	}
	if err := h.e.Shutdown(context.Background()); err == nil || !strings.Contains(err.Error(), "already shutting down") {
		t.Fatalf("a second shutdown: %v", err)
	}
}
