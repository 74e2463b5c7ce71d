// backpressure_test.go tests the pause of a server's reads while its client is slow: when it cannot start, the resume after the client caught up, and the server lost meanwhile.

package engine

import (
	"syscall"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

func TestServerKeepsReadingWhenSocketCannotBeDuplicated(t *testing.T) {
	h := newHarness(t, opts{})
	s, sc := h.addServer()
	cl, cc := h.connect()
	h.send(cc, queryMsg("select x from t"))
	if s.shouldPause(cl) {
		t.Fatal("a client that keeps up asks for a pause")
	}
	cc.outbound = pauseAbove + 1
	if !s.shouldPause(cl) || s.shouldPause(nil) {
		t.Fatal("shouldPause: a slow client must pause its server, no client never")
	}
	row := frame('D', []byte{0, 1, 0, 0, 0, 1, 'x'})
	h.send(sc, row) // the fake connection cannot be duplicated
	want(t, "client received", cc.take(), row)
	if sc.isClosed() || s.pausedFd != -1 || s.migrating.Load() || h.e.stats.pauses.Load() != 0 {
		t.Fatalf("closed %v, paused fd %d, migrating %v, pauses %d", sc.isClosed(), s.pausedFd, s.migrating.Load(), h.e.stats.pauses.Load())
	}
}

// pausedServer is a linked server whose reads are paused: its socket is one
// end of a socket pair (the other end is closed when t ends).
func pausedServer(t *testing.T, h *harness) (*server, *client, *fakeConn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fds[1]) })
	s, _ := h.addServer()
	cl, cc := h.connect()
	h.send(cc, queryMsg("select x from t"))
	s.pausedFd = fds[0]
	s.migrating.Store(true)
	return s, cl, cc
}

func TestPausedServerLostAtResume(t *testing.T) {
	h := newHarness(t, opts{})
	s, cl, cc := pausedServer(t, h)
	cc.outbound = resumeBelow + 1
	s.scheduleResume()
	h.awaitTask() // still behind: checked again later
	if s.pausedFd < 0 || s.state != svActive {
		t.Fatalf("resumed while the client is behind: fd %d, state %s", s.pausedFd, s.state)
	}
	cc.outbound = resumeBelow
	h.awaitTask() // caught up: the socket is enrolled again, which the fake loop refuses
	if s.pausedFd != -1 || s.state != svClosed || s.migrating.Load() || s.resuming {
		t.Fatalf("after a failed resume: fd %d, state %s, migrating %v, resuming %v", s.pausedFd, s.state, s.migrating.Load(), s.resuming)
	}
	got := cc.take()
	if code := fatalCode(t, got); code != codec.CodeConnectionFailure || !cc.isClosed() || cl.server != nil || h.total() != 0 {
		t.Fatalf("client got %q, closed %v, %d servers; want FATAL 08006 and the server dropped", got, cc.isClosed(), h.total())
	}
	knownBug(t, h.e.stats.serversClosed.Load() == 0,
		"a server lost while its reads are paused (or while migrating) is dropped from its pool without being counted in server_closed: "+
			"onClose skipped its socket as migrating, and the failure paths of tryResume and moveTo call pool.dropped without counting it")
}

func TestPausedServerResumeAfterClientLeft(t *testing.T) {
	h := newHarness(t, opts{})
	s, cl, cc := pausedServer(t, h)
	cc.outbound = pauseAbove
	h.hangUp(cc) // the client leaves mid-query: its server is to be closed
	if cl.state != clClosed {
		t.Fatalf("client %s", cl.state)
	}
	s.scheduleResume()
	h.awaitTask() // a client gone is not waited for
	if s.pausedFd != -1 || s.state != svClosed {
		t.Fatalf("fd %d, state %s", s.pausedFd, s.state)
	}
}

func TestResumedSocketOfServer(t *testing.T) {
	cases := []struct {
		name   string
		state  serverState
		linked bool
		closed bool
	}{
		{"linked and active", svActive, true, false},
		{"active, its client gone", svActive, false, true},
		{"closed meanwhile", svClosed, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			s, _ := h.addServer()
			_, cc := h.connect()
			h.send(cc, queryMsg("select 1"))
			if !c.linked {
				s.l.cl = nil
			}
			s.state = c.state
			s.resuming = true
			s.migrating.Store(true)
			back := h.newConn()
			back.ctx = s
			h.e.OnOpen(back)
			if s.conn != back || s.resuming || s.migrating.Load() || back.isClosed() != c.closed {
				t.Fatalf("conn replaced %v, resuming %v, migrating %v, closed %v; want closed %v",
					s.conn == back, s.resuming, s.migrating.Load(), back.isClosed(), c.closed)
			}
		})
	}
}
