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

// settingsQuery reads a server's session settings: the client's. The
// client's statement_timeout is read first (cheaply, before it could cut
// the query), then lifted for the rest.
const settingsQuery = "SELECT pg_catalog.current_setting('statement_timeout');" + noTimeout +
	"SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session' AND name <> 'statement_timeout'"

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
		if hasPrefixFold(b[i:], w) {
			return true
		}
	}
	return false
}

// readSettings runs when the client's transaction has ended: a startup
// setting the client reset gets its startup value back (on its own
// connection RESET goes back to it), then the server's session settings
// are read back. Both go before any later request of the client.
func (s *server) readSettings(cl *client) {
	b := s.loop.scratch[:0]
	if len(cl.chosen) > 0 {
		b = appendRestore(b, cl.chosen)
		s.l.sentRestore()
	}
	b = codec.AppendQuery(b, settingsQuery)
	s.l.sentSnapshot()
	s.session = s.session[:0]
	s.l.rd.SetWhole(serverWholeSnapshot)
	_, _ = s.conn.Write(b)
	s.loop.scratch = b[:0]
}

// appendRestore appends the query that sets each of the client's startup
// settings back to its startup value where the session no longer has it.
// statement_timeout comes first, before the client's own value is lifted
// (which hides whether the session has it): it is given back when it is at
// its built-in default, 0, as after a RESET.
func appendRestore(b []byte, chosen params) []byte {
	b, start := codec.BeginQuery(b)
	if v, ok := chosen.get("statement_timeout"); ok {
		b = append(b, "SELECT pg_catalog.set_config('statement_timeout', "...)
		b = appendLiteral(b, v)
		b = append(b, ", false) WHERE pg_catalog.current_setting('statement_timeout') = '0';"...)
	}
	b = append(b, noTimeout+"SELECT pg_catalog.set_config(v.n, v.v, false) FROM (VALUES "...)
	n := 0
	for _, p := range chosen {
		if p.name == "statement_timeout" {
			continue
		}
		if n++; n > 1 {
			b = append(b, ", "...)
		}
		b = append(b, '(')
		b = appendLiteral(b, p.name)
		b = append(b, ", "...)
		b = appendLiteral(b, p.value)
		b = append(b, ')')
	}
	if n == 0 {
		b = append(b, "(NULL, NULL)"...)
	}
	b = append(b, ") AS v(n, v) WHERE v.n IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_settings s WHERE lower(s.name) = v.n AND s.source = 'session')"...)
	return codec.FinishQuery(b, start)
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
		s.session = s.session.set(string(cols[0]), string(cols[1]))
	case string(cols[0]) != "0": // the statement_timeout row: a setting when not the built-in default
		s.session = s.session.set("statement_timeout", string(cols[0]))
	}
}

// settingsRead runs when settingsQuery is answered: the server's and the
// client's views take the session settings.
func (s *server) settingsRead(cl *client) {
	kept := s.params[:0]
	for _, p := range s.params {
		if p.reported && !s.session.has(p.name) {
			kept = append(kept, p)
		}
	}
	s.params = append(kept, s.session...)
	if cl != nil {
		cl.params = s.session.clone()
		cl.paramsGen++
	}
}
