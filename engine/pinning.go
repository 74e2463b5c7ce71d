// pinning.go holds the pinning of a client to its server in transaction mode while the server holds session state that cannot move.

package engine

import (
	"strings"

	"github.com/pgdogd/pgdogd/codec"
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

// pinKind is one kind of session state; pins are a bit set of them.
type pinKind uint8

const (
	pinListen pinKind = iota
	pinLock
	pinTemp
	pinPrepare
	pinCursor
	pinRole
	pinAuthorization
	numPins
)

var pinNames = [numPins]string{"listen", "advisory_lock", "temp", "prepare", "cursor", "role", "session_authorization"}

// pinReasons names the kinds in a bit set, comma-separated; "" when none.
func pinReasons(pins uint8) string {
	var names []string
	for k := range numPins {
		if pins&(1<<k) != 0 {
			names = append(names, pinNames[k])
		}
	}
	return strings.Join(names, ",")
}

// pinQuery returns the query that answers which kinds of session state a
// server holds, as one integer bit set; user is the server login, against
// which SET SESSION AUTHORIZATION is seen.
func pinQuery(user string) string {
	var b strings.Builder
	// | and << share one precedence in PostgreSQL: every term is bracketed.
	b.WriteString(noTimeout + "SELECT (EXISTS (SELECT FROM pg_catalog.pg_listening_channels()))::int" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid() AND locktype = 'advisory'))::int << 1)" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema()))::int << 2)" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_prepared_statements WHERE from_sql))::int << 3)" +
		" | ((EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable))::int << 4)" +
		" | ((current_user <> session_user)::int << 5)" +
		" | ((session_user <> ")
	b.Write(appendLiteral(nil, user))
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

// touchesPins reports whether SQL text may create state that pins the
// client (mayPin) or drop it (mayUnpin).
func touchesPins(sql []byte) (mayPin, mayUnpin bool) {
	if containsFold(sql, "advisory") {
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
	return containsFold(text, "temp") || containsFold(text, "role") || containsFold(text, "authorization")
}

// askPins asks the server which kinds of session state it holds, when its
// client's transaction has ended.
func (s *server) askPins() {
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], pinQuery(s.pool.cfg.serverUser))
	_, _ = s.conn.Write(s.loop.scratch)
	s.l.rd.SetWhole(serverWholeSnapshot)
	s.l.sentPins()
}

// pinRow reads the answer to pinQuery: the client is pinned by what is left.
func (s *server) pinRow(cl *client, body []byte) {
	s.pins = 0
	var n int
	if len(body) >= 6 && body[0] == 0 && body[1] == 1 {
		for _, c := range body[6:] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
	}
	s.pins = uint8(n)
	if cl != nil {
		cl.pin(s.pins)
	}
}

// pin sets the kinds of session state that keep the client on its server.
func (cl *client) pin(pins uint8) {
	if !cl.e.cfg.Load().General.PinSessionState {
		pins = 0
	}
	for k := range numPins {
		if pins&(1<<k) != 0 && cl.pins&(1<<k) == 0 {
			cl.e.stats.pins[k].Add(1)
		}
	}
	cl.pins = pins
}
