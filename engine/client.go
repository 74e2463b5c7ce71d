// client.go holds a client connection: its state, its request path toward the server, and its end.
package engine

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/config"
)

// clientState is where a client connection is in its life.
type clientState uint8

const (
	clStartup clientState = iota // waiting for the startup packet (or SSL/GSS/cancel requests)
	clAuth                       // authentication exchange running
	clParams                     // authenticated; waiting for a first server to learn its parameters
	clIdle                       // ready for a request, no server linked
	clWaiting                    // a request is buffered; waiting for a server
	clActive                     // a server is linked
	clAdmin                      // an admin console session
	clClosed                     // closing or closed
)

var clientStateNames = [...]string{"startup", "auth", "params", "idle", "waiting", "active", "admin", "closed"}

func (s clientState) String() string { return clientStateNames[s] }

// client is one frontend connection. Only its loop's goroutine touches it,
// except cancelTo and the fields the registry and pool guard.
type client struct {
	e     *Engine
	conn  gnet.Conn
	loop  *loopState
	state clientState

	pool           *pool // nil for the admin console
	admin          bool
	user, database string
	params         params // settings the client chose: startup parameters, and reported ones it SET since
	x              *auth.Exchange
	server         *server
	skip           int    // bytes still to come of a frame being streamed to the server
	paramsGen      uint64 // bumped when params change
	cap            capture

	key         cancelKey
	cancelTo    atomic.Pointer[cancelTarget] // the linked server's backend key, read by cancel requests
	waitStart   time.Time                    // guarded by pool.mu while waiting
	expecting   bool                         // a migrating server is on its way; guarded by pool.mu
	txStart     time.Time                    // the current transaction's first request
	connectedAt time.Time
	stmtsOn     bool // prepared statements are rewritten (transaction mode)
	stmts       clientStmts
}

func newClient(e *Engine, c gnet.Conn, ls *loopState) *client {
	return &client{e: e, conn: c, loop: ls, connectedAt: time.Now()}
}

// setState changes the client's state, refusing impossible moves.
func (cl *client) setState(to clientState) {
	from := cl.state
	ok := false
	switch to {
	case clAuth:
		ok = from == clStartup
	case clParams:
		ok = from == clAuth || from == clStartup
	case clIdle:
		ok = from == clAuth || from == clStartup || from == clParams || from == clActive || from == clIdle
	case clWaiting:
		ok = from == clIdle
	case clActive:
		ok = from == clIdle || from == clWaiting || from == clParams
	case clAdmin:
		ok = from == clAuth
	case clClosed:
		ok = true
	}
	if !ok {
		panic("BUG: client state " + from.String() + " -> " + to.String())
	}
	cl.state = to
}

// onTraffic is the client side's protocol switch.
func (cl *client) onTraffic() gnet.Action {
	switch cl.state {
	case clStartup:
		// The first packet: a startup message, an SSL/GSS request, or a cancel.
		return cl.readStartup()
	case clAuth:
		// Password or SASL messages.
		return cl.readAuth()
	case clParams, clWaiting:
		// A server is on its way: leave the bytes in gnet's buffer, but not without bound.
		if cl.conn.InboundBuffered() > cl.e.maxMessage() {
			return cl.violation("too much data sent while waiting for a server")
		}
		return gnet.None
	case clIdle, clActive:
		// Requests: forwarded to the linked server, after linking one.
		return cl.forward()
	case clAdmin:
		// Admin console commands, answered by pgdogd itself.
		return cl.readAdmin()
	case clClosed:
		// Closing: nothing more is read.
		_, _ = cl.conn.Discard(-1)
		return gnet.None
	}
	panic("BUG: client in state " + cl.state.String())
}

// forward streams every frame in the client's buffer to its server, linking
// one at a transaction's first message. It reads only the frame headers,
// except with prepared statements on, where Parse, Bind, Describe and Close
// are read whole and may be rewritten.
func (cl *client) forward() gnet.Action {
	buf, _ := cl.conn.Peek(-1)
	s := cl.server
	off := 0
	if cl.skip > 0 { // the rest of a streamed frame
		off = min(cl.skip, len(buf))
		cl.skip -= off
	}
	r := rewriter{buf: buf, ls: cl.loop}
frames:
	for off < len(buf) && cl.skip == 0 {
		typ, size, complete, err := codec.NextFrame(buf[off:], cl.e.maxMessage())
		if err != nil {
			cl.flush(s, r.finish(off))
			return cl.violation(fmt.Sprintf("invalid message length: %v", err))
		}
		if size == 0 {
			break
		}
		if s == nil && cl.stmtsOn && typ == codec.MsgParse {
			if n := cl.answerParses(buf[off:]); n > 0 {
				off += n
				r.from = off
				continue
			}
		}
		inspect := false
		switch typ {
		case codec.MsgTerminate:
			// The client is leaving: onClose decides what happens to the server.
			cl.flush(s, r.finish(off))
			return gnet.Close
		case codec.MsgParse, codec.MsgBind, codec.MsgDescribe, codec.MsgClose:
			// Read whole when prepared statements are rewritten.
			if cl.stmtsOn {
				if !complete {
					break frames
				}
				inspect = true
			}
		case codec.MsgQuery:
			// Read for DISCARD ALL when whole; streamed otherwise.
			inspect = cl.stmtsOn && complete
		case codec.MsgSync, codec.MsgFunctionCall, codec.MsgExecute, codec.MsgFlush,
			codec.MsgCopyData, codec.MsgCopyDone, codec.MsgCopyFail:
			// Requests that are only forwarded.
		default:
			cl.flush(s, r.finish(off))
			return cl.violation(fmt.Sprintf("invalid frontend message type %d", typ))
		}
		if !cl.cap.inTx {
			cl.txStart = time.Now()
			cl.beginTx()
		}
		if s == nil {
			if s = cl.pool.checkout(cl); s == nil {
				cl.setState(clWaiting)
				return gnet.None
			}
			cl.link(s)
		}
		cl.account(s, typ)
		if inspect {
			cl.prepareFrame(s, &r, typ, off, size)
		}
		if !complete {
			cl.skip = size - (len(buf) - off)
			off = len(buf)
			break
		}
		off += size
	}
	out := r.finish(off)
	cl.flush(s, out)
	if cl.cap.buf != nil {
		cl.captureRequest(out)
	}
	_, _ = cl.conn.Discard(off)
	return gnet.None
}

// account updates what the server owes after a request frame.
func (cl *client) account(s *server, typ byte) {
	if s.pending == 0 && !s.unsynced {
		s.cycleStart = time.Now()
	}
	switch typ {
	case codec.MsgQuery, codec.MsgFunctionCall:
		s.pending++
		s.stmts.syncs++
		cl.pool.stats.shard(cl.loop.idx).queries.Add(1)
	case codec.MsgSync:
		s.pending++
		s.stmts.syncs++
		s.unsynced = false
	case codec.MsgParse, codec.MsgBind, codec.MsgDescribe, codec.MsgClose, codec.MsgFlush:
		s.unsynced = true
	case codec.MsgExecute:
		s.unsynced = true
		cl.pool.stats.shard(cl.loop.idx).queries.Add(1)
	}
}

// flush writes forwarded bytes to the server.
func (cl *client) flush(s *server, b []byte) {
	if len(b) == 0 || s == nil {
		return
	}
	cl.pool.stats.shard(cl.loop.idx).received.Add(uint64(len(b)))
	_, _ = s.conn.Write(b)
}

// link makes s the client's server and brings its settings in line with the client's.
func (cl *client) link(s *server) {
	cl.server = s
	s.client = cl
	s.setState(svActive)
	s.pending, s.unsynced = 0, false
	cl.cancelTo.Store(s.cancel)
	cl.e.stats.linked.Add(1)
	if cl.state != clParams {
		cl.setState(clActive)
	}
	b := cl.loop.scratch[:0]
	b = append(b, codec.MsgQuery, 0, 0, 0, 0)
	b, s.params = appendSync(b, s.params, cl.params, cl.pool.defs)
	if len(b) > 5 {
		b = append(b, 0)
		patchLength(b)
		s.swallow++
	} else {
		b = b[:0]
	}
	if cl.stmtsOn {
		b = cl.evict(s, b)
	}
	if len(b) > 0 {
		_, _ = s.conn.Write(b)
	}
	cl.loop.scratch = b[:0]
}

// evict closes the server's least recently used statements beyond
// prepared_statements_limit, as one batch of pgdogd's own whose answers are
// swallowed. It runs at link time, when the server owes nothing.
func (cl *client) evict(s *server, b []byte) []byte {
	ids := s.stmts.evictions(cl.e.cfg.Load().General.PreparedStatementsLimit)
	if len(ids) == 0 {
		return b
	}
	for _, id := range ids {
		start := len(b)
		b = append(b, codec.MsgClose, 0, 0, 0, 0, 'S')
		b = append(b, stmtPrefix...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, 0)
		patchLength(b[start:])
		delete(s.stmts.set, id)
	}
	b = codec.AppendSync(b)
	s.swallow++
	cl.e.stmts.evictions.Add(int64(len(ids)))
	return b
}

// patchLength writes a message's length after its type byte.
func patchLength(b []byte) {
	n := uint32(len(b) - 1)
	b[1], b[2], b[3], b[4] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
}

// unlink detaches the client from its server.
func (cl *client) unlink() {
	s := cl.server
	if s == nil {
		return
	}
	s.client = nil
	cl.server = nil
	cl.cancelTo.Store(nil)
	cl.e.stats.linked.Add(-1)
	if cl.state == clActive {
		cl.setState(clIdle)
	}
}

// releasable reports whether the server goes back at transaction end.
func (cl *client) releasable() bool {
	return cl.pool.cfg.mode != config.Mode("session") && cl.state == clActive
}

// serve hands a server to a waiting client, on the client's loop.
func (cl *client) serve(s *server) {
	cl.expecting = false
	switch cl.state {
	case clWaiting:
		// The transaction's first request is buffered: send it now.
		cl.pool.stats.shard(cl.loop.idx).waitUS.Add(uint64(time.Since(cl.waitStart).Microseconds()))
		cl.link(s)
		if cl.forward() == gnet.Close {
			_ = cl.conn.Close()
		}
	case clParams:
		// A first server: its parameters complete the startup.
		cl.link(s)
		cl.ready(cl.loop.scratch[:0])
		cl.setState(clActive)
		if cl.forward() == gnet.Close {
			_ = cl.conn.Close()
			return
		}
		if s.pending == 0 && !s.unsynced && s.swallow == 0 && cl.releasable() {
			cl.unlink()
			s.pool.release(s)
		}
	default:
		// The client left meanwhile.
		s.pool.release(s)
	}
}

// afterRelease runs once the client's server went back to the pool.
func (cl *client) afterRelease() {
	if cl.e.shutdown.Load() {
		cl.fatal(codec.CodeAdminShutdown, "terminating connection due to administrator command")
	}
}

// closeIfIdle ends an idle client at shutdown, on its loop.
func (cl *client) closeIfIdle() {
	cl.loop.run(func() {
		switch cl.state {
		case clStartup, clAuth, clIdle, clAdmin:
			cl.fatal(codec.CodeAdminShutdown, "terminating connection due to administrator command")
		}
	})
}

// connectFailed ends a client whose server could not be had.
func (cl *client) connectFailed(err error) {
	if cl.state == clWaiting || cl.state == clParams {
		cl.fatal(codec.CodeConnectionFailure, fmt.Sprintf("cannot connect to database %q: %s", cl.database, clientMessage(err)))
	}
}

// checkoutTimedOut ends a client that waited longer than checkout_timeout.
func (cl *client) checkoutTimedOut(waited time.Duration) {
	if cl.state == clWaiting || cl.state == clParams {
		cl.e.stats.checkoutTimeouts.Add(1)
		cl.fatal(codec.CodeTooManyConnections, fmt.Sprintf("checkout timeout: no server connection for user %q database %q within %d ms", cl.user, cl.database, waited.Milliseconds()))
	}
}

// violation answers a malformed message with FATAL 08P01 and closes.
func (cl *client) violation(msg string) gnet.Action {
	cl.e.stats.protocolErrors.Add(1)
	cl.fatal(codec.CodeProtocolViolation, msg)
	return gnet.None
}

// fatal sends a FATAL ErrorResponse and closes the connection after it.
func (cl *client) fatal(code, msg string) {
	if cl.state == clClosed {
		return
	}
	_, _ = cl.conn.Write(cl.fatalBytes(code, msg))
	cl.leave()
	_ = cl.conn.Close()
}

// fatalBytes builds a FATAL ErrorResponse in the loop's scratch buffer (valid until its next use).
func (cl *client) fatalBytes(code, msg string) []byte {
	cl.loop.scratch = codec.AppendErrorResponse(cl.loop.scratch[:0], "FATAL", code, msg)
	return cl.loop.scratch
}

// onClose runs when the client's socket is gone.
func (cl *client) onClose(err error) {
	cl.leave()
	cl.e.stats.clientsClosed.Add(1)
	_ = err // a client's EOF is counted, not logged
}

// leave releases what the client holds: its place in a queue, its server, its cancel key.
func (cl *client) leave() {
	if cl.state == clClosed {
		return
	}
	if cl.state == clWaiting || cl.state == clParams {
		cl.pool.cancelWait(cl)
	}
	if s := cl.server; s != nil {
		cl.unlink()
		s.clientLeft()
	}
	cl.closeMirrors()
	cl.e.clients.remove(cl)
	cl.setState(clClosed)
}

// clientLeft decides the fate of a server whose client disconnected.
func (s *server) clientLeft() {
	clean := s.pending == 0 && !s.unsynced && s.swallow == 0 && s.skip == 0 && s.txStatus == 'I'
	switch {
	case !clean:
		s.pool.e.stats.dirtyClosed.Add(1)
		s.close("client left mid-transaction")
	case s.pool.cfg.mode == config.Mode("session"):
		s.reset()
	default:
		s.pool.release(s)
	}
}
