// backpressure.go holds the pause of a server's reads while its client is slow to take what was sent.

package engine

import (
	"context"
	"net"
	"os"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// A server is paused when its client has more than pauseAbove bytes waiting
// to be sent, and resumed once that falls below resumeBelow. gnet cannot stop
// reading one connection, so pausing takes the server's socket off the loop:
// the descriptor is duplicated and the gnet connection dropped (no FIN is
// sent, the session lives on in the duplicate), and the duplicate is
// enrolled again on resume. PostgreSQL then blocks on its own send buffer,
// and pgdogd holds at most about pauseAbove bytes per slow client.
const (
	pauseAbove   = 4 << 20
	resumeBelow  = 1 << 20
	resumeChecks = time.Millisecond
)

// shouldPause reports whether the server's client is too far behind. It
// runs after a read whose bytes were all consumed.
func (s *server) shouldPause(cl *client) bool {
	return cl != nil && cl.conn.OutboundBuffered() > pauseAbove
}

// pause takes the server off its loop; onTraffic returns gnet.Close next.
// It returns false (and changes nothing) when the socket cannot be duplicated.
func (s *server) pause() bool {
	fd, err := s.conn.Dup()
	if err != nil {
		return false
	}
	s.pausedFd = fd
	s.migrating.Store(true) // the gnet connection goes away on purpose
	s.pool.e.stats.pauses.Add(1)
	s.scheduleResume()
	return true
}

// scheduleResume checks the client again shortly, on the server's loop.
func (s *server) scheduleResume() {
	time.AfterFunc(resumeChecks, func() { s.loop.run(s.tryResume) })
}

// tryResume enrolls the paused socket again once the client has caught up;
// a client that left takes the server down with it.
func (s *server) tryResume() {
	if s.pausedFd < 0 {
		return
	}
	cl := s.l.cl
	if cl != nil && cl.state != clClosed && cl.conn.OutboundBuffered() > resumeBelow {
		s.scheduleResume()
		return
	}
	fd := s.pausedFd
	s.pausedFd = -1
	f := os.NewFile(uintptr(fd), "server")
	nc, err := net.FileConn(f)
	_ = f.Close()
	if err == nil {
		s.resuming = true
		_, err = s.loop.el.Enroll(gnet.NewContext(context.Background(), s), nc)
	}
	if err != nil {
		if nc != nil {
			_ = nc.Close()
		}
		s.resuming = false
		s.migrating.Store(false)
		s.state = svClosed
		if s.l.cl != nil {
			s.failClient("server connection lost while paused")
		}
		s.pool.dropped(s, nil)
		s.pool.e.stats.serversClosed.Add(1)
	}
}

// resumed runs when the paused socket is back on the loop.
func (s *server) resumed(c gnet.Conn) {
	s.conn = c
	s.resuming = false
	s.migrating.Store(false)
	if s.state == svClosed || s.l.cl == nil && s.state == svActive {
		// The client left while the server was paused mid-transaction.
		_ = c.Close()
	}
}
