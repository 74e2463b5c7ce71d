// mirror_prepared.go holds the rewrite that makes a captured transaction's prepared statements exist on a mirror connection.

package engine

import (
	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// mirrorRewrite appends req, one captured request, to dst, made safe for
// a mirror connection whose statements are ss: a Parse of a shared statement the connection
// already has becomes an unnamed Parse (its ParseComplete is discarded
// anyway), a Bind or Describe of a shared statement it lacks is preceded
// by that statement's Close and Parse, and the statements the capture
// closes or deallocates leave the connection's view. w carries a frame
// that spans requests from one call to the next; such frames are copied as
// they are, after what their first piece calls for (mirrorFirstPiece).
func (e *Engine) mirrorRewrite(ss *serverStmts, w *codec.Walker, dst, req []byte) []byte {
	for off := 0; off < len(req); {
		p, err := w.Next(req[off:])
		if err != nil || len(p.Bytes) == 0 {
			w.Reset()
			return append(dst, req[off:]...)
		}
		off += len(p.Bytes)
		if !p.Whole() {
			if p.First {
				dst = e.mirrorFirstPiece(ss, dst, p.Type, p.Bytes[codec.HeaderLen:])
			}
			dst = append(dst, p.Bytes...)
			continue
		}
		body := p.Body()
		switch p.Type {
		case codec.MsgParse:
			name, query, types, ok := prepared.ParseBody(body)
			if !ok {
				break
			}
			mirrorDrops(ss, query)
			if id, shared := prepared.ID(name); shared {
				if ss.Has(id) {
					dst = codec.AppendParse(dst, "", query, types)
					continue
				}
				ss.Add(id)
			}
		case codec.MsgBind:
			if _, rest, ok := prepared.CString(body); ok {
				name, _, _ := prepared.CString(rest)
				dst = e.mirrorEnsure(ss, dst, name)
			}
		case codec.MsgDescribe:
			if len(body) > 1 && body[0] == 'S' {
				name, _, _ := prepared.CString(body[1:])
				dst = e.mirrorEnsure(ss, dst, name)
			}
		case codec.MsgClose:
			if len(body) > 1 && body[0] == 'S' {
				if id, shared := prepared.ID(body[1 : len(body)-1]); shared {
					ss.Forget(id)
				}
			}
		case codec.MsgQuery:
			mirrorDrops(ss, body)
		}
		dst = append(dst, p.Bytes...)
	}
	return dst
}

// mirrorFirstPiece handles the start of a frame too large for one piece (a Bind with a
// large parameter, a Parse of a long query), given the part of its body the piece holds:
// a Bind or Describe of a shared statement the connection lacks is preceded by its Close and
// Parse, as whole ones; a Parse of a shared statement the connection has is preceded by its
// Close (a whole one would become unnamed, which needs all of it). Names the piece does not
// hold whole are left alone.
func (e *Engine) mirrorFirstPiece(ss *serverStmts, dst []byte, typ byte, body []byte) []byte {
	switch typ {
	case codec.MsgBind:
		if _, rest, ok := prepared.CString(body); ok {
			if name, _, ok := prepared.CString(rest); ok {
				dst = e.mirrorEnsure(ss, dst, name)
			}
		}
	case codec.MsgDescribe:
		if len(body) > 1 && body[0] == 'S' {
			if name, _, ok := prepared.CString(body[1:]); ok {
				dst = e.mirrorEnsure(ss, dst, name)
			}
		}
	case codec.MsgParse:
		name, _, ok := prepared.CString(body)
		if id, shared := prepared.ID(name); ok && shared {
			if ss.Has(id) {
				dst = codec.AppendClose(dst, 'S', string(name))
			}
			ss.Add(id)
		}
	}
	return dst
}

// mirrorDrops applies the DEALLOCATE and DISCARD ALL statements of sql to
// a mirror connection's view. The capture holds shared names already.
func mirrorDrops(ss *serverStmts, sql []byte) {
	if !prepared.MayDrop(sql) {
		return
	}
	stmts := sqlscan.Split(sql)
	for {
		stmt, _, ok := stmts.Next()
		if !ok {
			return
		}
		d, ok := sqlscan.ParseDrop(stmt)
		switch {
		case !ok:
		case d.All:
			ss.reset()
		default:
			if id, shared := prepared.ID(d.Name(nil, stmt)); shared {
				ss.Forget(id)
			}
		}
	}
}

// mirrorEnsure appends the Close and Parse of a shared statement the
// connection may lack.
func (e *Engine) mirrorEnsure(ss *serverStmts, dst, name []byte) []byte {
	id, shared := prepared.ID(name)
	if !shared || ss.Has(id) {
		return dst
	}
	st := e.stmts.ByName(name)
	if st == nil {
		return dst
	}
	ss.Add(id)
	dst = codec.AppendClose(dst, 'S', st.Name)
	return append(dst, st.Parse...)
}
