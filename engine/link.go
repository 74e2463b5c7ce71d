// link.go holds the link: the protocol state of one server connection's conversation and of the client it serves.

package engine

import (
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// linkState is where a server's conversation stands. The counters of what
// is owed are beside it in link; the state says who is on the other end and
// whether a COPY is streaming.
type linkState uint8

const (
	lkFree     linkState = iota // no client: idle, connecting, resetting, or held for a cancel
	lkLinked                    // a client is attached; ordinary request and reply traffic
	lkCopyIn                    // a client is attached and the server takes COPY data from it
	lkCopyOut                   // a client is attached and the server streams COPY data to it
	lkCopyBoth                  // a client is attached and COPY data flows both ways
	lkClosed                    // the server is gone
	numLinkStates
)

var linkStateNames = [numLinkStates]string{"free", "linked", "copy_in", "copy_out", "copy_both", "closed"}

func (s linkState) String() string { return linkStateNames[s] }

// linkMoves is the table of possible transitions: linkMoves[from][to].
var linkMoves = [numLinkStates][numLinkStates]bool{
	lkFree:     {lkLinked: true, lkClosed: true},
	lkLinked:   {lkFree: true, lkCopyIn: true, lkCopyOut: true, lkCopyBoth: true, lkClosed: true},
	lkCopyIn:   {lkLinked: true, lkFree: true, lkClosed: true}, // free: the client left mid-COPY (the server is closed)
	lkCopyOut:  {lkLinked: true, lkFree: true, lkClosed: true},
	lkCopyBoth: {lkLinked: true, lkFree: true, lkClosed: true},
	lkClosed:   {lkClosed: true},
}

// link is a server's conversation. Both directions write it, always on the
// server's loop and only through its methods: the client side when it
// forwards a request (sent, sentOwn), the server side when a reply arrives
// (reply, readyForQuery, copyResponse), and the pairing (attach, detach).
//
// Requests are counted in sync points, the messages each answered by one
// ReadyForQuery (Query, Sync, FunctionCall): sent of them went out and recv
// answers came back. A reply belongs to the oldest sync point not answered
// yet; when that one is pgdogd's own (in own), the reply is not the client's.
type link struct {
	state     linkState
	cl        *client // the attached client, nil when free
	sent      uint64  // sync points sent
	recv      uint64  // sync points answered
	kinds     []byte  // the kind of each sync point not answered yet (ptSync...), kinds[0] is number base
	base      uint64
	answered  byte // the kind of the sync point the last ReadyForQuery answered
	unsynced  bool // the client sent extended-protocol messages since its last Sync
	tx        byte // the last ReadyForQuery's status: 'I', 'T' or 'E'
	rd        codec.Walker
	dropFrame bool // the server frame being streamed is not forwarded
	// Replies pgdogd must hide or act on, owed for messages it sent.
	parses  []parseEntry // ParseComplete owed, oldest at parseAt
	parseAt int
	closes  []closeEntry // CloseComplete owed, oldest at closeAt
	closeAt int
	drops   []dropEntry // DEALLOCATE and DISCARD ALL awaiting their CommandComplete, oldest at dropAt
	dropAt  int
	stmts   *serverStmts // the server's statements, told about Parses that failed
	// cancels counts CancelRequests sent to this server that PostgreSQL has
	// not finished with yet: until then no other client may have it.
	cancels    int
	cycleStart time.Time // when the current request cycle began, for query time
}

// serverWhole are the server frames read whole: the ones the link reads.
var serverWhole = codec.Types(codec.MsgReadyForQuery, codec.MsgParameterStatus, codec.MsgErrorResponse,
	codec.MsgParseComplete, codec.MsgCloseComplete, codec.MsgCopyInResponse, codec.MsgCopyOutResponse,
	codec.MsgCopyBothResponse, codec.MsgCopyDone, codec.MsgCommandComplete)

// init prepares a new server's link.
func (l *link) init(stmts *serverStmts) {
	l.tx = codec.TxIdle
	l.rd = codec.NewWalker(maxServerFrame, serverWhole)
	l.stmts = stmts
}

// to changes the link's state, refusing impossible moves.
func (l *link) to(next linkState) {
	if !linkMoves[l.state][next] {
		panic("BUG: link state " + l.state.String() + " -> " + next.String())
	}
	l.state = next
}

// attach pairs the link with a client.
func (l *link) attach(cl *client) {
	l.to(lkLinked)
	l.cl = cl
	l.unsynced = false
}

// detach ends the pairing; the server keeps what it owes (see idle).
func (l *link) detach() {
	l.to(lkFree)
	l.cl = nil
}

// copying reports whether a COPY is streaming.
func (l *link) copying() bool {
	return l.state == lkCopyIn || l.state == lkCopyOut || l.state == lkCopyBoth
}

// owes reports whether the server still owes a ReadyForQuery or the client
// left an extended-protocol batch open.
func (l *link) owes() bool { return l.recv != l.sent || l.unsynced }

// clientSyncOwed reports whether a client's Query, Sync or FunctionCall is
// not answered yet: when none is, the transaction status is current as of
// the client's last batch.
func (l *link) clientSyncOwed() bool {
	for n := l.recv; n < l.sent; n++ {
		if k := l.kind(n); k == ptSync || k == ptQuery {
			return true
		}
	}
	return false
}

// clientOwes reports whether a reply to the client is still owed, or the
// client left a batch open; pgdogd's own requests after the client's last
// one (a clean-up batch) do not count.
func (l *link) clientOwes() bool { return l.unsynced || l.clientSyncOwed() }

// idle reports whether the server can go to another client: nothing owed,
// no COPY, no transaction open, and no frame half-read or half-written in
// either direction.
func (l *link) idle() bool {
	return !l.owes() && !l.copying() && l.tx == codec.TxIdle && l.rd.AtBoundary() &&
		(l.cl == nil || l.cl.rd.AtBoundary())
}

// Kinds of sync point.
const (
	ptSync     byte = 'S' // a client's Sync
	ptQuery    byte = 'Q' // a client's Query or FunctionCall
	ptOwn      byte = 'O' // a Query or Sync of pgdogd's own
	ptSetting  byte = 'P' // pgdogd's own query that gives the server the client's settings
	ptSnapshot byte = 'R' // pgdogd's own query that reads the server's session settings back
	ptRestore  byte = 'T' // pgdogd's own query that gives back startup settings a client reset
	ptPins     byte = 'U' // pgdogd's own query that asks which session state pins the client
	ptGone     byte = 'X' // a client's Sync PostgreSQL ignores (it arrived during COPY FROM STDIN): no reply comes
)

// kind returns the kind of the unanswered sync point number n.
func (l *link) kind(n uint64) byte { return l.kinds[n-l.base] }

// point records a sync point of kind k on its way.
func (l *link) point(k byte) {
	if !l.owes() {
		l.cycleStart = time.Now()
	}
	if l.recv == l.sent {
		l.kinds, l.base = l.kinds[:0], l.sent
	}
	l.kinds = append(l.kinds, k)
	l.sent++
}

// skipGone counts as answered the ignored sync points at the head: their
// answer is the next one's.
func (l *link) skipGone() {
	for l.recv < l.sent && l.kind(l.recv) == ptGone {
		l.recv++
	}
}

// own reports whether a kind of sync point is pgdogd's own.
func isOwnKind(k byte) bool {
	return k == ptOwn || k == ptSetting || k == ptSnapshot || k == ptRestore || k == ptPins
}

// readsRows reports whether an answer whose rows pgdogd reads is still owed.
func (l *link) readsRows() bool {
	for n := l.recv; n < l.sent; n++ {
		if k := l.kind(n); k == ptSnapshot || k == ptPins {
			return true
		}
	}
	return false
}

// replying returns the kind of the sync point the replies arriving now
// answer, or 0 when none is owed.
func (l *link) replying() byte {
	for n := l.recv; n < l.sent; n++ {
		if k := l.kind(n); k != ptGone {
			return k
		}
	}
	return 0
}

// ownReply reports whether the replies arriving now answer pgdogd's own request.
func (l *link) ownReply() bool { return isOwnKind(l.replying()) }

// sent records a client request frame on its way to the server; typ is the
// frame's type, seen at its first byte.
func (l *link) sentFrame(typ byte) {
	if !l.owes() {
		l.cycleStart = time.Now()
	}
	switch typ {
	case codec.MsgQuery, codec.MsgFunctionCall:
		// A simple query or function call: one ReadyForQuery.
		l.point(ptQuery)
	case codec.MsgSync:
		// The end of an extended-protocol batch: one ReadyForQuery, unless
		// PostgreSQL is taking COPY data, when it ignores a Sync.
		if l.state == lkCopyIn || l.state == lkCopyBoth {
			return
		}
		l.point(ptSync)
		l.unsynced = false
	case codec.MsgParse, codec.MsgBind, codec.MsgDescribe, codec.MsgClose, codec.MsgExecute:
		// Extended-protocol messages: answered after the next Sync.
		l.unsynced = true
	case codec.MsgCopyDone, codec.MsgCopyFail:
		// The client ends its COPY data.
		if l.state == lkCopyIn || l.state == lkCopyBoth {
			l.to(lkLinked)
		}
	case codec.MsgCopyData, codec.MsgFlush:
		// COPY data, or a request to flush: nothing owed.
	default:
		panic("BUG: link sent a frame of type " + string(rune(typ)))
	}
}

// sentOwn records a sync point of pgdogd's own (a Query or a Sync it
// wrote): its replies are not the client's.
func (l *link) sentOwn() { l.point(ptOwn) }

// sentSettings records pgdogd's own query that gives the server the
// client's settings.
func (l *link) sentSettings() { l.point(ptSetting) }

// settingsReply reports whether the replies arriving now answer a query
// that gives the server settings.
func (l *link) settingsReply() bool {
	k := l.replying()
	return k == ptSetting || k == ptRestore
}

// sentSnapshot records pgdogd's own query that reads the session settings back.
func (l *link) sentSnapshot() { l.point(ptSnapshot) }

// sentRestore records pgdogd's own query that gives back startup settings.
func (l *link) sentRestore() { l.point(ptRestore) }

// sentPins records pgdogd's own query that asks which session state the server holds.
func (l *link) sentPins() { l.point(ptPins) }

// copyResponse records that the server entered COPY mode. Taking COPY
// data, PostgreSQL ignores the Syncs the client sent after the message that
// began the COPY (libpq sends Execute and Sync before any data): they will
// get no ReadyForQuery of their own.
func (l *link) copyResponse(typ byte) {
	if l.cl == nil {
		return // a COPY nobody asked for: the server is closed when it goes back (not idle)
	}
	switch typ {
	case codec.MsgCopyInResponse:
		l.to(lkCopyIn)
	case codec.MsgCopyOutResponse:
		l.to(lkCopyOut)
		return
	case codec.MsgCopyBothResponse:
		l.to(lkCopyBoth)
	}
	for n := l.recv; n < l.sent; n++ {
		if l.kind(n) == ptSync {
			l.kinds[n-l.base] = ptGone
		}
	}
}

// copyEnded records that the server left COPY mode (its CopyDone, or an error).
func (l *link) copyEnded() {
	if l.copying() {
		l.to(lkLinked)
	}
}

// readyForQuery records a ReadyForQuery: the oldest sync point is answered.
// It returns whether that was pgdogd's own request, or nothing was owed
// (then the reply is nobody's).
func (l *link) readyForQuery(status byte) (own bool) {
	l.skipGone()
	if l.recv == l.sent {
		return true
	}
	l.answered = l.kind(l.recv)
	own = isOwnKind(l.answered)
	l.recv++
	l.skipGone()
	l.tx = status
	l.copyEnded()
	l.settle()
	return own
}

// closeEntry is a Close sent to the server whose CloseComplete is owed.
type closeEntry struct {
	batch uint64 // sync points sent before it
	drop  bool   // pgdogd's own Close: its CloseComplete is not the client's
}

// oweParse records a Parse whose ParseComplete is to come.
func (l *link) oweParse(e parseEntry) {
	e.batch = l.sent
	l.parses = append(l.parses, e)
}

// oweClose records a Close whose CloseComplete is to come.
func (l *link) oweClose(drop bool) {
	l.closes = append(l.closes, closeEntry{batch: l.sent, drop: drop})
}

// parseComplete takes the entry a ParseComplete answers: the oldest owed
// one of a batch that has not failed.
func (l *link) parseComplete() (parseEntry, bool) {
	for l.parseAt < len(l.parses) {
		e := l.parses[l.parseAt]
		l.popParse()
		if e.batch >= l.recv {
			return e, true
		}
	}
	return parseEntry{}, false
}

// closeComplete reports whether a CloseComplete answers pgdogd's own Close.
func (l *link) closeComplete() (drop bool) {
	for l.closeAt < len(l.closes) {
		e := l.closes[l.closeAt]
		if l.closeAt++; l.closeAt == len(l.closes) {
			l.closes, l.closeAt = l.closes[:0], 0
		}
		if e.batch >= l.recv {
			return e.drop
		}
	}
	return false
}

// popParse drops the oldest owed Parse, reusing the array once it empties.
func (l *link) popParse() {
	l.parses[l.parseAt] = parseEntry{}
	if l.parseAt++; l.parseAt == len(l.parses) {
		l.parses, l.parseAt = l.parses[:0], 0
	}
}

// settle runs after a ReadyForQuery: the Parses and Closes of the batches
// answered so far that got no reply were skipped after an error. A skipped
// Parse created nothing on the server.
func (l *link) settle() {
	// Drops first: a refused DEALLOCATE ALL restores the view as it was
	// sent, and the Parses of the same batches then take out what failed.
	for l.dropAt < len(l.drops) && l.drops[l.dropAt].batch < l.recv {
		l.undoDrop()
		l.popDrop()
	}
	for l.parseAt < len(l.parses) && l.parses[l.parseAt].batch < l.recv {
		l.stmts.parseFailed(l.parses[l.parseAt])
		l.forgetFailed(l.parses[l.parseAt])
		l.popParse()
	}
	for l.closeAt < len(l.closes) && l.closes[l.closeAt].batch < l.recv {
		if l.closeAt++; l.closeAt == len(l.closes) {
			l.closes, l.closeAt = l.closes[:0], 0
		}
	}
}

// dropEntry is a client statement that drops prepared statements, sent and
// not answered yet. The client's names it drops were taken out of the
// client's view when it was sent, and DEALLOCATE ALL and DISCARD ALL took
// the statements out of the server's; they come back if it fails.
type dropEntry struct {
	batch   uint64
	owner   *client // nil when the client's view did not change
	all     bool    // DEALLOCATE ALL or DISCARD ALL
	name    string  // DEALLOCATE of this client name
	removed map[string]*prepared.Stmt
	server  map[int]uint64 // DEALLOCATE ALL, DISCARD ALL: the server's view before it
	seq     uint64         // the server view's drops counter after it was sent
}

// oweDrop records a DEALLOCATE or DISCARD ALL on its way.
func (l *link) oweDrop(e dropEntry) {
	e.batch = l.sent
	l.drops = append(l.drops, e)
}

// dropDone records the CommandComplete of a DEALLOCATE or DISCARD ALL: the
// oldest one still owed took effect (older ones of answered batches failed).
func (l *link) dropDone() {
	for l.dropAt < len(l.drops) {
		done := l.drops[l.dropAt].batch >= l.recv
		if !done {
			l.undoDrop()
		}
		l.popDrop()
		if done {
			return
		}
	}
}

func (l *link) popDrop() {
	l.drops[l.dropAt] = dropEntry{}
	if l.dropAt++; l.dropAt == len(l.drops) {
		l.drops, l.dropAt = l.drops[:0], 0
	}
}

// undoDrop gives back what the oldest owed drop took out, PostgreSQL having
// refused it: the server's statements, when nothing was dropped since; the
// client's names, unless it defined them again, or a drop sent after this
// one takes them (they go with that one's fate).
func (l *link) undoDrop() {
	e := &l.drops[l.dropAt]
	if e.server != nil && l.stmts.Holds(e.seq) {
		for id, tick := range e.server {
			l.stmts.Restore(id, tick)
		}
	}
	for name, st := range e.removed {
		if later := l.laterDrop(e.owner, name); later != nil {
			if later.removed == nil {
				later.removed = map[string]*prepared.Stmt{}
			}
			later.removed[name] = st
		} else if e.owner.stmts.named[name] == nil {
			e.owner.stmts.define(name, st)
		}
	}
}

// laterDrop returns the first drop owed after the oldest one that drops the
// client's name.
func (l *link) laterDrop(owner *client, name string) *dropEntry {
	for i := l.dropAt + 1; i < len(l.drops); i++ {
		if d := &l.drops[i]; d.owner == owner && (d.all || d.name == name) {
			if d.owner == nil {
				d.owner = owner
			}
			return d
		}
	}
	return nil
}

// forgetFailed takes a name whose Parse PostgreSQL refused out of the names
// owed drops would give back.
func (l *link) forgetFailed(e parseEntry) {
	if e.owner == nil || e.name == "" {
		return
	}
	for i := l.dropAt; i < len(l.drops); i++ {
		if d := &l.drops[i]; d.owner == e.owner && d.removed[e.name] == e.st {
			delete(d.removed, e.name)
		}
	}
}

// close marks the conversation over.
func (l *link) close() {
	l.to(lkClosed)
	l.cl = nil
}
