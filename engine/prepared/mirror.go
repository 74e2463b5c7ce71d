// mirror.go holds the rewrite that makes a captured transaction's prepared statements exist on a mirror connection.

package prepared

import (
	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// RewriteForMirror appends req, one captured request, to dst, made safe for
// a mirror connection whose statements are ss (c: the shared cache): a Parse of a shared statement the connection
// already has becomes an unnamed Parse (its ParseComplete is discarded
// anyway), a Bind or Describe of a shared statement it lacks is preceded
// by that statement's Close and Parse, and the statements the capture
// closes or deallocates leave the connection's view. w carries a frame
// that spans requests from one call to the next; such frames are copied as
// they are, after what their first piece calls for (mirrorFirstPiece).
func RewriteForMirror(c *Cache, ss *ServerView, w *codec.Walker, dst, req []byte) []byte {
	for off := 0; off < len(req); {
		p, err := w.Next(req[off:])
		if err != nil || len(p.Bytes) == 0 {
			w.Reset()
			return append(dst, req[off:]...)
		}
		off += len(p.Bytes)
		if !p.Whole() {
			if p.First {
				dst = mirrorFirstPiece(c, ss, dst, p.Type, p.Bytes[codec.HeaderLen:])
			}
			dst = append(dst, p.Bytes...)
			continue
		}
		body := p.Body()
		switch p.Type {
		case codec.MsgParse:
			name, query, types, ok := ParseBody(body)
			if !ok {
				break
			}
			mirrorDrops(ss, query)
			if id, shared := ID(name); shared {
				if ss.Has(id) {
					dst = codec.AppendParse(dst, "", query, types)
					continue
				}
				ss.Add(id)
			}
		case codec.MsgBind:
			if _, rest, ok := CString(body); ok {
				name, _, _ := CString(rest)
				dst = mirrorEnsure(c, ss, dst, name)
			}
		case codec.MsgDescribe:
			if len(body) > 1 && body[0] == 'S' {
				name, _, _ := CString(body[1:])
				dst = mirrorEnsure(c, ss, dst, name)
			}
		case codec.MsgClose:
			if len(body) > 1 && body[0] == 'S' {
				if id, shared := ID(body[1 : len(body)-1]); shared {
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
func mirrorFirstPiece(c *Cache, ss *ServerView, dst []byte, typ byte, body []byte) []byte {
	switch typ {
	case codec.MsgBind:
		if _, rest, ok := CString(body); ok {
			if name, _, ok := CString(rest); ok {
				dst = mirrorEnsure(c, ss, dst, name)
			}
		}
	case codec.MsgDescribe:
		if len(body) > 1 && body[0] == 'S' {
			if name, _, ok := CString(body[1:]); ok {
				dst = mirrorEnsure(c, ss, dst, name)
			}
		}
	case codec.MsgParse:
		name, _, ok := CString(body)
		if id, shared := ID(name); ok && shared {
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
func mirrorDrops(ss *ServerView, sql []byte) {
	if !MayDrop(sql) {
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
			ss.Reset()
		default:
			if id, shared := ID(d.Name(nil, stmt)); shared {
				ss.Forget(id)
			}
		}
	}
}

// mirrorEnsure appends the Close and Parse of a shared statement the
// connection may lack.
func mirrorEnsure(c *Cache, ss *ServerView, dst, name []byte) []byte {
	id, shared := ID(name)
	if !shared || ss.Has(id) {
		return dst
	}
	st := c.ByName(name)
	if st == nil {
		return dst
	}
	ss.Add(id)
	dst = codec.AppendClose(dst, 'S', st.Name)
	return append(dst, st.Parse...)
}
