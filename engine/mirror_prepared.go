// mirror_prepared.go holds the rewrite that makes a captured transaction's prepared statements exist on a mirror connection.
package engine

import (
	"github.com/pgdogd/pgdogd/codec"
)

// mirrorRewrite appends req to dst, made safe for the mirror connection s:
// a Parse of a shared statement the connection already has becomes an
// unnamed Parse (its ParseComplete is discarded anyway), and a Bind or
// Describe of a shared statement it lacks is preceded by that statement's
// Parse. Frames that span requests are copied as they are.
func (e *Engine) mirrorRewrite(s *server, dst, req []byte) []byte {
	ss := &s.stmts
	off := 0
	for off < len(req) {
		typ, size, complete, err := codec.NextFrame(req[off:], codec.DefaultMaxFrame)
		if err != nil || !complete {
			return append(dst, req[off:]...)
		}
		frame := req[off : off+size]
		body := frame[codec.HeaderLen:]
		off += size
		switch typ {
		case codec.MsgParse:
			name, query, types, ok := parseBody(body)
			if id, shared := stmtID(name); ok && shared {
				if ss.has(id) {
					dst = appendParse(dst, "", query, types)
					continue
				}
				ss.add(id)
			}
		case codec.MsgBind:
			if _, rest, ok := cstring(body); ok {
				name, _, _ := cstring(rest)
				dst = e.mirrorEnsure(ss, dst, name)
			}
		case codec.MsgDescribe:
			if len(body) > 1 && body[0] == 'S' {
				name, _, _ := cstring(body[1:])
				dst = e.mirrorEnsure(ss, dst, name)
			}
		case codec.MsgQuery:
			if discardsAll(body) {
				ss.reset()
			}
		}
		dst = append(dst, frame...)
	}
	return dst
}

// mirrorEnsure appends the Parse of a shared statement the connection lacks.
func (e *Engine) mirrorEnsure(ss *serverStmts, dst, name []byte) []byte {
	id, shared := stmtID(name)
	if !shared || ss.has(id) {
		return dst
	}
	st := e.stmts.byName(name)
	if st == nil {
		return dst
	}
	ss.add(id)
	return append(dst, st.parse...)
}
