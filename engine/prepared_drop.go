// prepared_drop.go holds DEALLOCATE and DISCARD ALL sent by clients: the statement views follow, and a client's names reach the server as the shared ones.
package engine

import (
	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// mayDrop is a cheap first look at SQL text: could it hold DEALLOCATE or
// DISCARD? Only then is it scanned.
func mayDrop(sql []byte) bool {
	for i := 0; i+7 <= len(sql); i++ {
		if c := sql[i] | 0x20; c == 'd' && (hasPrefixFold(sql[i:], "dealloc") || hasPrefixFold(sql[i:], "discard")) {
			return true
		}
	}
	return false
}

// dropTag reports whether a CommandComplete body is the tag of a statement
// that drops prepared statements: DEALLOCATE, DEALLOCATE ALL, DISCARD ALL.
func dropTag(body []byte) bool {
	return hasPrefixFold(body, "deallocate") || hasPrefixFold(body, "discard all")
}

// hasPrefixFold reports whether b starts with w (lower case) in any case.
func hasPrefixFold(b []byte, w string) bool {
	if len(b) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if b[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// queryDrops handles the statements of a simple Query that drop prepared
// statements: DEALLOCATE ALL and DISCARD ALL empty the views, DEALLOCATE
// name of a client's statement is sent as DEALLOCATE of its shared name.
func (cl *client) queryDrops(s *server, r *rewriter, p *codec.Piece, off int) {
	body := p.Body()
	sql := body
	if n := len(sql); n > 0 && sql[n-1] == 0 {
		sql = sql[:n-1]
	}
	if !mayDrop(sql) {
		return
	}
	out, _, rewritten := cl.rewriteDrops(s, r, off, sql, true)
	if !rewritten {
		return
	}
	r.cut(off, off+p.Size)
	var start int
	r.out, start = codec.BeginQuery(r.out)
	r.out = append(r.out, out...)
	r.out = codec.FinishQuery(r.out, start)
}

// rewriteDrops reads the drops in sql, a simple Query's text or (when
// !simple) a Parse's, and returns the text with every DEALLOCATE name of a
// client's statement renamed to the shared statement, which it makes sure
// the server has (for a simple Query, in a batch of pgdogd's own before
// it, as a Parse cannot precede a Query without a Sync). A simple Query's
// drops are recorded now; a Parse's when a Bind runs the statement (target
// is then the client's name it deallocates). rewritten is false when the
// text stays as it is.
func (cl *client) rewriteDrops(s *server, r *rewriter, off int, sql []byte, simple bool) (out []byte, target string, rewritten bool) {
	if !mayDrop(sql) {
		return nil, "", false
	}
	stmts := sqlscan.Split(sql)
	last := 0
	for {
		text, start, ok := stmts.Next()
		if !ok {
			break
		}
		d, ok := sqlscan.ParseDrop(text)
		if !ok {
			continue
		}
		name := string(d.Name(nil, text))
		st := cl.stmts.named[name]
		switch {
		case d.All && simple:
			cl.dropAll(s)
			continue
		case st == nil && simple:
			// Not the client's: PostgreSQL answers for it. A shared name
			// typed by hand drops a shared statement.
			id, _ := stmtID([]byte(name))
			cl.dropOne(s, id, "")
			continue
		case st == nil:
			continue
		}
		if !s.stmts.has(st.id) {
			if simple && s.l.unsynced {
				continue // no batch of pgdogd's own fits here: the client's name goes as it is
			}
			r.cut(off, off)
			cl.inject(s, r, st)
			if simple {
				r.out = codec.AppendSync(r.out)
				s.l.sentOwn()
			}
		}
		out = append(out, sql[last:start+d.NameStart]...)
		out = append(out, st.name...)
		last = start + d.NameEnd
		target = name
		if simple {
			cl.dropOne(s, st.id, name)
		}
	}
	if out == nil {
		return nil, "", false
	}
	return append(out, sql[last:]...), target, true
}
