// prepared_drop.go holds DEALLOCATE and DISCARD ALL sent by clients: the client's and the server's statement views follow what PostgreSQL does.

package engine

import (
	"slices"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// refused predicts PostgreSQL's refusal of a drop from what the link knows
// for sure: in a failed transaction every statement is refused, and DISCARD
// ALL inside a transaction block or among other statements of one Query.
func refused(s *server, d prepared.Dropping, multi, first bool) bool {
	known := !s.l.clientSyncOwed() && first // a statement before it may end the transaction
	return known && s.l.tx == codec.TxFailed || d.Discard && (multi || known && s.l.tx == codec.TxInBlock)
}

// queryDrops handles the statements of a simple Query that drop prepared
// statements, and rewrites the Query when it deallocates a client's names.
func (cl *client) queryDrops(s *server, r *rewriter, p *codec.Piece, off int) {
	sql := p.Body()
	if n := len(sql); n > 0 && sql[n-1] == 0 {
		sql = sql[:n-1]
	}
	if !prepared.MayDrop(sql) {
		return
	}
	multi := prepared.CountStatements(sql) > 1
	var out []byte
	var effects []func()
	var gone []string // names an earlier statement of this Query drops
	all := false      // an earlier statement of this Query drops every name
	last, holders := 0, 0
	stmts := sqlscan.Split(sql)
	for i := 0; ; i++ {
		text, start, ok := stmts.Next()
		if !ok {
			break
		}
		d, ok := sqlscan.ParseDrop(text)
		if !ok {
			continue
		}
		dr := prepared.Dropping{All: d.All, Discard: d.Discard}
		name := string(d.Name(nil, text))
		st := cl.stmts.named[name]
		if all || slices.Contains(gone, name) {
			st = nil // gone by then: PostgreSQL answers for the name as it is
		}
		var to string // the name the server gets instead
		switch {
		case refused(s, dr, multi, i == 0):
			effects = append(effects, func() { s.l.oweDrop(dropEntry{}) }) // nothing changes
		case d.All:
			effects = append(effects, func() { cl.dropAll(s) })
			all = true
		case st != nil && cl.stmts.unconfirmed[name]:
			// Its Parse is not answered yet: the shared name makes PostgreSQL
			// refuse the DEALLOCATE if the Parse fails.
			to = st.Name
			effects = append(effects, func() { cl.dropNameShared(s, name, st) })
		case st != nil && !s.l.unsynced:
			to = prepared.Placeholder(holders)
			holders++
			effects = append(effects, func() { cl.dropName(s, name) })
		default:
			// Not the client's (or no batch of pgdogd's own fits before
			// it): PostgreSQL answers for it as it is. A shared name typed
			// by hand drops a shared statement.
			id, _ := prepared.ID([]byte(name))
			effects = append(effects, func() { cl.dropShared(s, id) })
		}
		if to != "" {
			out = append(append(out, sql[last:start+d.NameStart]...), to...)
			last = start + d.NameEnd
			gone = append(gone, name)
		}
	}
	if holders > 0 {
		cl.preparePlaceholders(s, r, off, holders, true) // first: the drops belong to the Query's batch
	}
	for _, f := range effects {
		f()
	}
	if out == nil {
		return
	}
	r.cut(off, off+p.Size)
	var begin int
	r.out, begin = codec.BeginQuery(r.out)
	r.out = append(append(r.out, out...), sql[last:]...)
	r.out = codec.FinishQuery(r.out, begin)
}

// preparePlaceholders inserts, before r.buf[off], a Close and an empty
// Parse of each of n placeholders, whose replies are hidden; for a simple
// Query they form a batch of pgdogd's own (a Parse cannot precede a Query
// without a Sync).
func (cl *client) preparePlaceholders(s *server, r *rewriter, off, n int, batch bool) {
	r.cut(off, off)
	for i := 0; i < n; i++ {
		r.out = codec.AppendClose(r.out, 'S', prepared.Placeholder(i))
		s.l.oweClose(true)
		r.out = codec.AppendParse(r.out, prepared.Placeholder(i), nil, []byte{0, 0})
		s.l.oweParse(parseEntry{drop: true})
	}
	if batch {
		r.out = codec.AppendSync(r.out)
		s.l.sentOwn()
	}
}

// parseDrops reads a Parse's text: DEALLOCATE of a name the client has is
// rewritten to DEALLOCATE of placeholder 0 (prepared at each Bind), and the
// name it deallocates is returned.
func (cl *client) parseDrops(query []byte) (sql []byte, target string, rewritten bool) {
	if !prepared.MayDrop(query) {
		return nil, "", false
	}
	d, ok := sqlscan.ParseDrop(query)
	if !ok || d.All {
		return nil, "", false
	}
	name := string(d.Name(nil, query))
	st := cl.stmts.named[name]
	if st == nil {
		return nil, "", false // PostgreSQL answers for the name as it is
	}
	to := prepared.Placeholder(0)
	if cl.stmts.unconfirmed[name] {
		to = st.Name // its Parse is not answered yet: PostgreSQL refuses if it fails
	}
	sql = append(append([]byte(nil), query[:d.NameStart]...), to...)
	return append(sql, query[d.NameEnd:]...), name, true
}

// bindDrops runs at a Bind of portal to a statement that drops statements
// (d; target: the client's name it deallocates): a placeholder is prepared
// when it needs one, and what it drops is recorded when its Execute is sent.
func (cl *client) bindDrops(s *server, r *rewriter, off int, portal []byte, d prepared.Dropping, target string) {
	if d.Named {
		cl.preparePlaceholders(s, r, off, 1, false)
	}
	if cl.stmts.portals == nil {
		cl.stmts.portals = map[string]portalDrop{}
	}
	cl.stmts.portals[string(portal)] = portalDrop{d: d, target: target}
}

// portalDrop is what a bound portal drops when it is executed.
type portalDrop struct {
	d      prepared.Dropping
	target string
}

// executeDrops runs at an Execute: a portal bound to a statement that drops
// statements drops them now.
func (cl *client) executeDrops(s *server, p *codec.Piece) {
	portal, _, ok := prepared.CString(p.Body())
	if !ok {
		return
	}
	pd, found := cl.stmts.portals[string(portal)]
	if !found {
		return
	}
	delete(cl.stmts.portals, string(portal))
	switch {
	case refused(s, pd.d, false, true):
		s.l.oweDrop(dropEntry{})
	case pd.d.All:
		cl.dropAll(s)
	case pd.d.Named:
		cl.dropName(s, pd.target)
	case pd.target != "" && cl.stmts.named[pd.target] != nil:
		cl.dropNameShared(s, pd.target, cl.stmts.named[pd.target])
	default:
		cl.dropShared(s, pd.d.ID)
	}
}

// dropName records that the client's name is going: it comes back if
// PostgreSQL refuses the DEALLOCATE.
func (cl *client) dropName(s *server, name string) {
	st := cl.stmts.named[name]
	if st == nil {
		s.l.oweDrop(dropEntry{})
		return
	}
	cl.stmts.forget(name)
	s.l.oweDrop(dropEntry{owner: cl, name: name, removed: map[string]*prepared.Stmt{name: st}})
}

// dropShared records a DEALLOCATE that reaches the server as it is: of a
// shared statement (id > 0), which leaves the server's view, or of a name
// that is not the client's.
func (cl *client) dropShared(s *server, id int) {
	if id > 0 {
		s.stmts.Dropped(id)
	}
	s.l.oweDrop(dropEntry{})
}

// dropNameShared records a DEALLOCATE of the client's name sent as
// DEALLOCATE of its shared statement, which leaves the server's view.
func (cl *client) dropNameShared(s *server, name string, st *prepared.Stmt) {
	s.stmts.Dropped(st.ID)
	cl.dropName(s, name)
}

// dropAll records that every prepared statement of the server and the
// client's names are going (DEALLOCATE ALL, DISCARD ALL); they come back if
// PostgreSQL refuses. The client keeps its unnamed statement, as
// PostgreSQL does.
func (cl *client) dropAll(s *server) {
	removed := cl.stmts.named
	cl.stmts.named = nil
	for name, st := range removed {
		cl.stmts.noteGone(st.ID, name)
		delete(cl.stmts.unconfirmed, name)
	}
	view, seq := s.stmts.Save()
	s.stmts.reset()
	s.l.oweDrop(dropEntry{owner: cl, all: true, removed: removed, server: view, seq: seq})
}
