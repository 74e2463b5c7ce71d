// route.go holds the read/write classification of statements for replica routing and the routing hints a client gives in comments.

package sqlscan

import "bytes"

// ReadOnly reports whether every statement of sql (a Query message's text,
// perhaps of several statements, or a Parse message's; a NUL byte ends it)
// only reads, so that a replica can run it. It errs towards false: the
// primary runs anything. These read, by PgDog's rules, made stricter where
// PgDog would send a replica what fails there (SELECT INTO, currval...):
//
//   - SELECT, VALUES, TABLE and WITH ... SELECT, unless a word of the
//     statement writes or locks: INSERT, UPDATE, DELETE or MERGE anywhere (a
//     writable CTE, FOR [NO KEY] UPDATE, or an identifier of that name:
//     false errs safely), FOR SHARE, FOR KEY SHARE, INTO (SELECT INTO creates
//     a table), or a call of a function that writes or holds state on the
//     server it runs on (nextval, setval, currval, lastval, the advisory
//     locks, pg_notify, set_config, txid_current, large-object writes,
//     backend and WAL control; see wordClass). Functions the user wrote are
//     not known: a SELECT of one that writes fails on a replica, as with PgDog;
//   - EXPLAIN [ANALYZE] [VERBOSE] or EXPLAIN (options) of such a read; of
//     anything else it is a write, with or without ANALYZE;
//   - COPY ... TO (of a table, or of a query that reads); COPY ... FROM writes;
//   - SHOW (PgDog sends it to the primary; a setting's value reads the same on
//     a replica).
//
// Everything else is not a read: INSERT, UPDATE, DELETE, MERGE, DDL, CALL, DO,
// LOCK, VACUUM, ANALYZE, transaction control (BEGIN, COMMIT, SAVEPOINT...: an
// explicit transaction is routed as a whole, see StartsTransaction), SET and
// RESET (session state, which the proxy tracks itself), LISTEN, NOTIFY, UNLISTEN, PREPARE, EXECUTE,
// DECLARE, FETCH, DEALLOCATE, DISCARD, and a text without statements.
//
// Unlike PgDog, which routes a text by its first statement, every statement
// must read.
func ReadOnly(sql []byte) bool {
	stmts := Split(sql)
	seen := false
	for {
		stmt, _, ok := stmts.Next()
		if !ok {
			return seen
		}
		if !readStatement(stmt) {
			return false
		}
		seen = true
	}
}

// readStatement reports whether the single statement stmt only reads.
func readStatement(stmt []byte) bool {
	toks := Tokenize(stmt)
	t, ok := toks.Next()
	if !ok {
		return false
	}
	switch {
	case t.Is(stmt, "explain"):
		return readExplain(stmt, toks)
	case t.Is(stmt, "copy"):
		return readCopy(stmt, toks)
	case t.Is(stmt, "show"):
		return true // a setting's value: the list of reads has it, where PgDog sends it to the primary
	}
	return readQuery(stmt, t, toks)
}

// readQuery reports whether the query that starts with t (then toks) is a
// SELECT, VALUES, TABLE or WITH, perhaps in parentheses, that only reads.
func readQuery(stmt []byte, t Token, toks Tokens) bool {
	for isPunct(stmt, t, '(') {
		var ok bool
		if t, ok = toks.Next(); !ok {
			return false
		}
	}
	if !t.Is(stmt, "select") && !t.Is(stmt, "with") && !t.Is(stmt, "values") && !t.Is(stmt, "table") {
		return false
	}
	return noWrites(stmt, toks)
}

// readExplain reports whether an EXPLAIN, whose tokens after EXPLAIN are toks,
// explains a query that only reads.
func readExplain(stmt []byte, toks Tokens) bool {
	t, ok := toks.Next()
	if ok && isPunct(stmt, t, '(') { // EXPLAIN (options)
		for depth := 1; depth > 0; {
			if t, ok = toks.Next(); !ok {
				return false
			}
			switch {
			case isPunct(stmt, t, '('):
				depth++
			case isPunct(stmt, t, ')'):
				depth--
			}
		}
		t, ok = toks.Next()
	}
	for ok && (t.Is(stmt, "analyze") || t.Is(stmt, "analyse") || t.Is(stmt, "verbose")) {
		t, ok = toks.Next()
	}
	return ok && readQuery(stmt, t, toks)
}

// readCopy reports whether a COPY, whose tokens after COPY are toks, copies
// out (TO) a table or a query that only reads.
func readCopy(stmt []byte, toks Tokens) bool {
	rest := toks
	depth := 0
	for {
		t, ok := toks.Next()
		switch {
		case !ok:
			return false
		case isPunct(stmt, t, '('):
			depth++
		case isPunct(stmt, t, ')'):
			depth--
		case depth != 0:
		case t.Is(stmt, "from"):
			return false
		case t.Is(stmt, "to"):
			return noWrites(stmt, rest)
		}
	}
}

// noWrites reports whether none of toks writes or locks: see ReadOnly.
func noWrites(stmt []byte, toks Tokens) bool {
	for {
		t, ok := toks.Next()
		if !ok {
			return true
		}
		switch t.Kind {
		case Word:
			w := stmt[t.Start:t.End]
			if wordClass(w, true) != 0 {
				return false
			}
			if equalFold(w, "for") && locking(stmt, toks) {
				return false
			}
		case QuotedIdent:
			if writesQuoted(stmt[t.Start:t.End]) {
				return false
			}
		}
	}
}

// locking reports whether the tokens after a FOR make a locking clause: FOR
// UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE.
func locking(stmt []byte, toks Tokens) bool {
	t, _ := toks.Next()
	return t.Is(stmt, "update") || t.Is(stmt, "share") || t.Is(stmt, "no") || t.Is(stmt, "key")
}

// writesQuoted reports whether the quoted identifier q names a function
// wordClass knows: "nextval" is nextval, "NEXTVAL" is not. A U&"..."
// identifier counts as one, its escapes unread.
func writesQuoted(q []byte) bool {
	if q[0] != '"' {
		return true
	}
	if len(q) < 2 || q[len(q)-1] != '"' || bytes.IndexByte(q[1:len(q)-1], '"') >= 0 {
		return true // unterminated, or a "" inside: no function of ours
	}
	return wordClass(q[1:len(q)-1], false) == writeFunc
}

// The classes of words noWrites looks for.
const (
	writeWord uint8 = iota + 1 // a keyword that makes a statement write: INSERT, INTO...
	writeFunc                  // a function that writes or holds server state
)

// wordClass returns the class of the word w, 0 for none; fold tells whether
// w is an unquoted word, compared case-insensitively, or a quoted
// identifier's body, compared as is (and never a keyword). PgDog counts
// nextval, setval and the advisory locks (pg_advisory_*, pg_try_advisory_*)
// as writes; the other functions here are writes too since they change data,
// fail on a replica, or keep or act on state of the server that runs them.
func wordClass(w []byte, fold bool) uint8 {
	if len(w) > maxRouteWord {
		return 0
	}
	var buf [maxRouteWord]byte
	for i, c := range w {
		if fold && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	lw := buf[:len(w)]
	if hasPrefix(lw, "pg_advisory_") || hasPrefix(lw, "pg_try_advisory_") {
		return writeFunc
	}
	switch string(lw) {
	case "insert", "update", "delete", "merge", "into":
		if fold {
			return writeWord
		}
	case
		// sequences: the next value, and the session's current one
		"nextval", "setval", "currval", "lastval",
		// state of the session or the transaction, and notifications
		"pg_notify", "set_config", "txid_current", "pg_current_xact_id",
		// large objects
		"lo_create", "lo_creat", "lo_import", "lo_export", "lo_unlink", "lo_put", "lo_from_bytea",
		"lo_open", "lo_truncate", "lo_truncate64", "lowrite",
		// the server's backends, configuration, WAL and replication slots
		"pg_cancel_backend", "pg_terminate_backend", "pg_reload_conf", "pg_rotate_logfile",
		"pg_switch_wal", "pg_create_restore_point", "pg_promote",
		"pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
		"pg_drop_replication_slot", "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot",
		"pg_replication_slot_advance", "pg_logical_slot_get_changes", "pg_logical_slot_get_binary_changes",
		"pg_logical_emit_message":
		return writeFunc
	}
	return 0
}

// maxRouteWord is longer than any word wordClass knows.
const maxRouteWord = 40

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

func isPunct(stmt []byte, t Token, c byte) bool { return t.Kind == Punct && stmt[t.Start] == c }

// StartsTransaction reports whether the first statement of sql is BEGIN or
// START TRANSACTION, with any modes.
func StartsTransaction(sql []byte) bool {
	stmts := Split(sql)
	stmt, _, ok := stmts.Next()
	if !ok {
		return false
	}
	toks := Tokenize(stmt)
	t, _ := toks.Next()
	if t.Is(stmt, "begin") {
		return true
	}
	if !t.Is(stmt, "start") {
		return false
	}
	t, _ = toks.Next()
	return t.Is(stmt, "transaction")
}

// BeginsReadOnly reports whether the first statement of sql starts a
// read-only transaction: BEGIN or START TRANSACTION with READ ONLY among its
// modes and not READ WRITE. PgDog sends such a transaction to a replica
// whatever its read_write_strategy.
func BeginsReadOnly(sql []byte) bool {
	if !StartsTransaction(sql) {
		return false
	}
	stmts := Split(sql)
	stmt, _, _ := stmts.Next()
	toks := Tokenize(stmt)
	only := false
	for {
		t, ok := toks.Next()
		if !ok {
			return only
		}
		if !t.Is(stmt, "read") {
			continue
		}
		next, _ := toks.Peek()
		switch {
		case next.Is(stmt, "only"):
			only = true
		case next.Is(stmt, "write"):
			return false
		}
	}
}

// RoleHint returns the role a client asks for in a /* pgdog_role: ... */
// comment, as PgDog reads it: a block comment before the first token of sql
// or after its last (';'s and -- comments aside; a comment between
// statements counts for neither), "pgdog_role:" then spaces then one of the
// values below, in lower case, compared as a prefix (as PgDog's pattern,
// unanchored, does). A hint before the statement wins over one after it.
// role is one of
//
//   - "primary", "replica": this statement goes to the primary, or to a
//     replica, whatever it does;
//   - "prefer-primary", "prefer-replica" (also written with "_"): the same
//     role, but a statement that is not ReadOnly still goes to the primary;
//   - "force-primary", "force-replica" (also with "_"): as primary and replica,
//     in the spelling of PgDog's manual-routing page;
//   - "any": no preference; the statement is routed by what it does.
//
// The hint applies to this statement only. ok is false when sql has no hint.
func RoleHint(sql []byte) (role string, ok bool) {
	b := text(sql)
	if !bytes.Contains(b, roleDirective) {
		return "", false
	}
	lead := true
	tail := 0 // where the comments after the last token start
	for i := skipSpace(b, 0); i < len(b); i = skipSpace(b, i) {
		kind, end := lex(b, i)
		switch {
		case kind == comment:
			if lead {
				if role, ok = commentRole(b[i:end]); ok {
					return role, true
				}
			}
		case kind == Punct && b[i] == ';':
		default:
			lead, tail = false, end
		}
		i = end
	}
	for i := skipSpace(b, tail); i < len(b); i = skipSpace(b, i) {
		kind, end := lex(b, i)
		if kind == comment {
			if role, ok = commentRole(b[i:end]); ok {
				return role, true
			}
		}
		i = end
	}
	return "", false
}

var roleDirective = []byte("pgdog_role:")

// roleValues are the values of pgdog_role, longest first where one is a
// prefix of another, each with the role RoleHint returns for it.
var roleValues = [...]struct{ text, role string }{
	{"prefer-primary", "prefer-primary"}, {"prefer_primary", "prefer-primary"},
	{"prefer-replica", "prefer-replica"}, {"prefer_replica", "prefer-replica"},
	{"force-primary", "force-primary"}, {"force_primary", "force-primary"},
	{"force-replica", "force-replica"}, {"force_replica", "force-replica"},
	{"primary", "primary"}, {"replica", "replica"}, {"any", "any"},
}

// commentRole returns the role of the first pgdog_role directive with a known
// value in the comment c; -- comments hold none.
func commentRole(c []byte) (string, bool) {
	if len(c) < 2 || c[0] != '/' || c[1] != '*' {
		return "", false
	}
	for {
		i := bytes.Index(c, roleDirective)
		if i < 0 {
			return "", false
		}
		c = c[i+len(roleDirective):]
		v := c
		for len(v) > 0 && v[0] == ' ' {
			v = v[1:]
		}
		for _, r := range roleValues {
			if hasPrefix(v, r.text) {
				return r.role, true
			}
		}
	}
}
