// prepared_names.go holds the way back from shared statement names to a client's own, for PostgreSQL's error messages.

package engine

import (
	"bytes"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// A client's statements reach servers under shared names, and PostgreSQL
// names the statement in some errors ("bind message supplies 0 parameters,
// but prepared statement "__pgdogd_4" requires 1"). Such an error is
// rewritten with the client's name: the one it used last for that
// statement (renames are noted in a small ring, without allocating), else
// the one it still has, else the one it had before the statement was
// dropped or refused.
const (
	recentNames   = 8   // renames remembered per client
	maxRecentName = 128 // longer names are found in the client's view instead
)

// recentName is one rename: statement id and the client's name for it.
type recentName struct {
	id int
	n  int
	b  [maxRecentName]byte
}

// noteRename remembers that the client's name went to a server as statement id.
func (cs *clientStmts) noteRename(id int, name []byte) {
	if len(name) > maxRecentName {
		return
	}
	if cs.recent == nil {
		cs.recent = new([recentNames]recentName)
	}
	r := &cs.recent[cs.recentAt%recentNames]
	cs.recentAt++
	r.id, r.n = id, copy(r.b[:], name)
}

// noteGone remembers a client's name for a statement it no longer has.
func (cs *clientStmts) noteGone(id int, name string) {
	if cs.gone == nil || len(cs.gone) > 256 {
		cs.gone = map[int]string{}
	}
	cs.gone[id] = name
}

// nameOf returns the client's name for statement id, if it has or had one.
func (cs *clientStmts) nameOf(id int) (string, bool) {
	if cs.recent != nil {
		for i := 1; i <= recentNames; i++ {
			r := &cs.recent[(cs.recentAt-i+2*recentNames)%recentNames]
			if r.n > 0 && r.id == id {
				return string(r.b[:r.n]), true
			}
		}
	}
	for name, st := range cs.named {
		if st.ID == id {
			return name, true
		}
	}
	name, ok := cs.gone[id]
	return name, ok
}

// renameError returns a copy of an ErrorResponse or NoticeResponse frame
// in which every quoted shared name the client has a name for is replaced
// by that name, or nil when nothing is to be replaced. It builds the copy in
// the loop's scratch buffer.
func (cl *client) renameError(frame []byte) []byte {
	if !bytes.Contains(frame, []byte(`"`+prepared.Prefix)) {
		return nil
	}
	changed := false
	out := codec.AppendNoticeMapped(cl.loop.scratch[:0], frame, func(dst []byte, _ byte, v []byte) []byte {
		for {
			i := bytes.Index(v, []byte(`"`+prepared.Prefix))
			if i < 0 {
				return append(dst, v...)
			}
			end := bytes.IndexByte(v[i+1:], '"')
			if end < 0 {
				return append(dst, v...)
			}
			id, ok := prepared.ID(v[i+1 : i+1+end])
			name, known := cl.stmts.nameOf(id)
			if !ok || !known {
				dst = append(dst, v[:i+2+end]...)
			} else {
				dst = append(append(append(dst, v[:i+1]...), name...), '"')
				changed = true
			}
			v = v[i+2+end:]
		}
	})
	cl.loop.scratch = out[:0]
	if !changed {
		return nil
	}
	return out
}
