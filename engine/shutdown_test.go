// shutdown_test.go tests the graceful shutdown: idle clients go at once, transactions in flight may finish within shutdown_timeout, the rest are terminated.

package engine

import (
	"bytes"
	"context"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// adminShutdown is the FATAL a client gets at the end of a shutdown.
var adminShutdown = codec.AppendErrorResponse(nil, "FATAL", codec.CodeAdminShutdown, "terminating connection due to administrator command")

func TestShutdownLetsTransactionsFinish(t *testing.T) {
	h := newHarness(t, opts{})
	h.setting("shutdown_timeout", "600000")
	_, idleConn := h.addServer()
	_, txConn := h.addServer()
	tx, tc := h.connect()
	h.send(tc, queryMsg("begin"))
	h.send(txConn, cat(complete("BEGIN"), rfq('T')))
	tc.take()
	_, ic := h.connect()

	sh := inBackground(h, func() error { return h.e.Shutdown(context.Background()) })
	h.pumpUntil("the idle client to be closed", ic.isClosed)
	want(t, "idle client received", ic.take(), adminShutdown)
	if tc.isClosed() || sh.returned() {
		t.Fatal("a client in a transaction was not given shutdown_timeout to finish")
	}
	h.send(tc, queryMsg("commit"))
	h.send(txConn, cat(complete("COMMIT"), rfq('I')))
	want(t, "client in a transaction received", tc.take(), cat(complete("COMMIT"), rfq('I'), adminShutdown))
	if !tc.isClosed() || tx.server != nil {
		t.Fatal("the client was not closed once its transaction ended")
	}
	sh.wait()
	h.runTasks()
	if !idleConn.isClosed() || !txConn.isClosed() {
		t.Fatalf("after the shutdown: servers closed %v %v", idleConn.isClosed(), txConn.isClosed())
	}
	if n := h.e.stats.dirtyClosed.Load(); n != 0 {
		t.Fatalf("%d servers closed dirty: the transaction had ended", n)
	}
	select {
	case <-h.e.mirrorStop:
	default:
		t.Fatal("mirrors were not told to stop")
	}
}

func TestShutdownCanceledTerminatesTransactions(t *testing.T) {
	h := newHarness(t, opts{})
	h.setting("shutdown_timeout", "600000")
	_, sc := h.addServer()
	_, cc := h.connect()
	h.send(cc, queryMsg("begin"))
	h.send(sc, cat(complete("BEGIN"), rfq('T')))
	cc.take()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	beside(h, func() error { return h.e.Shutdown(ctx) })
	want(t, "client in a transaction received", cc.take(), adminShutdown)
	if !cc.isClosed() || !sc.isClosed() || h.e.stats.dirtyClosed.Load() != 1 {
		t.Fatalf("client closed %v, its server closed %v, dirty closes %d", cc.isClosed(), sc.isClosed(), h.e.stats.dirtyClosed.Load())
	}
}

func TestTerminate(t *testing.T) {
	row := frame('D', []byte{0, 1, 0, 0, 0, 100}, bytes.Repeat([]byte{'x'}, 100))
	cases := []struct {
		name  string
		reply []byte // what the server sent of its answer
		fatal bool
	}{
		{"between frames", frame('T', []byte{0, 0}), true},
		{"inside a row", row[:40], false},
		{"nothing sent yet", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			_, sc := h.addServer()
			cl, cc := h.connect()
			h.send(cc, queryMsg("select x from t"))
			if c.reply != nil {
				h.send(sc, c.reply)
			}
			want(t, "client received", cc.take(), c.reply)
			cl.terminate()
			h.settle()
			got := cc.take()
			if !cc.isClosed() || !sc.isClosed() || bytes.Equal(got, adminShutdown) != c.fatal || !c.fatal && len(got) != 0 {
				t.Fatalf("closed %v, server closed %v, wrote %q; want FATAL 57P01: %v", cc.isClosed(), sc.isClosed(), got, c.fatal)
			}
			cl.terminate() // closed already: nothing more
			if len(cc.take()) != 0 {
				t.Fatal("a closed client was written to")
			}
		})
	}
}
