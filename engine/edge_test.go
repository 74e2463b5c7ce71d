// edge_test.go drives the network edge through fake connections: the client timeouts, refused startups, and the accept loop's back-off.

package engine

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// fatalCode returns the SQLSTATE of the one ErrorResponse b holds, or "".
func fatalCode(t *testing.T, b []byte) string {
	t.Helper()
	// Frame by frame: an 'E' byte may stand inside another message (a cancel key).
	for len(b) > 0 {
		typ, size, complete, err := codec.NextFrame(b, 0)
		if err != nil || !complete {
			t.Fatalf("not whole frames: %q", b)
		}
		if typ == codec.MsgErrorResponse {
			return errorCode(b[:size])
		}
		b = b[size:]
	}
	return ""
}

func TestLoginTimeout(t *testing.T) {
	h := newHarness(t, opts{})
	h.e.cfg.Load().General.ClientLoginTimeout = time.Second
	limits := clientTimeouts{login: time.Second}

	silent := h.newConn() // sent nothing: closed without a word
	h.e.OnOpen(silent)
	cl := silent.ctx.(*client)
	cl.checkTimeouts(limits, cl.connectedAt.Add(999*time.Millisecond))
	if silent.isClosed() {
		t.Fatal("closed before client_login_timeout")
	}
	cl.checkTimeouts(limits, cl.connectedAt.Add(time.Second))
	if !silent.isClosed() || len(silent.take()) != 0 {
		t.Fatal("a silent connection must be closed, without an answer, at client_login_timeout")
	}

	admin := h.newConn() // a password exchange left half-way: FATAL 08P01
	h.e.OnOpen(admin)
	h.send(admin, codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: "admin"}, codec.Param{Name: "database", Value: "admin"}))
	acl := admin.ctx.(*client)
	if acl.state != clAuth {
		t.Fatalf("admin login in state %s, want auth", acl.state)
	}
	admin.take()
	acl.checkTimeouts(limits, acl.connectedAt.Add(2*time.Second))
	if got := fatalCode(t, admin.take()); got != codec.CodeProtocolViolation || !admin.isClosed() {
		t.Fatalf("half-way login: got %q, closed %v; want FATAL 08P01 and a close", got, admin.isClosed())
	}

	_, logged := h.connect() // logged in: the login timeout is over
	lcl := logged.ctx.(*client)
	lcl.checkTimeouts(limits, lcl.connectedAt.Add(time.Hour))
	if logged.isClosed() {
		t.Fatal("a logged-in client was closed by the login timeout")
	}
	if n := h.e.stats.loginTimeouts.Load(); n != 2 {
		t.Fatalf("login timeouts counted %d, want 2", n)
	}
}

func TestIdleTimeouts(t *testing.T) {
	limits := clientTimeouts{idle: time.Second, idleTx: 2 * time.Second}

	h := newHarness(t, opts{})
	cl, cc := h.connect()
	cl.checkTimeouts(limits, cl.quietSince.Add(999*time.Millisecond))
	if cc.isClosed() {
		t.Fatal("idle client closed before client_idle_timeout")
	}
	cl.checkTimeouts(limits, cl.quietSince.Add(time.Second))
	if got := fatalCode(t, cc.take()); got != codec.CodeIdleSessionTimeout || !cc.isClosed() {
		t.Fatalf("idle client: got %q, closed %v; want FATAL 57P05", got, cc.isClosed())
	}

	h = newHarness(t, opts{})
	s, sc := h.addServer()
	cl, cc = h.connect()
	h.send(cc, queryMsg("begin"))
	if !cl.quietSince.IsZero() {
		t.Fatal("a client waiting for an answer counts as idle")
	}
	cl.checkTimeouts(limits, time.Now().Add(time.Hour))
	if cc.isClosed() {
		t.Fatal("a client waiting for an answer was closed by an idle timeout")
	}
	h.send(sc, cat(complete("BEGIN"), rfq('T')))
	cc.take()
	if !cl.quietTx {
		t.Fatal("an open transaction was not recorded")
	}
	cl.checkTimeouts(limits, cl.quietSince.Add(1500*time.Millisecond)) // past idle, not idle-in-transaction
	if cc.isClosed() {
		t.Fatal("a client in a transaction was closed by client_idle_timeout")
	}
	cl.checkTimeouts(limits, cl.quietSince.Add(2*time.Second))
	h.settle()
	if got := fatalCode(t, cc.take()); got != codec.CodeIdleInTxTimeout || !cc.isClosed() {
		t.Fatalf("idle in transaction: got %q, closed %v; want FATAL 25P03", got, cc.isClosed())
	}
	if !sc.isClosed() || h.isIdle(s) {
		t.Fatal("the server of a transaction left open must be closed, never pooled")
	}
}

func TestRefusedStartups(t *testing.T) {
	startup := func(db string) []byte {
		return codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: "u"}, codec.Param{Name: "database", Value: db})
	}
	cases := []struct {
		name  string
		setup func(h *harness)
		db    string
		code  string
	}{
		{"shutting down", func(h *harness) { h.e.shutdown.Store(true) }, "db", codec.CodeCannotConnectNow},
		{"TLS required", func(h *harness) { h.e.cfg.Load().General.TLSClientRequired = true }, "db", codec.CodeInvalidAuthSpec},
		{"too many clients", func(h *harness) {
			h.e.cfg.Load().General.MaxClientConnections = 2
			h.e.clientConns.Store(3)
		}, "db", codec.CodeTooManyConnections},
		{"the admin console past the limit", func(h *harness) {
			h.e.cfg.Load().General.MaxClientConnections = 2
			h.e.clientConns.Store(3)
		}, "admin", ""},
		{"at the limit", func(h *harness) {
			h.e.cfg.Load().General.MaxClientConnections = 2
			h.e.clientConns.Store(2)
		}, "db", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			h.addServer()
			c.setup(h)
			cc := h.newConn()
			h.e.OnOpen(cc)
			h.send(cc, codec.AppendSSLRequest(nil))
			if got := cc.take(); string(got) != "N" {
				t.Fatalf("SSLRequest answered %q, want N", got)
			}
			h.send(cc, startup(c.db))
			got := fatalCode(t, cc.take())
			if got != c.code || cc.isClosed() != (c.code != "") {
				t.Fatalf("got FATAL %q, closed %v; want %q", got, cc.isClosed(), c.code)
			}
		})
	}
}

// recordLog keeps slog records' messages.
type recordLog struct{ buf bytes.Buffer }

func (r *recordLog) logger() *slog.Logger { return slog.New(slog.NewTextHandler(&r.buf, nil)) }

func TestAcceptBurstBacksOffAndLogsOnce(t *testing.T) {
	h := newHarness(t, opts{})
	var rec recordLog
	h.e.log = rec.logger()
	var b acceptBurst
	now := time.Now()
	emfile := &net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	var delays []time.Duration
	for range 10 {
		delays = append(delays, b.failed(h.e, emfile, now))
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i, d := range delays {
		if d != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", delays, want)
		}
	}
	b.succeeded(h.e, now.Add(3*time.Second))
	b.succeeded(h.e, now.Add(4*time.Second)) // no burst: nothing logged
	lines := strings.Split(strings.TrimSpace(rec.buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "too many open files") ||
		!strings.Contains(lines[1], "failed_accepts=10") || !strings.Contains(lines[1], "after=3s") {
		t.Fatalf("want one line at the burst's start and one at its end, got:\n%s", rec.buf.String())
	}
	if n := h.e.stats.acceptErrors.Load(); n != 10 {
		t.Fatalf("accept errors counted %d, want 10", n)
	}
	if b.failed(h.e, emfile, now) != acceptBackoffFirst {
		t.Fatal("a new burst must start from the first delay")
	}
}

func TestRetryableAcceptErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{syscall.EMFILE, true}, {syscall.ENFILE, true}, {syscall.ENOBUFS, true}, {syscall.ENOMEM, true},
		{fmt.Errorf("cannot enroll: %w", syscall.EMFILE), true},
		{syscall.ECONNABORTED, false}, {errors.New("other"), false},
	} {
		if got := retryable(c.err); got != c.want {
			t.Errorf("retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestLoopClientList(t *testing.T) {
	ls := &loopState{}
	cls := []*client{{slot: -1}, {slot: -1}, {slot: -1}}
	for _, cl := range cls {
		ls.addClient(cl)
	}
	ls.removeClient(cls[0])
	ls.removeClient(cls[0]) // twice: nothing more happens
	if len(ls.clients) != 2 || ls.clients[cls[2].slot] != cls[2] || ls.clients[cls[1].slot] != cls[1] {
		t.Fatalf("list after removing the first: %v", ls.clients)
	}
	ls.removeClient(cls[2])
	ls.removeClient(cls[1])
	if len(ls.clients) != 0 {
		t.Fatalf("%d clients left", len(ls.clients))
	}
}
