// prepared_conn.go holds prepared statements per client and per server, and the rewrite of the client's extended-protocol frames.
package engine

import (
	"sort"

	"github.com/pgdogd/pgdogd/codec"
)

// clientStmts is a client's view: its statement names, and its last unnamed Parse.
type clientStmts struct {
	named      map[string]*stmt
	unnamed    []byte // the last Parse of the unnamed statement, whole frame (a copy)
	unnamedGen uint64 // bumped at each unnamed Parse
}

// parseEntry is a Parse sent to a server whose ParseComplete is still owed.
type parseEntry struct {
	batch uint64 // sync points sent before it
	drop  bool   // pgdogd's own Parse: its ParseComplete is not the client's
	id    int    // statement marked prepared when it was sent; 0 for unnamed
	// owner and name: the client's name this Parse defines, forgotten
	// again if PostgreSQL rejects or skips the Parse.
	owner *client
	name  string
	st    *stmt
}

// serverStmts is what one server has prepared.
type serverStmts struct {
	set        map[int]uint64 // statement id -> last use, for LRU eviction
	tick       uint64
	unnamedBy  *client // whose unnamed statement the server holds
	unnamedGen uint64
	queue      []parseEntry // owed ParseCompletes are queue[head:]
	head       int
	syncs      uint64 // sync points (Query, Sync, FunctionCall) sent
	zSeen      uint64 // ReadyForQuery received for them
}

func (ss *serverStmts) has(id int) bool {
	_, ok := ss.set[id]
	if ok {
		ss.tick++
		ss.set[id] = ss.tick
	}
	return ok
}

func (ss *serverStmts) add(id int) {
	if ss.set == nil {
		ss.set = map[int]uint64{}
	}
	ss.tick++
	ss.set[id] = ss.tick
}

// parseCompleted consumes the oldest owed ParseComplete: drop tells whether
// to hide it from the client.
func (ss *serverStmts) parseCompleted() (drop bool) {
	for ss.head < len(ss.queue) {
		e := ss.queue[ss.head]
		ss.pop()
		if e.batch < ss.zSeen {
			continue // its batch failed before it
		}
		return e.drop
	}
	return false
}

// owe records a Parse whose ParseComplete is to come.
func (ss *serverStmts) owe(e parseEntry) { ss.queue = append(ss.queue, e) }

// pop drops the oldest owed entry, reusing the array once it empties.
func (ss *serverStmts) pop() {
	ss.head++
	if ss.head == len(ss.queue) {
		ss.queue, ss.head = ss.queue[:0], 0
	}
}

// readyForQuery closes a sync point: Parses of it that got no ParseComplete failed.
func (ss *serverStmts) readyForQuery() {
	ss.zSeen++
	for ss.head < len(ss.queue) && ss.queue[ss.head].batch < ss.zSeen {
		e := ss.queue[ss.head]
		ss.pop()
		if e.id != 0 {
			delete(ss.set, e.id)
		} else {
			ss.unnamedBy = nil
		}
		if e.owner != nil && e.owner.stmts.named[e.name] == e.st {
			delete(e.owner.stmts.named, e.name)
		}
	}
}

// reset forgets everything (DISCARD ALL, DEALLOCATE ALL).
func (ss *serverStmts) reset() {
	clear(ss.set)
	ss.unnamedBy = nil
}

// evictions returns the least recently used statements beyond limit.
func (ss *serverStmts) evictions(limit int) []int {
	if limit <= 0 || len(ss.set) <= limit {
		return nil
	}
	ids := make([]int, 0, len(ss.set))
	for id := range ss.set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ss.set[ids[i]] < ss.set[ids[j]] })
	return ids[:len(ids)-limit]
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

// finish returns the bytes to write for buf[:end].
func (r *rewriter) finish(end int) []byte {
	if r.out == nil {
		return r.buf[r.from:end]
	}
	r.out = append(r.out, r.buf[r.from:end]...)
	r.from = end
	r.ls.out = r.out[:0]
	return r.out
}

// prepareFrame handles one complete Parse, Bind, Describe, Close or Query
// frame at buf[off:off+size] for prepared statements: it may inject Parses
// before it, rename it, or replace it.
func (cl *client) prepareFrame(s *server, r *rewriter, typ byte, off, size int) {
	frame := r.buf[off : off+size]
	body := frame[codec.HeaderLen:]
	ss := &s.stmts
	switch typ {
	case codec.MsgParse:
		cl.prepareParse(s, r, frame, off, size)
	case codec.MsgBind:
		// Bind portal, statement: make sure the statement is on this server.
		_, rest, ok := cstring(body)
		if !ok {
			return
		}
		name, _, _ := cstring(rest)
		cl.ensure(s, r, frame, off, size, len(body)-len(rest), name)
		cl.e.stmts.binds.Add(1)
	case codec.MsgDescribe:
		// Describe of a statement (not a portal) needs the statement too.
		if len(body) > 1 && body[0] == 'S' {
			name, _, _ := cstring(body[1:])
			cl.ensure(s, r, frame, off, size, 1, name)
		}
	case codec.MsgClose:
		// Close of a named statement: forget it for this client only; the
		// server answers CloseComplete for a name that never exists.
		if len(body) > 1 && body[0] == 'S' && body[1] != 0 {
			name, _, _ := cstring(body[1:])
			delete(cl.stmts.named, string(name))
			r.cut(off, off+size)
			r.out = appendRenamed(r.out, frame, 1, stmtPrefix+"closed")
		}
	case codec.MsgQuery:
		// DISCARD ALL and DEALLOCATE ALL drop every statement, the client's and the server's.
		if discardsAll(body) {
			clear(cl.stmts.named)
			cl.stmts.unnamed = cl.stmts.unnamed[:0]
			ss.reset()
			return
		}
		// DEALLOCATE name of a statement pgdogd renamed: forget it for this
		// client; the server runs DEALLOCATE ALL, so its view resets too.
		if name, ok := deallocateName(body); ok && cl.stmts.named[string(name)] != nil {
			delete(cl.stmts.named, string(name))
			r.cut(off, off+size)
			r.out = codec.AppendQuery(r.out, "DEALLOCATE ALL")
			ss.reset()
		}
	}
}

// prepareParse sends a named Parse under the shared name, or, when the
// server already has that statement, as an unnamed Parse so that the client
// still gets its ParseComplete in order.
func (cl *client) prepareParse(s *server, r *rewriter, frame []byte, off, size int) {
	ss := &s.stmts
	name, query, types, ok := parseBody(frame[codec.HeaderLen:])
	if !ok {
		return
	}
	if len(name) == 0 {
		cl.stmts.unnamed = append(cl.stmts.unnamed[:0], frame...)
		cl.stmts.unnamedGen++
		cl.cap.parsedUnnamed = true
		ss.unnamedBy, ss.unnamedGen = cl, cl.stmts.unnamedGen
		ss.owe(parseEntry{batch: ss.syncs})
		return
	}
	st := cl.e.stmts.get(query, types)
	cl.e.stmts.parses.Add(1)
	if cl.stmts.named == nil {
		cl.stmts.named = map[string]*stmt{}
	}
	key := string(name)
	cl.stmts.named[key] = st
	r.cut(off, off+size)
	if ss.has(st.id) {
		r.out = appendParse(r.out, "", query, types)
		ss.unnamedBy = nil
		ss.owe(parseEntry{batch: ss.syncs, owner: cl, name: key, st: st})
		return
	}
	r.out = append(r.out, st.parse...)
	ss.add(st.id)
	ss.owe(parseEntry{batch: ss.syncs, id: st.id, owner: cl, name: key, st: st})
}

// ensure makes the statement a Bind or Describe names exist on the server,
// injecting its Parse when missing, and renames the frame to the shared name.
func (cl *client) ensure(s *server, r *rewriter, frame []byte, off, size, nameAt int, name []byte) {
	ss := &s.stmts
	if len(name) == 0 {
		if (ss.unnamedBy != cl || ss.unnamedGen != cl.stmts.unnamedGen || cl.cap.buf != nil && !cl.cap.parsedUnnamed) && len(cl.stmts.unnamed) > 0 {
			r.cut(off, off)
			r.out = append(r.out, cl.stmts.unnamed...)
			ss.unnamedBy, ss.unnamedGen = cl, cl.stmts.unnamedGen
			ss.owe(parseEntry{batch: ss.syncs, drop: true})
			cl.cap.parsedUnnamed = true
		}
		return
	}
	st := cl.stmts.named[string(name)]
	if st == nil {
		return // PostgreSQL answers that it does not exist
	}
	r.cut(off, off+size)
	if !ss.has(st.id) {
		r.out = append(r.out, st.parse...)
		ss.add(st.id)
		ss.owe(parseEntry{batch: ss.syncs, drop: true, id: st.id})
	}
	r.out = appendRenamed(r.out, frame, nameAt, st.name)
}

// discardsAll reports whether a query is DISCARD ALL or DEALLOCATE [PREPARE] ALL.
func discardsAll(body []byte) bool {
	q := trimSQL(body)
	switch {
	case hasPrefixFold(q, "discard"):
		return hasWordAfter(q[7:], "all")
	case hasPrefixFold(q, "deallocate"):
		rest := trimSQL(q[10:])
		if hasPrefixFold(rest, "prepare") {
			rest = rest[7:]
		}
		return hasWordAfter(rest, "all")
	}
	return false
}

func trimSQL(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

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

func hasWordAfter(b []byte, w string) bool {
	b = trimSQL(b)
	if !hasPrefixFold(b, w) {
		return false
	}
	rest := trimSQL(b[len(w):])
	return len(rest) == 0 || rest[0] == ';' || rest[0] == 0
}

// answerParses answers, without a server, a run of named Parse frames ended
// by a Sync when the client is between transactions (libpq's PQprepare,
// pgbench -M prepared): the statements are recorded and sent to a server
// only when a Bind or Describe needs them. It returns the bytes consumed, 0
// when buf does not start with such a run (or it is not complete yet).
func (cl *client) answerParses(buf []byte) int {
	off, parses := 0, 0
	for {
		typ, size, complete, err := codec.NextFrame(buf[off:], cl.e.maxMessage())
		if err != nil || !complete {
			return 0
		}
		switch typ {
		case codec.MsgParse:
			name, _, _, ok := parseBody(buf[off+codec.HeaderLen : off+size])
			if !ok || len(name) == 0 {
				return 0
			}
			parses++
			off += size
			continue
		case codec.MsgSync:
			off += size
		default:
			return 0
		}
		break
	}
	if parses == 0 {
		return 0
	}
	out := cl.loop.scratch[:0]
	for pos := 0; pos < off; {
		_, size, _, _ := codec.NextFrame(buf[pos:], cl.e.maxMessage())
		if buf[pos] == codec.MsgParse {
			name, query, types, _ := parseBody(buf[pos+codec.HeaderLen : pos+size])
			if cl.stmts.named == nil {
				cl.stmts.named = map[string]*stmt{}
			}
			cl.stmts.named[string(name)] = cl.e.stmts.get(query, types)
			cl.e.stmts.parses.Add(1)
			out = append(out, codec.MsgParseComplete, 0, 0, 0, 4)
		}
		pos += size
	}
	out = codec.AppendReadyForQuery(out, 'I')
	_, _ = cl.conn.Write(out)
	cl.loop.scratch = out[:0]
	return off
}

// deallocateName reads DEALLOCATE [PREPARE] name (a plain or double-quoted
// identifier, an optional semicolon); ALL is not a name.
func deallocateName(body []byte) ([]byte, bool) {
	q := trimSQL(body)
	if !hasPrefixFold(q, "deallocate") {
		return nil, false
	}
	q = trimSQL(q[len("deallocate"):])
	if hasPrefixFold(q, "prepare") && len(q) > 7 && (q[7] == ' ' || q[7] == '\t' || q[7] == '\n') {
		q = trimSQL(q[len("prepare"):])
	}
	var name []byte
	if len(q) > 0 && q[0] == '"' {
		end := 1
		for end < len(q) && q[end] != '"' {
			end++
		}
		if end == len(q) {
			return nil, false
		}
		name, q = q[1:end], q[end+1:]
	} else {
		end := 0
		for end < len(q) && (q[end] == '_' || q[end] >= '0' && q[end] <= '9' || q[end]|0x20 >= 'a' && q[end]|0x20 <= 'z') {
			end++
		}
		if end == 0 {
			return nil, false
		}
		name, q = q[:end], q[end:]
		if hasPrefixFold(name, "all") && len(name) == 3 {
			return nil, false
		}
		for i, ch := range name { // unquoted identifiers fold to lower case
			if ch >= 'A' && ch <= 'Z' {
				name = append([]byte(nil), name...)
				for j := i; j < len(name); j++ {
					if name[j] >= 'A' && name[j] <= 'Z' {
						name[j] += 'a' - 'A'
					}
				}
				break
			}
		}
	}
	rest := trimSQL(q)
	if len(rest) > 0 && rest[0] == ';' {
		rest = trimSQL(rest[1:])
	}
	if len(rest) > 0 && !(len(rest) == 1 && rest[0] == 0) {
		return nil, false
	}
	return name, true
}
