// stmt.go holds the rules for whole statements whose names and options libpg_query leaves out of the fingerprint.

package fingerprint

import "github.com/pgdogd/pgdogd/codec/sqlscan"

// statement applies the rules for the statement whose first token t was
// just taken, and reports whether it took t. Transaction statements keep
// their kind only (BEGIN WORK and BEGIN ISOLATION LEVEL SERIALIZABLE are
// BEGIN, END is COMMIT, ABORT is ROLLBACK); savepoint, prepared statement
// and cursor names go; SET keeps the variable, not the value.
func (w *walker) statement(t sqlscan.Token) bool {
	if t.Kind != sqlscan.Word {
		return false
	}
	switch text := w.c.text(t); keyword(text) {
	case wBegin, wStart, wSavepoint, wRelease:
		w.e.token(classWord, text, true)
		w.skipStatement()
	case wCommit, wEnd:
		w.e.word("commit")
		w.transactionTail()
	case wRollback, wAbort:
		w.e.word("rollback")
		w.transactionTail()
	case wPrepare:
		w.e.word("prepare")
		if !w.takeWord("transaction") {
			w.skipName()
		} else {
			w.e.word("transaction")
		}
	case wExecute, wDeclare:
		w.e.token(classWord, text, true)
		w.skipName()
	case wDeallocate, wClose:
		w.e.token(classWord, text, true)
		w.takeWord("prepare")
		if !w.takeWord("all") {
			w.skipName()
		} else {
			w.e.word("all")
		}
	case wSet:
		return w.set()
	default:
		if t.Is(w.c.sql, "fetch") || t.Is(w.c.sql, "move") {
			w.dropLastName = true
		}
		return false
	}
	return true
}

// atEnd reports whether the statement ends before the next token.
func (w *walker) atEnd() bool {
	t, ok := w.c.peek()
	return !ok || w.c.isPunct(t, ';')
}

// skipStatement takes the rest of the statement.
func (w *walker) skipStatement() {
	for !w.atEnd() {
		w.c.next()
	}
}

// skipName takes the next token, a name.
func (w *walker) skipName() {
	if !w.atEnd() {
		w.c.next()
	}
}

// transactionTail takes the rest of COMMIT or ROLLBACK: WORK and TRANSACTION
// go, and so does the savepoint of ROLLBACK TO [SAVEPOINT] name; AND [NO]
// CHAIN and PREPARED stay.
func (w *walker) transactionTail() {
	for !w.atEnd() {
		before := w.c.prev
		t, _ := w.c.next()
		switch {
		case t.Is(w.c.sql, "work") || t.Is(w.c.sql, "transaction"):
		case t.Is(w.c.sql, "to"):
			w.e.word("to")
			w.skipStatement()
		default:
			w.token(t, before)
		}
	}
}

// set takes SET [SESSION | LOCAL] name {TO | =} value..., the SET just
// taken, keeping LOCAL, the name (TIME ZONE is timezone) and a value of
// DEFAULT, and reports whether the statement had that shape. SET TIME ZONE
// value, the same as SET timezone TO value, has no TO.
func (w *walker) set() bool {
	save := w.c
	local := false
	if w.takeWord("local") {
		local = true
	} else {
		w.takeWord("session")
	}
	name := w.c
	n := 0
	if w.takeWord("time") && w.takeWord("zone") {
		n = -1
	} else {
		w.c = name
		for {
			t, ok := w.c.next()
			if !ok || t.Kind != sqlscan.Word && t.Kind != sqlscan.QuotedIdent {
				w.c = save
				return false
			}
			if n++; !w.c.peekPunct('.') {
				break
			}
			w.c.next()
			n++
		}
	}
	if n >= 0 && !w.takeWord("to") && !w.takePunct('=') {
		w.c = save
		return false
	}
	def := w.takeWord("default") && w.atEnd()
	w.skipStatement()
	w.emitSet(local, name, n, def)
	return true
}

// emitSet hashes what set keeps: n tokens of the name from the cursor name,
// or timezone when n < 0.
func (w *walker) emitSet(local bool, name cursor, n int, def bool) {
	w.e.word("set")
	if local {
		w.e.word("local")
	}
	if n < 0 {
		w.e.word("timezone")
	}
	for ; n > 0; n-- {
		t, _ := name.next()
		if t.Kind == sqlscan.Punct {
			w.e.punct('.')
		} else {
			w.e.token(classOf(t), name.text(t), t.Kind == sqlscan.Word)
		}
	}
	if def {
		w.e.word("default")
	}
}

// classOf returns the class a Word or quoted identifier is hashed as.
func classOf(t sqlscan.Token) byte {
	if t.Kind == sqlscan.QuotedIdent {
		return classQuoted
	}
	return classWord
}

// takePunct takes the next token if it is the punctuation p.
func (w *walker) takePunct(p byte) bool {
	if w.c.peekPunct(p) {
		w.c.next()
		return true
	}
	return false
}
