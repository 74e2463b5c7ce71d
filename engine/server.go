// server.go holds a server connection: its state, its read path toward the client, and its release.

package engine

import (
	"context"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
	"github.com/pgdogd/pgdogd/engine/session"
	"github.com/pgdogd/pgdogd/mirror"
)

// serverState is where a server connection is in its life.
type serverState uint8

const (
	svConnecting serverState = iota // dialing and authenticating on a goroutine
	svIdle                          // in its pool's idle stack
	svActive                        // linked to a client
	svResetting                     // running pgdogd's own query (DISCARD ALL) before going idle
	svMigrating                     // being moved to another loop
	svCanceling                     // left by its client while a CancelRequest for it is in flight
	svClosed                        // closing or closed
)

var serverStateNames = [...]string{"connecting", "idle", "active", "resetting", "migrating", "canceling", "closed"}

func (s serverState) String() string { return serverStateNames[s] }

// server is one PostgreSQL connection. After enrolment only its loop's
// goroutine touches it, except the fields marked otherwise.
type server struct {
	pool  *pool
	conn  gnet.Conn
	loop  *loopState
	state serverState

	l      link // the conversation: what it owes, to whom, and the client it serves
	stmts  serverStmts
	params session.Params

	cancel    *cancelTarget // immutable after dial; read by other goroutines
	created   time.Time
	idleSince time.Time
	migrating atomic.Bool
	closing   bool // pgdogd closes it: its end is not a sign of trouble
	tainted   bool // its settings are unknown (a settings query failed): closed, never pooled
	// readFailed: the query reading the session settings back failed; what
	// it read is not the session's, so neither view takes it.
	readFailed bool
	loginDone  bool           // the settings query of a client's login was answered in this read
	session    session.Params // the session settings being read back (settingsQuery)
	pins       uint8          // the kinds of session state it holds, as last asked (pinQuery)
	swap       []byte         // a reply readReply rewrote, to send in its place (valid until the loop's next use of scratch)
	pausedFd   int            // the socket while reads are paused for a slow client; -1 otherwise
	resuming   bool           // the paused socket is being enrolled again
	counts     ConnCounts
}

// setState changes the server's state, refusing impossible moves.
func (s *server) setState(to serverState) {
	from := s.state
	ok := false
	switch to {
	case svIdle:
		ok = from == svConnecting || from == svActive || from == svResetting || from == svMigrating || from == svIdle || from == svCanceling
	case svActive:
		ok = from == svIdle || from == svConnecting || from == svMigrating || from == svActive || from == svCanceling // active: handed from client to client
	case svResetting:
		ok = from == svActive || from == svCanceling || from == svIdle // idle: its health checked before use
	case svCanceling:
		ok = from == svActive || from == svResetting
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

// onTraffic forwards the server's frames to its client: the server side's
// protocol loop. Most frames are streamed through unread; the link reads
// the few that change its state (see serverWhole and readReply).
func (s *server) onTraffic(c gnet.Conn) gnet.Action {
	if c != s.conn || s.state == svClosed || s.state == svMigrating {
		_, _ = c.Discard(-1) // a socket being given up: everything it has is dropped on purpose
		return gnet.None
	}
	l := &s.l
	if h := l.rd.Held(); h > 0 && c.InboundBuffered() < h {
		return gnet.None // the frame read whole is not complete yet: no need to look (and copy)
	}
	buf, _ := c.Peek(-1)
	cl := l.cl
	off, from := 0, 0 // off: read position; from: first byte not yet forwarded or dropped
	release := false
	for off < len(buf) {
		p, err := l.rd.Next(buf[off:])
		if err != nil {
			s.pool.e.log.Error("server sent a malformed frame", "err", err, "database", s.pool.cfg.database)
			s.failClient("server sent a malformed message")
			return gnet.Close
		}
		n := len(p.Bytes)
		if n == 0 {
			break
		}
		if p.First {
			l.dropFrame = cl == nil || l.ownReply()
			if p.Last {
				release = s.readReply(cl, &p) || release
				if swap := s.swap; swap != nil { // the frame goes out rewritten
					s.swap = nil
					s.flushTo(cl, buf[from:off])
					s.flushTo(cl, swap)
					from = off
					l.dropFrame = true
				}
			}
		}
		if l.dropFrame {
			s.flushTo(cl, buf[from:off])
			from = off + n
		}
		off += n
	}
	s.flushTo(cl, buf[from:off])
	codec.Consume(c, off)
	if s.loginDone {
		s.loginDone = false
		cl.loggedIn(s)
		return gnet.None
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

// readReply handles one whole frame the link reads, at the start of p: it
// may hide the frame (l.dropFrame), and reports whether the server goes
// back to the pool once this read is handled.
func (s *server) readReply(cl *client, p *codec.Piece) (release bool) {
	l := &s.l
	if cl != nil && cl.cap.compare && !l.dropFrame && mirror.IsOutcome(p.Type) && p.Whole() {
		cl.cap.reply(p.Bytes) // a statement of a compared transaction ended on the source
	}
	switch p.Type {
	case codec.MsgReadyForQuery:
		// The end of a request cycle: one sync point answered.
		if l.readyForQuery(p.Bytes[codec.HeaderLen]) {
			// pgdogd's own request: the server may have been kept only for it,
			// or a client's login waits for its settings query.
			if l.answered == ptSnapshot {
				if !s.readFailed {
					s.settingsRead(cl)
				}
				s.readFailed = false
			}
			if !l.readsRows() {
				l.rd.SetWhole(serverWhole)
			}
			if cl != nil && cl.state == clParams && !l.owes() {
				s.loginDone = true
				return false
			}
			return l.idle() && (s.state == svResetting || cl != nil && !cl.cap.inTx && cl.releasable())
		}
		if cl != nil && cl.cap.compare {
			cl.cap.reply(p.Bytes) // the client's sync point
		}
		if cl == nil || l.clientOwes() {
			return false
		}
		now := time.Now()
		took := now.Sub(l.cycleStart)
		s.pool.stats.shard(s.loop.idx).queryUS.Add(uint64(took.Microseconds()))
		s.counts.QueryTime += took
		cl.counts.QueryTime += took
		cl.quiet(now, l.tx)
		if l.tx != codec.TxIdle {
			return false
		}
		cl.endTx() // the client's transaction is over
		if !cl.touched && !cl.pinTouched {
			return l.idle() && cl.releasable()
		}
		// The server keeps the client until pgdogd has read back what the
		// transaction may have changed.
		if cl.touched {
			cl.touched = false
			s.readSettings(cl)
		}
		if cl.pinTouched {
			cl.pinTouched = false
			s.askPins()
		}
		return false
	case codec.MsgParseComplete:
		// Hidden when it answers a Parse pgdogd injected.
		if e, ok := l.parseComplete(); ok {
			l.dropFrame = l.dropFrame || e.drop
			if e.st != nil {
				e.st.Validated.Store(true)
			}
			if e.id != 0 {
				s.stmts.Answered(e.id, e.batch)
			}
			if e.owner != nil && e.name != "" && e.owner.stmts.named[e.name] == e.st {
				delete(e.owner.stmts.unconfirmed, e.name)
			}
		}
	case codec.MsgCloseComplete:
		// Hidden when it answers a Close pgdogd injected.
		l.dropFrame = l.closeComplete() || l.dropFrame
	case codec.MsgCommandComplete:
		// A statement is done: one that drops prepared statements took effect.
		if l.dropAt < len(l.drops) && !l.dropFrame && prepared.DropTag(p.Body()) {
			l.dropDone()
		}
	case codec.MsgParameterStatus:
		// A reported setting changed: remember it for the server and the
		// client; a startup setting given back reaches the client too.
		if cl != nil && l.replying() == ptRestore {
			l.dropFrame = false
		}
		s.noteParameter(cl, p.Body(), l.dropFrame)
	case codec.MsgDataRow:
		// A row of the session settings read back, or of the pinned state.
		switch l.replying() {
		case ptSnapshot:
			s.settingRow(p.Body())
		case ptPins:
			s.pinRow(cl, p.Body())
		}
	case codec.MsgErrorResponse:
		// An error: the client's to see, unless it answers pgdogd's own request.
		l.copyEnded()
		if l.dropFrame {
			s.ownError(p.Bytes)
			break
		}
		cl.cap.failed = true
		s.pool.stats.shard(s.loop.idx).errors.Add(1)
		s.counts.Errors++
		cl.counts.Errors++
		if cl.stmtsOn {
			s.swap = cl.renameError(p.Bytes)
		}
	case codec.MsgCopyInResponse, codec.MsgCopyOutResponse, codec.MsgCopyBothResponse:
		// The server enters COPY mode.
		l.copyResponse(p.Type)
	case codec.MsgCopyDone:
		// The server's COPY data is over.
		if l.state == lkCopyOut {
			l.copyEnded()
		}
	}
	return false
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
	s.counts.Received += uint64(len(b))
	cl.counts.Sent += uint64(len(b))
	_, _ = cl.conn.Write(b)
}

// finishCycle runs after a reply that ended the client's use of the server,
// or pgdogd's own reset.
func (s *server) finishCycle() {
	if s.state == svResetting {
		s.giveBack()
		return
	}
	cl := s.l.cl
	if cl == nil {
		return
	}
	cl.unlink()
	s.giveBack()
	cl.afterRelease()
}

// giveBack returns a server no client uses to its pool, or holds it while a
// CancelRequest sent for it is in flight: a late cancel must find the
// server idle, never running another client's query.
func (s *server) giveBack() {
	if s.l.cancels > 0 {
		s.setState(svCanceling)
		return
	}
	if (s.state == svActive || s.state == svCanceling) && s.params.Has("statement_timeout") {
		s.resetTimeout()
		return
	}
	if s.state == svResetting || s.state == svCanceling {
		s.setState(svIdle)
	}
	s.pool.release(s)
}

// ownError logs an error answering pgdogd's own query, or an error sent to
// no client (a FATAL from PostgreSQL shutting down, for instance).
func (s *server) ownError(frame []byte) {
	if s.state == svResetting {
		s.tainted = true // DISCARD ALL failed: what the last client left is still there
	}
	switch s.l.replying() {
	case ptSnapshot, ptPins:
		// Reading the session's settings or pinned state back failed (a
		// statement_timeout the client set can cut it): what the server
		// holds is unknown, so it is closed when it goes back, never given
		// to another client with what this one left on it.
		s.tainted = true
		s.readFailed = s.l.replying() == ptSnapshot
	}
	if s.l.settingsReply() {
		// The settings query failed as a whole: the server's settings are not
		// what pgdogd recorded. It is closed when it goes back, never pooled;
		// a client logging in gets the error as PostgreSQL would give it.
		s.tainted = true
		if cl := s.l.cl; cl != nil && cl.state == clParams && cl.loginErr == nil {
			cl.loginErr = codec.AppendNoticeMapped(nil, frame, fatalSeverity)
			return
		}
	}
	sev, code, msg := codec.ErrorFields(frame[codec.HeaderLen:])
	s.pool.e.log.Warn("server error outside a client request", "severity", string(sev), "code", string(code), "message", string(msg),
		"user", s.pool.cfg.user, "database", s.pool.cfg.database)
}

// fatalSeverity makes an error FATAL, as PostgreSQL reports a bad setting
// at connection start.
func fatalSeverity(dst []byte, field byte, v []byte) []byte {
	if field == 'S' || field == 'V' {
		return append(dst, "FATAL"...)
	}
	return append(dst, v...)
}

// noteParameter records a ParameterStatus for the server and, when the
// setting is one the client chose or the client's own query changed it, for the client.
func (s *server) noteParameter(cl *client, body []byte, own bool) {
	name, value, ok := codec.ParameterStatusKV(body)
	if !ok {
		return
	}
	s.params = s.params.Set(string(name), string(value))
	if cl != nil && !session.IsReadOnly(strings.ToLower(string(name))) && (!own || cl.params.Has(string(name))) {
		cl.params = cl.params.Set(string(name), string(value))
		cl.paramsGen++
	}
}

// failClient ends the linked client after the server broke.
func (s *server) failClient(msg string) {
	cl := s.l.cl
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
	if s.l.cl != nil {
		s.pool.events.errors.Add(1)
		s.failClient("server closed the connection unexpectedly")
	}
	s.state = svClosed
	s.l.close()
	s.pool.dropped(s, nil)
	s.pool.e.stats.serversClosed.Add(1)
	if !s.closing && s.pool.isReplica() {
		go s.pool.checkNow("server connection lost") // the replica may be down: banned if a check fails now
	}
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
	s.closing = true
	_ = s.conn.Close()
}

// expired reports whether server_lifetime is over.
func (s *server) expired(now time.Time) bool {
	return s.pool.cfg.Lifetime > 0 && now.Sub(s.created) > s.pool.cfg.Lifetime
}

// idleCheck sends an empty query to a server that sat idle longer than
// idle_healthcheck_interval before a client gets it: the answer puts it back in the pool,
// for the waiter that took it out (finishCycle); a dead server is found here, and closed,
// instead of failing the client's request.
func (s *server) idleCheck() {
	s.setState(svResetting)
	s.l.sentOwn()
	s.pool.events.idleChecks.Add(1)
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], ";")
	_, _ = s.conn.Write(s.loop.scratch)
}

// reset runs DISCARD ALL before the server goes back to the pool (session mode).
func (s *server) reset() {
	s.setState(svResetting)
	s.l.sentOwn()
	s.pool.events.cleaned.Add(1)
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], "DISCARD ALL")
	_, _ = s.conn.Write(s.loop.scratch)
	s.params = s.params.DropUnreported()
	s.stmts.reset()
}

// resetTimeout takes the statement_timeout a client left on the server off
// before the server goes back to the pool, as reset does with DISCARD ALL:
// pgdogd's own queries for the next client (the sync of its settings) must
// never run under a timeout another client chose, which could cut them and
// let that client's requests run with this one's settings. If the RESET
// itself fails, the server is closed (ownError taints it).
func (s *server) resetTimeout() {
	s.setState(svResetting)
	s.l.sentOwn()
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], "RESET statement_timeout")
	_, _ = s.conn.Write(s.loop.scratch)
	kept := s.params[:0]
	for _, p := range s.params {
		if p.Name != "statement_timeout" {
			kept = append(kept, p)
		}
	}
	s.params = kept
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
		s.pool.e.stats.serversClosed.Add(1)
		return
	}
	s.pool.e.stats.migrations.Add(1)
}
