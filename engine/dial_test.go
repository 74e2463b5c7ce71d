// dial_test.go tests the opening of servers that do not come: the clients waiting for them are failed, and holds fakePostgres, a listener standing for PostgreSQL.

package engine

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// fakePostgres accepts connections and never answers: a login to it waits
// until the test closes the connection, which makes the login fail.
type fakePostgres struct {
	ln     net.Listener
	logins chan net.Conn
}

// newFakePostgres listens on loopback and points the pool of h at it; the
// connections are closed when t ends.
func newFakePostgres(t *testing.T, h *harness) *fakePostgres {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp := &fakePostgres{ln: ln, logins: make(chan net.Conn, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fp.logins <- c
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		for {
			select {
			case c := <-fp.logins:
				_ = c.Close()
			default:
				return
			}
		}
	})
	h.pool.cfg.port = ln.Addr().(*net.TCPAddr).Port
	h.setting("connect_timeout", "600000") // a login fails when the test says so
	return fp
}

// login waits for the next login attempt.
func (fp *fakePostgres) login(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-fp.logins:
		return c
	case <-time.After(pumpLimit):
		t.Fatal("no login reached PostgreSQL")
		return nil
	}
}

// refuse fails the next login attempt.
func (fp *fakePostgres) refuse(t *testing.T) {
	t.Helper()
	_ = fp.login(t).Close()
}

func (h *harness) total() int {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	return h.pool.total
}

func TestDialFailureFailsWaitingClients(t *testing.T) {
	cases := []struct {
		name  string
		start func(h *harness) (*client, *fakeConn)
		state clientState
	}{
		{"a query waiting for a server", func(h *harness) (*client, *fakeConn) {
			cl, cc := h.connect()
			h.send(cc, queryMsg("select 1"))
			return cl, cc
		}, clWaiting},
		{"a login waiting for its settings to be checked", func(h *harness) (*client, *fakeConn) {
			cc := h.newConn()
			h.e.OnOpen(cc)
			h.send(cc, codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: "u"}, codec.Param{Name: "database", Value: "db"},
				codec.Param{Name: "application_name", Value: "psql"}))
			cc.take()
			return cc.ctx.(*client), cc
		}, clParams},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			fp := newFakePostgres(t, h)
			cl, cc := c.start(h)
			if cl.state != c.state || h.total() != 1 {
				t.Fatalf("client %s, %d servers counted; want %s and one being dialed", cl.state, h.total(), c.state)
			}
			fp.refuse(t)
			h.awaitTask()
			got := cc.take()
			if code := fatalCode(t, got); code != codec.CodeConnectionFailure || !cc.isClosed() ||
				!strings.Contains(string(got), `cannot connect to database "db"`) {
				t.Fatalf("client got %q, closed %v; want FATAL 08006", got, cc.isClosed())
			}
			h.pool.mu.Lock()
			total, waiters, lastErr := h.pool.total, len(h.pool.waiters), h.pool.lastErr
			h.pool.mu.Unlock()
			if total != 0 || waiters != 0 || lastErr == nil || h.e.stats.connectFailures.Load() != 1 {
				t.Fatalf("pool: total %d, waiters %d, last error %v, failures %d", total, waiters, lastErr, h.e.stats.connectFailures.Load())
			}
		})
	}
}

func TestDialFailureKeepsWaitersWhileServersRemain(t *testing.T) {
	h := newHarness(t, opts{size: 2})
	fp := newFakePostgres(t, h)
	s, sc := h.addServer()
	_, ac := h.connect()
	h.send(ac, queryMsg("select 1")) // holds the only server
	b, bc := h.connect()
	h.send(bc, queryMsg("select 2")) // waits, and a second server is dialed
	fp.refuse(t)
	h.pumpUntil("the failed dial to be counted", func() bool { return h.total() == 1 })
	if b.state != clWaiting || bc.isClosed() {
		t.Fatalf("a waiter was failed while a server remains: %s", b.state)
	}
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	if b.server != s {
		t.Fatal("the waiter did not get the released server")
	}
	want(t, "server received", sc.take(), cat(queryMsg("select 1"), queryMsg("select 2")))
}
