// sql.go holds the SQL pgdogd sends of its own about settings: the sync of a server's settings to a client's, their reading back, and their restoring.

package session

import (
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

// SettingsQuery reads a server's session settings: the client's. The
// client's statement_timeout is read first (cheaply, before it could cut
// the query), then lifted for the rest.
const SettingsQuery = "SELECT pg_catalog.current_setting('statement_timeout');" + NoTimeout +
	"SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session' AND name <> 'statement_timeout'"

// AppendSync appends to sql the statements that make a server with settings
// have into one with settings want, where defs are a fresh server's values.
// It returns the new server settings. No statement is added when they agree.
func AppendSync(sql []byte, have, want, defs Params) ([]byte, Params) {
	for _, w := range want {
		if readOnlyNames[w.Name] {
			continue // it describes the server or the role: never set by pgdogd
		}
		if v, ok := have.Get(w.Name); ok && v == w.Value {
			continue
		}
		sql = appendSet(sql, w.Name, w.Value)
		if !w.Reported { // a reported one is recorded as the server reports it (ParameterStatus)
			have = have.Set(w.Name, w.Value)
		}
	}
	for i := 0; i < len(have); i++ {
		h := have[i]
		if readOnlyNames[h.Name] || want.Has(h.Name) {
			continue
		}
		if d, ok := defs.Get(h.Name); ok {
			if d != h.Value {
				sql = appendSet(sql, h.Name, d)
				have[i].Value = d
			}
			continue
		}
		sql = append(sql, "RESET "...)
		sql = appendIdent(sql, h.Name)
		sql = append(sql, ';')
		have = append(have[:i], have[i+1:]...)
		i--
	}
	return sql, have
}

// NoTimeout opens each query of pgdogd's own that must not be cut by the
// statement_timeout a client left on the server: the query's statements run
// in one implicit transaction, where this setting lasts until its end.
const NoTimeout = "SET LOCAL statement_timeout = 0;"

// AppendSettingsQuery appends the Query that makes a server with settings
// have into one with settings want (defs: a fresh server's values), and
// returns the server's new settings; ok is false, and b as it was, when
// they already agree.
func AppendSettingsQuery(b []byte, have, want, defs Params) (out []byte, after Params, ok bool) {
	out, start := codec.BeginQuery(b)
	out = append(out, NoTimeout...)
	body := len(out)
	out, after = AppendSync(out, have, want, defs)
	if len(out) == body {
		return b, after, false
	}
	return codec.FinishQuery(out, start), after, true
}

// appendSet sets a parameter with set_config, which reads the value as a
// startup parameter would be read (a list stays a list: search_path = 'a, b').
func appendSet(sql []byte, name, value string) []byte {
	sql = append(sql, "SELECT pg_catalog.set_config("...)
	sql = AppendLiteral(sql, name)
	sql = append(sql, ", "...)
	sql = AppendLiteral(sql, value)
	return append(sql, ", false);"...)
}

// appendIdent quotes an identifier for SQL.
func appendIdent(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// AppendLiteral quotes a string literal for SQL (standard_conforming_strings on, as E” is not needed).
func AppendLiteral(b []byte, s string) []byte {
	b = append(b, 'E', '\'')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			b = append(b, '\'', '\'')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, s[i])
		}
	}
	return append(b, '\'')
}

// TouchesSettings reports whether SQL text may change a session setting.
// A cheap look first (most statements have no "set" or "discard" at all),
// then each statement's first keyword.
func TouchesSettings(sql []byte) bool {
	if !sqlscan.ContainsFold(sql, "set") && !sqlscan.ContainsFold(sql, "discard") {
		return false
	}
	if sqlscan.ContainsFold(sql, "set_config") {
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

// AppendRestore appends the query that sets each of the client's startup
// settings back to its startup value where the session no longer has it.
// statement_timeout comes first, before the client's own value is lifted
// (which hides whether the session has it): it is given back when it is at
// its built-in default, 0, as after a RESET.
func AppendRestore(b []byte, chosen Params) []byte {
	b, start := codec.BeginQuery(b)
	if v, ok := chosen.Get("statement_timeout"); ok {
		b = append(b, "SELECT pg_catalog.set_config('statement_timeout', "...)
		b = AppendLiteral(b, v)
		b = append(b, ", false) WHERE pg_catalog.current_setting('statement_timeout') = '0';"...)
	}
	b = append(b, NoTimeout+"SELECT pg_catalog.set_config(v.n, v.v, false) FROM (VALUES "...)
	n := 0
	for _, p := range chosen {
		if p.Name == "statement_timeout" {
			continue
		}
		if n++; n > 1 {
			b = append(b, ", "...)
		}
		b = append(b, '(')
		b = AppendLiteral(b, p.Name)
		b = append(b, ", "...)
		b = AppendLiteral(b, p.Value)
		b = append(b, ')')
	}
	if n == 0 {
		b = append(b, "(NULL, NULL)"...)
	}
	b = append(b, ") AS v(n, v) WHERE v.n IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_settings s WHERE lower(s.name) = v.n AND s.source = 'session')"...)
	return codec.FinishQuery(b, start)
}
