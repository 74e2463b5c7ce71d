// pins.go holds the session state that pins a client to its server in transaction mode: its kinds, the query that asks a server for them, and the statements that may change them.

package session

import (
	"strings"

	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// Some session state lives in the server process and cannot be given to
// another server: LISTEN, session advisory locks, temporary objects, SQL
// PREPARE, cursors WITH HOLD, SET ROLE / SET SESSION AUTHORIZATION. A
// client that may have created or dropped such state in a transaction has
// the server asked, when the transaction ends, which kinds it holds: while
// any is left the client keeps its server, as in session mode, and a
// server it leaves is reset (DISCARD ALL) before going back to the pool.
// The server's answer, not the statements, decides: a LISTEN rolled back
// pins nothing, and the client is unpinned as soon as the state is gone,
// whatever removed it.

// PinKind is one kind of session state; pins are a bit set of them.
type PinKind uint8

const (
	PinListen PinKind = iota
	PinLock
	PinTemp
	PinPrepare
	PinCursor
	PinRole
	PinAuthorization
	NumPins
)

var PinNames = [NumPins]string{"listen", "advisory_lock", "temp", "prepare", "cursor", "role", "session_authorization"}

// PinReasons names the kinds in a bit set, comma-separated; "" when none.
func PinReasons(pins uint8) string {
	var names []string
	for k := range NumPins {
		if pins&(1<<k) != 0 {
			names = append(names, PinNames[k])
		}
	}
	return strings.Join(names, ",")
}

// PinQuery returns the query that answers which kinds of session state a
// server holds, as one integer bit set; user is the server login, against
// which SET SESSION AUTHORIZATION is seen.
func PinQuery(user string) string {
	var b strings.Builder
	// | and << share one precedence in PostgreSQL: every term is bracketed.
	b.WriteString(NoTimeout + "SELECT (EXISTS (SELECT FROM pg_catalog.pg_listening_channels()))::int" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid() AND locktype = 'advisory'))::int << 1)" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema()))::int << 2)" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_prepared_statements WHERE from_sql))::int << 3)" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable))::int << 4)" +
		" | ((current_user <> session_user)::int << 5)" +
		" | ((session_user <> ")
	b.Write(AppendLiteral(nil, user))
	b.WriteString(")::int << 6)")
	return b.String()
}

// pinWords are the first keywords of statements that may create state
// that pins (CREATE and SET only of temporary objects and roles), and
// unpinWords of those that may drop it; advisory locks are found by their
// functions' names.
var (
	pinWords   = []string{"listen", "prepare", "declare", "create", "set"}
	unpinWords = []string{"unlisten", "deallocate", "close", "discard", "drop", "reset"}
)

// TouchesPins reports whether SQL text may create state that pins the
// client (mayPin) or drop it (mayUnpin).
func TouchesPins(sql []byte) (mayPin, mayUnpin bool) {
	if sqlscan.ContainsFold(sql, "advisory") {
		return true, true
	}
	stmts := sqlscan.Split(sql)
	for {
		text, _, ok := stmts.Next()
		if !ok {
			return mayPin, mayUnpin
		}
		t, ok := sqlscan.FirstKeyword(text)
		if !ok {
			continue
		}
		mayPin = mayPin || firstWordIn(text, t, pinWords) && (!t.Is(text, "create") && !t.Is(text, "set") || pinnable(text))
		mayUnpin = mayUnpin || firstWordIn(text, t, unpinWords) && (!t.Is(text, "reset") || pinnable(text))
	}
}

// firstWordIn reports whether token t of text is one of words.
func firstWordIn(text []byte, t sqlscan.Token, words []string) bool {
	for _, w := range words {
		if t.Is(text, w) {
			return true
		}
	}
	return false
}

// pinnable tells, for CREATE, SET and RESET, the statements that may
// create or drop pinned state: temporary objects, ROLE, SESSION AUTHORIZATION.
func pinnable(text []byte) bool {
	return sqlscan.ContainsFold(text, "temp") || sqlscan.ContainsFold(text, "role") || sqlscan.ContainsFold(text, "authorization")
}

// Mark is what running a statement may change: session settings, or
// session state that pins the client (MayPin) or may unpin it (MayUnpin).
type Mark struct{ Settings, MayPin, MayUnpin bool }

// MarkOf reads SQL text for what it may change.
func MarkOf(sql []byte) Mark {
	m := Mark{Settings: TouchesSettings(sql)}
	m.MayPin, m.MayUnpin = TouchesPins(sql)
	return m
}
