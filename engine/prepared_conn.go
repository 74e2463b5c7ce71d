// prepared_conn.go holds prepared statements per client and per server, and the rewrite of the client's extended-protocol frames.

package engine

import (
	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// clientStmts is a client's view: its statement names, and its last unnamed Parse.
type clientStmts struct {
	named      map[string]*prepared.Stmt
	unnamed    []byte // the last Parse of the unnamed statement, whole frame (a copy); nil when it must not be re-sent
	unnamedGen uint64 // bumped at each unnamed Parse
	// unnamedDrops: what the unnamed statement drops when it runs, and the
	// client's name it deallocates (DEALLOCATE name, renamed).
	unnamedDrops    prepared.Dropping
	unnamedDropName string
	// deallocs: for the client's named statements that are DEALLOCATE name,
	// the client's name each deallocates.
	deallocs map[*prepared.Stmt]string
	// portals: the bound portals whose Execute drops statements.
	portals map[string]portalDrop
	// unconfirmed: names whose Parse went to a server and is not answered yet.
	unconfirmed map[string]bool
	// cleanup holds client names pgdogd created on the server to make it
	// refuse a duplicate Parse; they are closed after the client's next Sync.
	cleanup []string
	// recent, recentAt and gone map shared names back to the client's (see prepared_names.go).
	recent   *[recentNames]recentName
	recentAt int
	gone     map[int]string
}

// forget drops a client's name for a statement.
func (cs *clientStmts) forget(name string) {
	if st := cs.named[name]; st != nil {
		cs.noteGone(st.ID, name) // errors of requests already sent may still name it
	}
	delete(cs.named, name)
	delete(cs.unconfirmed, name)
}

// define gives a client's name to a statement.
func (cs *clientStmts) define(name string, st *prepared.Stmt) {
	if cs.named == nil {
		cs.named = map[string]*prepared.Stmt{}
	}
	if old := cs.named[name]; old != nil && old != st {
		cs.noteGone(old.ID, name) // errors of requests already sent may still name it
	}
	cs.named[name] = st
}

// parseEntry is a Parse sent to a server whose ParseComplete is still owed.
type parseEntry struct {
	batch uint64 // sync points sent before it (set by link.oweParse)
	drop  bool   // pgdogd's own Parse: its ParseComplete is not the client's
	id    int    // statement marked prepared when it was sent; 0 for unnamed
	// owner and name: the client's name this Parse defines, forgotten
	// again if PostgreSQL rejects or skips the Parse.
	owner *client
	name  string
	st    *prepared.Stmt // the statement, marked validated by its ParseComplete
	prev  *prepared.Stmt // the statement the name had before, given back if the Parse fails
}

// serverStmts is what one server has prepared (prepared.ServerView), and
// whose unnamed statement it holds.
type serverStmts struct {
	prepared.ServerView
	unnamedBy  *client // whose unnamed statement the server holds
	unnamedGen uint64
}

// parseFailed undoes what a Parse that PostgreSQL rejected or skipped was
// expected to define.
func (ss *serverStmts) parseFailed(e parseEntry) {
	if e.id != 0 {
		ss.Failed(e.id) // a view saved before this Parse failed no longer holds
	} else {
		ss.unnamedBy = nil
	}
	if e.owner != nil && e.name != "" && e.owner.stmts.named[e.name] == e.st {
		e.owner.stmts.forget(e.name)
		if e.prev != nil {
			e.owner.stmts.define(e.name, e.prev)
		}
	}
}

// reset forgets everything (DISCARD ALL, DEALLOCATE ALL).
func (ss *serverStmts) reset() {
	ss.Reset()
	ss.unnamedBy = nil
}

// rewriter builds the bytes sent to a server when some frames must change.
// out stays nil while the client's bytes go out untouched.
type rewriter struct {
	buf  []byte // the client's peeked bytes
	out  []byte // nil until a frame changes; then everything from buf[0] on, rewritten
	from int    // first byte of buf not yet copied to out
	ls   *loopState
}

// cut copies the untouched bytes before at into out and skips to next.
func (r *rewriter) cut(at, next int) {
	if r.out == nil {
		r.out = r.ls.out[:0]
	}
	r.out = append(r.out, r.buf[r.from:at]...)
	r.from = next
}

// finish returns the bytes to write for buf[:end]. They are valid until the
// loop's next rewrite.
func (r *rewriter) finish(end int) []byte {
	if r.out == nil {
		return r.buf[r.from:end]
	}
	r.out = append(r.out, r.buf[r.from:end]...)
	r.from = end
	r.ls.out = r.out[:0]
	return r.out
}

// inject appends the Parse of a shared statement the server may lack,
// preceded by a Close of the same name (a no-op when it is absent) so that
// the Parse cannot collide with a copy pgdogd lost track of. Both replies
// are hidden.
func (cl *client) inject(s *server, r *rewriter, st *prepared.Stmt) {
	r.out = codec.AppendClose(r.out, 'S', st.Name)
	s.l.oweClose(true)
	r.out = append(r.out, st.Parse...)
	s.l.oweParse(parseEntry{drop: true, id: st.ID, st: st})
	s.stmts.SentParse(st.ID, s.l.sent)
}

// prepareFrame handles one Parse, Bind, Describe, Close or Query frame at
// r.buf[off:] for prepared statements: it may inject frames before it,
// rename it, or replace it. Frames of those types arrive whole (clientWhole).
func (cl *client) prepareFrame(s *server, r *rewriter, p *codec.Piece, off int) {
	if !p.Whole() {
		return
	}
	body := p.Body()
	switch p.Type {
	case codec.MsgParse:
		// A statement to prepare: shared name, or a refused duplicate.
		cl.prepareParse(s, r, p, off)
	case codec.MsgBind:
		// Bind portal, statement: the statement must be on this server.
		_, rest, ok := prepared.CString(body)
		if !ok {
			return
		}
		name, _, _ := prepared.CString(rest)
		cl.ensure(s, r, p, off, len(body)-len(rest), name)
		cl.e.stmts.Binds.Add(1)
	case codec.MsgDescribe:
		// Describe of a statement (not a portal) needs the statement too.
		if len(body) > 1 && body[0] == 'S' {
			name, _, _ := prepared.CString(body[1:])
			cl.ensure(s, r, p, off, 1, name)
		}
	case codec.MsgClose:
		// Close of a statement or portal.
		cl.prepareClose(s, r, p, off)
	case codec.MsgQuery:
		// SQL that drops prepared statements.
		cl.queryDrops(s, r, p, off)
	case codec.MsgExecute:
		// A portal that drops prepared statements runs.
		if len(cl.stmts.portals) > 0 {
			cl.executeDrops(s, p)
		}
	}
}

// prepareClose forwards a Close. A named statement is forgotten for this
// client only: the server gets a name that never exists, for which it
// answers CloseComplete as for any absent statement.
func (cl *client) prepareClose(s *server, r *rewriter, p *codec.Piece, off int) {
	body := p.Body()
	s.l.oweClose(false)
	if len(body) < 2 || body[0] != 'S' {
		return
	}
	if body[1] == 0 { // the unnamed statement
		cl.stmts.unnamed = nil
		if s.stmts.unnamedBy == cl {
			s.stmts.unnamedBy = nil
		}
		return
	}
	name, _, _ := prepared.CString(body[1:])
	cl.stmts.forget(string(name))
	r.cut(off, off+p.Size)
	r.out = codec.AppendRenamed(r.out, p.Bytes, 1, prepared.Prefix+"closed")
}

// prepareParse sends a named Parse under the shared name, or, when the
// server already has that statement, as an unnamed Parse so that the client
// still gets its ParseComplete in order.
func (cl *client) prepareParse(s *server, r *rewriter, p *codec.Piece, off int) {
	ss := &s.stmts
	name, query, types, ok := prepared.ParseBody(p.Body())
	if !ok {
		return // malformed: PostgreSQL answers it
	}
	if len(name) == 0 {
		cl.parseUnnamed(s, r, p, off, query, types)
		return
	}
	prev := cl.stmts.named[string(name)]
	switch {
	case prev != nil && !cl.stmts.unconfirmed[string(name)]:
		cl.refuseDuplicate(s, r, off, name)
		return
	case prev != nil:
		cl.probeDuplicate(s, r, off, prev, name)
	}
	sql, target, rewritten := cl.parseDrops(query)
	if rewritten {
		query = sql // DEALLOCATE of a client's name, through a placeholder
	}
	st := cl.e.stmts.Get(query, types)
	if rewritten {
		if cl.stmts.deallocs == nil {
			cl.stmts.deallocs = map[*prepared.Stmt]string{}
		}
		cl.stmts.deallocs[st] = target
	}
	cl.e.stmts.Parses.Add(1)
	key := string(name)
	cl.stmts.define(key, st)
	if cl.stmts.unconfirmed == nil {
		cl.stmts.unconfirmed = map[string]bool{}
	}
	cl.stmts.unconfirmed[key] = true
	r.cut(off, off+p.Size)
	if ss.Has(st.ID) {
		r.out = codec.AppendParse(r.out, "", query, types)
		ss.unnamedBy = nil
		s.l.oweParse(parseEntry{owner: cl, name: key, st: st, prev: prev})
		return
	}
	r.out = codec.AppendClose(r.out, 'S', st.Name)
	s.l.oweClose(true)
	r.out = append(r.out, st.Parse...)
	ss.Add(st.ID) // the client's own: if it fails, PostgreSQL would not have the name either
	s.l.oweParse(parseEntry{id: st.ID, owner: cl, name: key, st: st, prev: prev})
}

// refuseDuplicate makes PostgreSQL itself refuse a Parse of a name the
// client already has (42P05, its own message): an empty statement under the
// client's name goes first, so the client's Parse collides with it; the
// name is closed again after the client's next Sync.
func (cl *client) refuseDuplicate(s *server, r *rewriter, off int, name []byte) {
	r.cut(off, off)
	r.out = codec.AppendParse(r.out, string(name), nil, []byte{0, 0})
	s.l.oweParse(parseEntry{drop: true})
	s.l.oweParse(parseEntry{})
	cl.stmts.cleanup = append(cl.stmts.cleanup, string(name))
}

// probeDuplicate runs before a Parse of a name whose earlier Parse
// (statement prev) is not answered yet: PostgreSQL must refuse this one
// (42P05) exactly when that one took. The earlier Parse went under prev's
// shared name, preceded by a Close, so the server has that name exactly
// when it took: an empty Parse of it collides then (its error is renamed to
// the client's name) and fails the batch; otherwise it is closed again and
// the client's Parse defines the name.
func (cl *client) probeDuplicate(s *server, r *rewriter, off int, prev *prepared.Stmt, name []byte) {
	cl.stmts.noteRename(prev.ID, name) // the error names the client's statement
	r.cut(off, off)
	r.out = codec.AppendParse(r.out, prev.Name, nil, []byte{0, 0})
	s.l.oweParse(parseEntry{drop: true})
	r.out = codec.AppendClose(r.out, 'S', prev.Name)
	s.l.oweClose(true)
	s.stmts.Dropped(prev.ID)
}

// cleanupAfterSync closes, as a batch of pgdogd's own right after the
// client's Sync that ends at r.buf[end], the names refuseDuplicate created.
func (cl *client) cleanupAfterSync(s *server, r *rewriter, end int) {
	r.cut(end, end)
	for _, name := range cl.stmts.cleanup {
		r.out = codec.AppendClose(r.out, 'S', name)
		s.l.oweClose(true)
	}
	r.out = codec.AppendSync(r.out)
	s.l.sentOwn()
	cl.stmts.cleanup = cl.stmts.cleanup[:0]
}

// parseUnnamed records the client's unnamed statement, which a Bind on
// another server may need again. DEALLOCATE name is renamed to the shared
// statement it drops.
func (cl *client) parseUnnamed(s *server, r *rewriter, p *codec.Piece, off int, query, types []byte) {
	ss := &s.stmts
	cl.stmts.unnamedGen++
	cl.cap.parsedUnnamed = true
	ss.unnamedBy, ss.unnamedGen = cl, cl.stmts.unnamedGen
	s.l.oweParse(parseEntry{owner: nil})
	if sql, target, rewritten := cl.parseDrops(query); rewritten {
		r.cut(off, off+p.Size)
		r.out = codec.AppendParse(r.out, "", sql, types)
		cl.stmts.unnamedDrops, cl.stmts.unnamedDropName = prepared.DroppingOf(sql), target
		cl.stmts.unnamed = nil // the name it deallocates is not the client's in another transaction
		return
	}
	cl.stmts.unnamedDrops, cl.stmts.unnamedDropName = prepared.DroppingOf(query), ""
	cl.stmts.unnamed = append(cl.stmts.unnamed[:0], p.Bytes...)
}

// ensure makes the statement a Bind or Describe names exist on the server,
// injecting its Parse when missing, and renames the frame to the shared
// name. A Bind of DEALLOCATE ALL or DISCARD ALL drops the statements.
func (cl *client) ensure(s *server, r *rewriter, p *codec.Piece, off, nameAt int, name []byte) {
	ss := &s.stmts
	if len(name) == 0 {
		mine := ss.unnamedBy == cl && ss.unnamedGen == cl.stmts.unnamedGen
		switch {
		case len(cl.stmts.unnamed) > 0 && (!mine || cl.cap.buf != nil && !cl.cap.parsedUnnamed):
			// The client's unnamed statement, prepared again here (and in
			// the mirrors' recording).
			r.cut(off, off)
			r.out = append(r.out, cl.stmts.unnamed...)
			ss.unnamedBy, ss.unnamedGen = cl, cl.stmts.unnamedGen
			s.l.oweParse(parseEntry{drop: true, owner: cl})
			cl.cap.parsedUnnamed = true
		case !mine && len(cl.stmts.unnamed) == 0:
			// The server's unnamed statement is not this client's: closed,
			// so that the client's Bind fails as PostgreSQL would have it.
			r.cut(off, off)
			r.out = codec.AppendClose(r.out, 'S', "")
			s.l.oweClose(true)
			ss.unnamedBy = nil
		}
		cl.bound(s, r, p, off, cl.stmts.unnamedDrops, cl.stmts.unnamedDropName)
		return
	}
	st := cl.stmts.named[string(name)]
	if st == nil {
		return // PostgreSQL answers that it does not exist
	}
	cl.bound(s, r, p, off, st.Drops, cl.stmts.deallocs[st])
	r.cut(off, off+p.Size)
	if !ss.Sure(st.ID, s.l.sent) {
		cl.inject(s, r, st)
	}
	r.out = codec.AppendRenamed(r.out, p.Bytes, nameAt, st.Name)
	cl.stmts.noteRename(st.ID, name)
}

// bound runs at a Bind (not a Describe) of a statement: a portal bound to a
// statement that drops statements has that done at its Execute; binding
// another statement to the portal forgets it.
func (cl *client) bound(s *server, r *rewriter, p *codec.Piece, off int, d prepared.Dropping, target string) {
	if p.Type != codec.MsgBind || len(cl.stmts.portals) == 0 && d == (prepared.Dropping{}) {
		return
	}
	portal, _, _ := prepared.CString(p.Body())
	delete(cl.stmts.portals, string(portal))
	if d != (prepared.Dropping{}) {
		cl.bindDrops(s, r, off, portal, d, target)
	}
}

// answerParses answers, without a server, a run of named Parse frames ended
// by a Sync when the client is between transactions (libpq's PQprepare,
// pgbench -M prepared) and a server has already accepted every one of the
// statements: they are recorded and sent to a server only when a Bind or
// Describe needs them. It returns the bytes consumed, 0 when buf does not
// start with such a run (or it is not complete yet): then the Parses go to
// a server, which checks them.
func (cl *client) answerParses(buf []byte) int {
	off := 0
	var w codec.Walker
	var names [][]byte // aliases buf
	for {
		p, err := w.Next(buf[off:])
		if err != nil || !p.Whole() {
			return 0
		}
		if p.Type == codec.MsgSync {
			off += p.Size
			break
		}
		if p.Type != codec.MsgParse {
			return 0
		}
		name, query, types, ok := prepared.ParseBody(p.Body())
		if !ok || len(name) == 0 || cl.stmts.named[string(name)] != nil {
			return 0
		}
		if st := cl.e.stmts.Find(query, types); st == nil || !st.Validated.Load() || st.Drops != (prepared.Dropping{}) {
			return 0
		}
		for _, n := range names {
			if string(n) == string(name) {
				return 0 // the run repeats a name: the server refuses the second
			}
		}
		names = append(names, name)
		off += p.Size
	}
	out := cl.loop.scratch[:0]
	for pos := 0; pos < off; {
		p, _ := w.Next(buf[pos:])
		if p.Type == codec.MsgParse {
			name, query, types, _ := prepared.ParseBody(p.Body())
			cl.stmts.define(string(name), cl.e.stmts.Get(query, types))
			cl.e.stmts.Parses.Add(1)
			out = codec.AppendParseComplete(out)
		}
		pos += p.Size
	}
	out = codec.AppendReadyForQuery(out, codec.TxIdle)
	_, _ = cl.conn.Write(out)
	cl.loop.scratch = out[:0]
	return off
}
