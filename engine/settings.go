// settings.go holds a client's session settings in transaction mode: what it changed, read back from the server, and put back on any server it gets.
package engine

import (
	"encoding/binary"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// A client that may have changed a setting in a transaction (SET, RESET,
// RESET ALL, SET ... TO DEFAULT, DISCARD ALL, set_config(), in any form and
// position) has the server's session settings read back when the
// transaction ends, by a query of pgdogd's own: PostgreSQL has then applied
// its own rules (a rolled-back SET is undone, SET LOCAL is gone, a
// committed SET stays), so what it reports is exactly the client's state.
// Settings the client chose at startup and has since reset go back to its
// startup value, as on its own connection. The client's settings are given
// to whichever server it gets next (link's settings query), and a released
// server's settings are known, so the next client's sync leaves nothing of
// this one.

// settingsQuery reads a server's session settings: the client's.
const settingsQuery = "SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session'"

// serverWholeSnapshot are the server frames read whole while the answer to
// settingsQuery is owed: its rows too.
var serverWholeSnapshot = func() codec.TypeSet {
	ts := serverWhole
	ts[codec.MsgDataRow>>6] |= 1 << (codec.MsgDataRow & 63)
	return ts
}()

// touchesSettings reports whether SQL text may change a session setting.
// A cheap look first (most statements have no "set" or "discard" at all),
// then each statement's first keyword.
func touchesSettings(sql []byte) bool {
	if !containsFold(sql, "set") && !containsFold(sql, "discard") {
		return false
	}
	if containsFold(sql, "set_config") {
		return true
	}
	stmts := sqlscan.Split(sql)
	for {
		text, _, ok := stmts.Next()
		if !ok {
			return false
		}
		if t, ok := sqlscan.FirstKeyword(text); ok && (t.Is(text, "set") || t.Is(text, "reset") || t.Is(text, "discard")) {
			return true
		}
	}
}

// containsFold reports whether b contains w (lower case) in any case.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if b[i]|0x20 == w[0] && hasPrefixFold(b[i:], w) {
			return true
		}
	}
	return false
}

// readSettings asks the server for its session settings (the link's
// settings are read back when the client's transaction has ended).
func (s *server) readSettings() {
	s.session = s.session[:0]
	s.l.rd.SetWhole(serverWholeSnapshot)
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], settingsQuery)
	_, _ = s.conn.Write(s.loop.scratch)
	s.l.sentSnapshot()
}

// settingRow records one row of settingsQuery's answer.
func (s *server) settingRow(body []byte) {
	var cols [2][]byte
	if len(body) < 2 || binary.BigEndian.Uint16(body) != 2 {
		return
	}
	body = body[2:]
	for i := range cols {
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
	s.session = s.session.set(string(cols[0]), string(cols[1]))
}

// settingsRead runs when settingsQuery is answered: the server's and the
// client's views take the session settings, a startup setting the client
// reset comes back, and what differs is given to the server now.
func (s *server) settingsRead(cl *client) {
	kept := s.params[:0]
	for _, p := range s.params {
		if p.reported && !s.session.has(p.name) {
			kept = append(kept, p)
		}
	}
	s.params = append(kept, s.session...)
	if cl == nil {
		return
	}
	want := s.session.clone()
	for _, p := range cl.chosen {
		if !want.has(p.name) {
			want = want.set(p.name, p.value) // reset: back to its startup value, as on its own connection
		}
	}
	cl.params = want
	cl.paramsGen++
	b, start := codec.BeginQuery(s.loop.scratch[:0])
	b, s.params = appendSync(b, s.params, cl.params, cl.pool.defs)
	if len(b) > start+codec.HeaderLen {
		b = codec.FinishQuery(b, start)
		_, _ = s.conn.Write(b)
		s.l.sentRestore()
	}
	s.loop.scratch = b[:0]
}
