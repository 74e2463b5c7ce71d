// server.go holds a server connection: its state, its read path toward the client, and its release.
package engine

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
)

// serverState is where a server connection is in its life.
type serverState uint8

const (
	svConnecting serverState = iota // dialing and authenticating on a goroutine
	svIdle                          // in its pool's idle stack
	svActive                        // linked to a client
	svResetting                     // running pgdogd's own query (DISCARD ALL) before going idle
	svMigrating                     // being moved to another loop
	svClosed                        // closing or closed
)

var serverStateNames = [...]string{"connecting", "idle", "active", "resetting", "migrating", "closed"}

func (s serverState) String() string { return serverStateNames[s] }

// server is one PostgreSQL connection. After enrolment only its loop's
// goroutine touches it, except the fields marked otherwise.
type server struct {
	pool  *pool
	conn  gnet.Conn // on a loop; nil for a blocking server
	nc    net.Conn  // a blocking server's socket (mirror replay); nil on a loop
	loop  *loopState
	state serverState

	client     *client
	pending    int       // ReadyForQuery still owed for Query, Sync and FunctionCall sent
	unsynced   bool      // extended-protocol or COPY messages sent since the last Sync
	swallow    int       // ReadyForQuery owed for pgdogd's own queries, not forwarded
	txStatus   byte      // last ReadyForQuery status: 'I', 'T' or 'E'
	skip       int       // bytes still to come of a frame being streamed
	skipDrop   bool      // the streamed frame is dropped, not forwarded
	cycleStart time.Time // when the current request cycle began, for query time
	stmts      serverStmts
	params     params

	cancel    *cancelTarget // immutable after dial; read by other goroutines
	created   time.Time
	idleSince time.Time
	migrating atomic.Bool
	pausedFd  int  // the socket while reads are paused for a slow client; -1 otherwise
	resuming  bool // the paused socket is being enrolled again
}

// setState changes the server's state, refusing impossible moves.
func (s *server) setState(to serverState) {
	from := s.state
	ok := false
	switch to {
	case svIdle:
		ok = from == svConnecting || from == svActive || from == svResetting || from == svMigrating || from == svIdle
	case svActive:
		ok = from == svIdle || from == svConnecting || from == svMigrating || from == svActive // active: handed from client to client
	case svResetting:
		ok = from == svActive
	case svMigrating:
		ok = from == svIdle || from == svActive || from == svConnecting || from == svMigrating // migrating: arrived, moving on to a waiter elsewhere
	case svClosed:
		ok = true
	}
	if !ok {
		panic("BUG: server state " + from.String() + " -> " + to.String())
	}
	s.state = to
}

// opened runs on the loop the server was enrolled on.
func (s *server) opened(c gnet.Conn, ls *loopState) {
	if s.resuming {
		s.resumed(c)
		return
	}
	s.conn = c
	s.loop = ls
	s.migrating.Store(false)
	s.pool.arrived(s)
}

// onTraffic forwards the server's frames to its client, reading only
// ReadyForQuery, ParameterStatus and ErrorResponse. The server side's protocol switch.
func (s *server) onTraffic(c gnet.Conn) gnet.Action {
	if c != s.conn || s.state == svClosed || s.state == svMigrating {
		_, _ = c.Discard(-1)
		return gnet.None
	}
	buf, _ := c.Peek(-1)
	cl := s.client
	off, from := 0, 0 // off: parse position; from: first byte not yet forwarded or dropped
	release, txEnd := false, false
	if s.skip > 0 { // the rest of a streamed frame
		off = min(s.skip, len(buf))
		s.skip -= off
		if s.skipDrop {
			from = off
		}
	}
frames:
	for off < len(buf) {
		typ, size, complete, err := codec.NextFrame(buf[off:], maxServerFrame)
		if err != nil {
			s.pool.e.log.Error("server sent a malformed frame", "err", err, "database", s.pool.cfg.database)
			s.failClient("server sent a malformed message")
			return gnet.Close
		}
		if size == 0 {
			break
		}
		drop := s.swallow > 0 || cl == nil // pgdogd's own query, or nobody to tell
		switch typ {
		case codec.MsgReadyForQuery:
			// End of a request cycle: count it, and release at idle.
			if !complete {
				break frames
			}
			status := buf[off+5]
			s.txStatus = status
			if s.swallow > 0 {
				s.swallow--
				release = s.swallow == 0 && s.state == svResetting
			} else {
				s.stmts.readyForQuery()
				if s.pending > 0 {
					s.pending--
				}
			}
			if !drop && s.pending == 0 && !s.unsynced {
				s.pool.stats.shard(s.loop.idx).queryUS.Add(uint64(time.Since(s.cycleStart).Microseconds()))
				if status == 'I' {
					txEnd = true
					release = cl.releasable()
				}
			}
		case codec.MsgParseComplete:
			// Hidden when it answers a Parse pgdogd injected.
			if !drop && s.stmts.parseCompleted() {
				drop = true
			}
		case codec.MsgParameterStatus:
			// A reported setting changed: remember it for the server and the client.
			if !complete {
				break frames
			}
			s.noteParameter(cl, buf[off+5:off+size])
		case codec.MsgErrorResponse:
			// An error: the client's to see, unless it answers pgdogd's own query.
			if !complete {
				break frames
			}
			if drop {
				s.ownError(buf[off+5 : off+size])
			} else {
				cl.cap.failed = true
				s.pool.stats.shard(s.loop.idx).errors.Add(1)
			}
		default:
			// Everything else is streamed through without being read.
			if !complete {
				s.skip, s.skipDrop = size-(len(buf)-off), drop
				if drop {
					s.flushTo(cl, buf[from:off])
					from = len(buf)
				}
				off = len(buf)
				break frames
			}
		}
		if drop {
			s.flushTo(cl, buf[from:off])
			from = off + size
		}
		off += size
	}
	s.flushTo(cl, buf[from:off])
	_, _ = c.Discard(off)
	if txEnd {
		cl.endTx()
	}
	if release {
		s.finishCycle()
		return gnet.None
	}
	if off == len(buf) && s.shouldPause(cl) && s.pause() {
		return gnet.Close // the socket lives on in its duplicate until the client catches up
	}
	return gnet.None
}

// maxServerFrame bounds frames pgdogd must hold whole from a server
// (ReadyForQuery, ParameterStatus, ErrorResponse); others are streamed.
const maxServerFrame = 1 << 30

// flushTo writes forwarded bytes to the client, if there is one.
func (s *server) flushTo(cl *client, b []byte) {
	if len(b) == 0 || cl == nil {
		return
	}
	s.pool.stats.shard(s.loop.idx).sent.Add(uint64(len(b)))
	_, _ = cl.conn.Write(b)
}

// finishCycle runs after a ReadyForQuery that ended the client's use of the server.
func (s *server) finishCycle() {
	if s.state == svResetting {
		s.setState(svIdle)
		s.pool.release(s)
		return
	}
	cl := s.client
	if cl == nil {
		return
	}
	cl.unlink()
	s.pool.release(s)
	cl.afterRelease()
}

// ownError logs an error answering pgdogd's own query, or an error sent to
// no client (a FATAL from PostgreSQL shutting down, for instance).
func (s *server) ownError(body []byte) {
	sev, code, msg := codec.ErrorFields(body)
	s.pool.e.log.Warn("server error outside a client request", "severity", string(sev), "code", string(code), "message", string(msg),
		"user", s.pool.cfg.user, "database", s.pool.cfg.database)
	s.params = nil // the SET may not have taken: resend everything next time
}

// noteParameter records a ParameterStatus for the server and, when the
// setting is one the client chose or the client's own query changed it, for the client.
func (s *server) noteParameter(cl *client, body []byte) {
	name, value, ok := codec.ParameterStatusKV(body)
	if !ok {
		return
	}
	s.params = s.params.set(string(name), string(value))
	if cl != nil && (s.swallow == 0 || cl.params.has(string(name))) {
		cl.params = cl.params.set(string(name), string(value))
		cl.paramsGen++
	}
}

// failClient ends the linked client after the server broke.
func (s *server) failClient(msg string) {
	cl := s.client
	if cl == nil {
		return
	}
	cl.unlink()
	cl.fatal(codec.CodeConnectionFailure, msg)
}

// onClose runs when the server's socket is gone.
func (s *server) onClose(c gnet.Conn, err error) {
	if c != s.conn || s.migrating.Load() {
		return // the old socket of a migrated server
	}
	if s.client != nil {
		s.failClient("server closed the connection unexpectedly")
	}
	s.state = svClosed
	s.pool.dropped(s, nil)
	s.pool.e.stats.serversClosed.Add(1)
	if err != nil {
		s.pool.e.log.Debug("server connection closed", "err", err, "database", s.pool.cfg.database)
	}
}

// close shuts the server's socket; onClose accounts for it.
func (s *server) close(reason string) {
	if s.state == svClosed || s.conn == nil {
		return
	}
	s.pool.e.log.Debug("closing server", "reason", reason, "database", s.pool.cfg.database)
	_ = s.conn.Close()
}

// expired reports whether server_lifetime is over.
func (s *server) expired(now time.Time) bool {
	return s.pool.cfg.lifetime > 0 && now.Sub(s.created) > s.pool.cfg.lifetime
}

// reset runs DISCARD ALL before the server goes back to the pool (session mode).
func (s *server) reset() {
	s.setState(svResetting)
	s.swallow++
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], "DISCARD ALL")
	_, _ = s.conn.Write(s.loop.scratch)
	s.params = s.params.dropUnreported()
}

// migrate moves an idle server to loop to. It runs the move on the server's
// own loop, outside any of the server's callbacks.
func (s *server) migrate(to *loopState) {
	s.migrating.Store(true)
	s.loop.run(func() { s.moveTo(to) })
}

// moveTo runs on the server's current loop: dup the socket, drop the old
// descriptor from this loop without a FIN, enroll the duplicate on to.
func (s *server) moveTo(to *loopState) {
	s.setState(svMigrating)
	old := s.conn
	fd, err := old.Dup()
	if err != nil {
		s.migrating.Store(false)
		s.close("cannot migrate: dup failed")
		return
	}
	_ = s.loop.el.Close(old)
	f := os.NewFile(uintptr(fd), "server")
	nc, err := net.FileConn(f)
	_ = f.Close()
	if err == nil {
		_, err = to.el.Enroll(gnet.NewContext(context.Background(), s), nc)
	}
	if err != nil {
		s.pool.e.log.Warn("cannot migrate server between loops", "err", err)
		if nc != nil {
			_ = nc.Close()
		}
		s.migrating.Store(false)
		s.state = svClosed
		s.pool.dropped(s, nil)
	}
	s.pool.e.stats.migrations.Add(1)
}
