// settings.go holds a client's session settings in transaction mode: what it changed, read back from the server, and put back on any server it gets.

package engine

import (
	"encoding/binary"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/session"
)

// serverWholeSnapshot are the server frames read whole while the answer to
// settingsQuery is owed: its rows too.
var serverWholeSnapshot = func() codec.TypeSet {
	ts := serverWhole
	ts[codec.MsgDataRow>>6] |= 1 << (codec.MsgDataRow & 63)
	return ts
}()

// readSettings runs when the client's transaction has ended: a startup
// setting the client reset gets its startup value back (on its own
// connection RESET goes back to it), then the server's session settings
// are read back. Both go before any later request of the client.
func (s *server) readSettings(cl *client) {
	b := s.loop.scratch[:0]
	if len(cl.chosen) > 0 {
		b = session.AppendRestore(b, cl.chosen)
		s.l.sentRestore()
	}
	b = codec.AppendQuery(b, session.SettingsQuery)
	s.l.sentSnapshot()
	s.session = s.session[:0]
	s.l.rd.SetWhole(serverWholeSnapshot)
	_, _ = s.conn.Write(b)
	s.loop.scratch = b[:0]
}

// settingRow records one row of settingsQuery's answer.
func (s *server) settingRow(body []byte) {
	var cols [2][]byte
	if len(body) < 2 {
		return
	}
	n := int(binary.BigEndian.Uint16(body))
	if n != 1 && n != 2 {
		return
	}
	body = body[2:]
	for i := range cols[:n] {
		if len(body) < 4 {
			return
		}
		n := int(int32(binary.BigEndian.Uint32(body)))
		body = body[4:]
		if n < 0 || n > len(body) {
			return
		}
		cols[i], body = body[:n], body[n:]
	}
	switch {
	case n == 2:
		s.session = s.session.Set(string(cols[0]), string(cols[1]))
	case string(cols[0]) != "0": // the statement_timeout row: a setting when not the built-in default
		s.session = s.session.Set("statement_timeout", string(cols[0]))
	}
}

// settingsRead runs when settingsQuery is answered: the server's and the
// client's views take the session settings.
func (s *server) settingsRead(cl *client) {
	kept := s.params[:0]
	for _, p := range s.params {
		if p.Reported && !s.session.Has(p.Name) {
			kept = append(kept, p)
		}
	}
	s.params = append(kept, s.session...)
	if cl != nil {
		cl.params = s.session.Clone()
		cl.paramsGen++
	}
}
