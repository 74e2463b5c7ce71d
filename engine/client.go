// client.go holds a client connection: its state, its request path toward the server, and its end.

package engine

import (
	"fmt"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/backend"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/prepared"
	"github.com/pgdogd/pgdogd/engine/session"
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
	params         session.Params // settings the client chose: startup parameters, and reported ones it SET since
	x              *auth.Exchange
	server         *server
	rd             codec.Walker // the client's frames: where the stream stands
	paramsGen      uint64       // bumped when params change
	cap            capture

	seq        uint64                  // the client's number among the pool clients that logged in
	loginErr   []byte                  // the FATAL for settings a server refused while the client logs in
	chosen     session.Params          // the settings the client chose at startup
	touched    bool                    // the transaction in progress may change session settings (transaction mode)
	pinTouched bool                    // the transaction in progress may create or drop session state that pins
	pins       uint8                   // the kinds of session state that keep the client on its server (pinning.go)
	marked     map[string]session.Mark // the client's statements (by name) whose running may change settings or pins
	txMode     bool                    // the pool is in transaction mode: session state that cannot move pins
	startupKey string                  // the client's startup settings, as the pool's cache of validated ones keys them
	key        cancelKey
	waitStart  time.Time // guarded by pool.mu while waiting
	expecting  bool      // a migrating server is on its way; guarded by pool.mu
	// via is the pool the transaction in progress takes its server from: the
	// client's own, or one of its replicas (replicas.go); nil means pool.
	via *pool
	// heldBegin is a BEGIN answered without a server (read_write_strategy =
	// "aggressive"), sent to the server the next request is routed to; empty when none.
	heldBegin []byte
	// role is the session's pgdog.role once the client SET or RESET it (roleSet);
	// before that, its startup setting counts.
	role        string
	roleSet     bool
	txStart     time.Time // the current transaction's first request
	connectedAt time.Time
	stmtsOn     bool // prepared statements are rewritten (transaction mode)
	stmts       clientStmts
	slot        int       // index in the loop's client list (loopState.clients)
	tls         *tlsPeer  // the TLS client this is the relayed plaintext of, or nil
	handedOff   bool      // the socket left for a TLS handshake: the client lives on in a new connection
	quietSince  time.Time // when the client got its last answer; zero once it sends again (timeouts.go)
	quietTx     bool      // that answer left a transaction open
	counts      ConnCounts
}

func newClient(e *Engine, c gnet.Conn, ls *loopState) *client {
	return &client{e: e, conn: c, loop: ls, connectedAt: time.Now(), slot: -1}
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

// clientWhole are the frames read whole when prepared statements are
// rewritten; all others (and all of them otherwise) are streamed.
var clientWhole = codec.Types(codec.MsgParse, codec.MsgBind, codec.MsgDescribe, codec.MsgClose, codec.MsgQuery, codec.MsgExecute)

// forward streams every frame in the client's buffer to its server, linking
// one at a transaction's first message: the client side's request loop. It
// reads only the frame headers, except with prepared statements on, where
// Parse, Bind, Describe, Close and Query are read whole and may be
// rewritten.
func (cl *client) forward() gnet.Action {
	if h := cl.rd.Held(); h > 0 && cl.conn.InboundBuffered() < h {
		return gnet.None // the frame read whole is not complete yet: no need to look (and copy)
	}
	buf, _ := cl.conn.Peek(-1)
	if len(buf) > 0 {
		cl.quietSince = time.Time{} // a request: the idle timeouts stop
	}
	s := cl.server
	off := 0
	r := rewriter{buf: buf, ls: cl.loop}
	for off < len(buf) {
		p, err := cl.rd.Next(buf[off:])
		if err != nil {
			cl.flush(s, r.finish(off))
			return cl.violation(fmt.Sprintf("invalid message length: %v", err))
		}
		n := len(p.Bytes)
		if n == 0 {
			break
		}
		if !p.First { // the rest of a streamed frame
			off += n
			if p.Last && p.Type == codec.MsgSync && len(cl.stmts.cleanup) > 0 {
				cl.cleanupAfterSync(s, &r, off)
			}
			continue
		}
		if s == nil && cl.stmtsOn && p.Type == codec.MsgParse {
			if m := cl.answerParses(buf[off:]); m > 0 {
				off += m
				r.from = off
				continue
			}
		}
		switch p.Type {
		case codec.MsgTerminate:
			// The client is leaving: onClose decides what happens to the server.
			cl.flush(s, r.finish(off))
			return gnet.Close
		case codec.MsgQuery, codec.MsgParse, codec.MsgBind, codec.MsgDescribe, codec.MsgClose,
			codec.MsgSync, codec.MsgFunctionCall, codec.MsgExecute, codec.MsgFlush,
			codec.MsgCopyData, codec.MsgCopyDone, codec.MsgCopyFail:
			// Requests for the server.
		default:
			cl.flush(s, r.finish(off))
			return cl.violation(fmt.Sprintf("invalid frontend message type %d", p.Type))
		}
		if !cl.cap.inTx {
			cl.txStart = time.Now()
			cl.beginTx()
		}
		if s == nil && cl.holdBegin(&p) {
			// A BEGIN answered here: the next request chooses the server.
			off += n
			r.from = off
			continue
		}
		if s == nil {
			cl.via = cl.route(buf[off:])
			if s = cl.via.checkout(cl); s == nil {
				cl.rd.Back(&p) // read again once a server arrives
				codec.Consume(cl.conn, off)
				cl.setState(clWaiting)
				return gnet.None
			}
			cl.link(s)
		}
		cl.send(s, &r, &p, off)
		off += n
	}
	out := r.finish(off)
	cl.flush(s, out)
	if cl.cap.buf != nil {
		cl.captureRequest(out)
	}
	codec.Consume(cl.conn, off)
	return gnet.None
}

// send accounts for a request frame starting at buf[off:], on its way to s,
// and rewrites it when prepared statements need it.
func (cl *client) send(s *server, r *rewriter, p *codec.Piece, off int) {
	if p.Whole() && (p.Type == codec.MsgQuery || p.Type == codec.MsgParse || p.Type == codec.MsgBind && len(cl.marked) > 0) {
		cl.sees(p)
	}
	if cl.stmtsOn {
		cl.prepareFrame(s, r, p, off) // first: what it injects goes before the frame
	}
	s.l.sentFrame(p.Type)
	switch p.Type {
	case codec.MsgQuery, codec.MsgFunctionCall, codec.MsgExecute:
		cl.pool.stats.shard(cl.loop.idx).queries.Add(1)
		cl.counts.Queries++
		s.counts.Queries++
	case codec.MsgSync:
		if p.Last && len(cl.stmts.cleanup) > 0 {
			cl.cleanupAfterSync(s, r, off+len(p.Bytes))
		}
	}
}

// flush writes forwarded bytes to the server.
func (cl *client) flush(s *server, b []byte) {
	if len(b) == 0 || s == nil {
		return
	}
	cl.pool.stats.shard(cl.loop.idx).received.Add(uint64(len(b)))
	cl.counts.Received += uint64(len(b))
	s.counts.Sent += uint64(len(b))
	_, _ = s.conn.Write(b)
}

// link makes s the client's server and brings its settings in line with the client's.
func (cl *client) link(s *server) {
	cl.server = s
	s.l.attach(cl)
	s.setState(svActive)
	cl.e.stats.linked.Add(1)
	if cl.state != clParams {
		cl.setState(clActive)
	}
	b, after, ok := session.AppendSettingsQuery(cl.loop.scratch[:0], s.params, cl.params, cl.pool.defs)
	if s.params = after; ok {
		s.l.sentSettings()
	}
	if cl.stmtsOn {
		b = cl.evict(s, b)
	}
	b = cl.sendHeldBegin(s, b)
	if len(b) > 0 {
		_, _ = s.conn.Write(b)
	}
	cl.loop.scratch = b[:0]
}

// evict closes the server's least recently used statements beyond
// prepared_statements_limit, as one batch of pgdogd's own whose answers are
// hidden. It runs at link time, when the server owes nothing.
func (cl *client) evict(s *server, b []byte) []byte {
	ids := s.stmts.Evictions(cl.e.cfg.Load().General.PreparedStatementsLimit)
	if len(ids) == 0 {
		return b
	}
	for _, id := range ids {
		b = codec.AppendClose(b, 'S', prepared.Name(id))
		s.l.oweClose(true)
		s.stmts.Forget(id)
	}
	b = codec.AppendSync(b)
	s.l.sentOwn()
	cl.e.stmts.Evictions.Add(int64(len(ids)))
	cl.pool.events.evictions.Add(int64(len(ids)))
	return b
}

// unlink detaches the client from its server.
func (cl *client) unlink() {
	s := cl.server
	if s == nil {
		return
	}
	s.l.detach()
	cl.server = nil
	cl.e.stats.linked.Add(-1)
	if cl.state == clActive {
		cl.setState(clIdle)
	}
}

// releasable reports whether the server goes back at transaction end.
func (cl *client) releasable() bool {
	return cl.pool.cfg.mode != config.Mode("session") && cl.state == clActive && cl.pins == 0
}

// sees reads the SQL of a Query or Parse a transaction-mode client sends,
// for what it may change: settings, and session state that pins. A
// statement that may is marked, so that each Bind that runs it counts too.
func (cl *client) sees(p *codec.Piece) {
	var m session.Mark
	switch p.Type {
	case codec.MsgBind:
		_, rest, _ := prepared.CString(p.Body())
		name, _, _ := prepared.CString(rest)
		m = cl.marked[string(name)]
	case codec.MsgQuery:
		m = session.MarkOf(p.Body())
		if m.Settings && len(cl.pool.replicas) > 0 {
			cl.noteRole(p.Body())
		}
	case codec.MsgParse:
		name, sql, _, _ := prepared.ParseBody(p.Body())
		if m = session.MarkOf(sql); m != (session.Mark{}) {
			if cl.marked == nil {
				cl.marked = map[string]session.Mark{}
			}
			cl.marked[string(name)] = m
		} else if len(cl.marked) > 0 {
			delete(cl.marked, string(name))
		}
		return // it runs at its Bind
	}
	cl.touched = cl.touched || m.Settings
	cl.pinTouched = cl.pinTouched || cl.txMode && (m.MayPin || m.MayUnpin && cl.pins != 0)
}

// serve hands a server to a waiting client, on the client's loop.
func (cl *client) serve(s *server) {
	cl.expecting = false
	switch cl.state {
	case clWaiting:
		// The transaction's first request is buffered: send it now.
		waited := time.Since(cl.waitStart)
		cl.pool.stats.shard(cl.loop.idx).waitUS.Add(uint64(waited.Microseconds()))
		cl.counts.Wait += waited
		cl.link(s)
		if cl.forward() == gnet.Close {
			_ = cl.conn.Close()
		}
	case clParams:
		// A first server: its settings query checks the client's startup
		// settings; loggedIn runs when it is answered, or now if none was needed.
		cl.link(s)
		if !s.l.owes() {
			cl.loggedIn(s)
		}
	default:
		// The client left meanwhile.
		s.pool.release(s)
	}
}

// loggedIn ends a login that waited for a server to accept the client's
// startup settings: a refusal is the client's FATAL; otherwise the greeting
// reports the settings as the server spelled them, the pool remembers them
// as valid, and the client's first requests go.
func (cl *client) loggedIn(s *server) {
	if cl.loginErr != nil {
		_, _ = cl.conn.Write(cl.loginErr)
		cl.leave()
		_ = cl.conn.Close()
		return
	}
	cl.params = cl.params.Adopt(s.params) // reported as the server reports them
	cl.pool.remember(cl.startupKey, cl.params)
	cl.ready(cl.loop.scratch[:0])
	cl.setState(clActive)
	if cl.forward() == gnet.Close {
		_ = cl.conn.Close()
		return
	}
	if !s.l.owes() && s.l.idle() && cl.releasable() {
		cl.unlink()
		s.giveBack()
	}
}

// afterRelease runs once the client's server went back to the pool.
func (cl *client) afterRelease() {
	if cl.e.shutdown.Load() {
		cl.fatal(codec.CodeAdminShutdown, "terminating connection due to administrator command")
	}
}

// closeIfIdle ends an idle client at shutdown, on its loop. Clients still
// logging in are left alone: their startup is refused with 57P03.
func (cl *client) closeIfIdle() {
	cl.loop.run(func() {
		switch cl.state {
		case clIdle, clAdmin:
			cl.fatal(codec.CodeAdminShutdown, "terminating connection due to administrator command")
		}
	})
}

// connectFailed ends a client whose server could not be had.
func (cl *client) connectFailed(err error) {
	if cl.state == clWaiting || cl.state == clParams {
		cl.fatal(codec.CodeConnectionFailure, fmt.Sprintf("cannot connect to database %q: %s", cl.database, backend.ClientMessage(err)))
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
	cl.loop.removeClient(cl)
	cl.leave()
	_ = err // a client's EOF is counted, not logged
	if cl.handedOff {
		return // the client lives on in a TLS relay
	}
	cl.e.clientConns.Add(-1)
	cl.e.stats.clientsClosed.Add(1)
}

// leave releases what the client holds: its place in a queue, its server, its cancel key.
func (cl *client) leave() {
	if cl.state == clClosed {
		return
	}
	if cl.state == clWaiting || cl.state == clParams {
		cl.waitPool().cancelWait(cl)
	}
	if s := cl.server; s != nil {
		clean := s.l.idle()
		cl.unlink()
		s.clientLeft(clean, cl.pins != 0)
	}
	cl.closeMirrors()
	cl.e.clients.remove(cl)
	cl.setState(clClosed)
}

// clientLeft decides the fate of a server whose client disconnected: a
// server with anything of the client's left on it (a request unanswered, a
// transaction or COPY open, a frame half-written) is closed, never pooled.
func (s *server) clientLeft(clean, pinned bool) {
	switch {
	case !clean:
		s.pool.e.stats.dirtyClosed.Add(1)
		s.pool.events.outOfSync.Add(1)
		s.close("client left mid-transaction")
	case s.pool.cfg.mode == config.Mode("session") || pinned:
		s.reset() // session state of the client's is on it
	default:
		s.giveBack()
	}
}
