// fingerprint.go holds Of and the walk that feeds a statement's surviving tokens to the emitter.

package fingerprint

import "github.com/pgdogd/pgdogd/codec/sqlscan"

// Of returns the fingerprint of one statement's text (a simple-protocol
// statement, or an extended-protocol Parse text; a NUL byte ends it). Two
// texts have the same fingerprint when they differ only in constants,
// white space, comments, the case of keywords and unquoted identifiers, and
// the other ways the package comment lists. It allocates nothing.
func Of(sql []byte) uint64 {
	w := walker{c: newCursor(sql), e: emitter{h: newHasher()}}
	w.run()
	return w.e.h.sum()
}

// walker feeds the tokens of a text that survive the rules to its emitter.
type walker struct {
	c cursor
	e emitter
	// dropLastName is set in FETCH and MOVE, whose last name (the
	// cursor's) is dropped.
	dropLastName bool
}

// run walks the whole text, statement by statement.
func (w *walker) run() {
	started, semi := false, false
	for {
		before := w.c.prev
		t, ok := w.c.next()
		if !ok {
			return
		}
		if w.c.isPunct(t, ';') {
			semi = started
			continue
		}
		if semi || !started {
			if semi {
				w.e.endStatement()
				w.e.punct(';')
			}
			semi, started = false, true
			w.dropLastName = false
			if w.statement(t) {
				continue
			}
		}
		w.token(t, before)
	}
}

// token takes one token, t, taken after before.
func (w *walker) token(t, before sqlscan.Token) {
	if w.c.value(t, before) != notValue {
		w.skipCast()
		return
	}
	switch t.Kind {
	case sqlscan.Word:
		if !w.lastName(t) {
			w.word(t, before)
		}
	case sqlscan.QuotedIdent:
		if !w.lastName(t) {
			w.e.token(classQuoted, w.c.text(t), false)
		}
	case sqlscan.Punct:
		switch p := w.c.sql[t.Start]; p {
		case '(', '[':
			w.e.open(p)
		case ')', ']':
			w.e.close(p)
		case ',':
			w.e.separator()
		default:
			w.e.punct(p)
		}
	}
}

// lastName reports whether t is a name to drop because it ends a FETCH or MOVE.
func (w *walker) lastName(t sqlscan.Token) bool {
	if !w.dropLastName {
		return false
	}
	n, ok := w.c.peek()
	return !ok || w.c.isPunct(n, ';')
}

// word takes the Word t, taken after before: an IN list of constants is
// "=" (NOT IN, "<>"), an ANY or SOME of one constant is nothing, as to
// libpg_query "x IN (1, 2)", "x = ANY($1)" and "x = 1" are one expression;
// CAST(constant AS type) is a constant. SELECT, VALUES, BY and RETURNING
// start a list, so that their constant elements go with their commas.
func (w *walker) word(t, before sqlscan.Token) {
	in := lookup(w.c.text(t))
	switch in.w {
	case wIn:
		if w.constList() {
			w.e.punct('=')
			return
		}
	case wNot:
		save := w.c
		if n, ok := w.c.next(); ok && n.Kind == sqlscan.Word && keyword(w.c.text(n)) == wIn && w.constList() {
			w.e.punct('<')
			w.e.punct('>')
			return
		}
		w.c = save
	case wAny, wSome:
		if before.Kind == sqlscan.Punct && !w.c.operand(before) && !w.c.isPunct(before, '(') &&
			!w.c.isPunct(before, ',') && w.constList() {
			return
		}
	case wCast:
		if w.castConst() {
			w.skipCast()
			return
		}
	}
	w.e.token(classWord, w.c.text(t), true)
	if in.flags&fList != 0 {
		w.e.startList()
	}
}

// constList takes a parenthesised list of constants, each perhaps cast, if
// one comes next, and reports whether it did.
func (w *walker) constList() bool {
	save := w.c
	if t, ok := w.c.next(); !ok || !w.c.isPunct(t, '(') {
		w.c = save
		return false
	}
	for {
		before := w.c.prev
		t, ok := w.c.next()
		if !ok || w.c.value(t, before) == notValue {
			w.c = save
			return false
		}
		w.skipCast()
		t, ok = w.c.next()
		switch {
		case ok && w.c.isPunct(t, ','):
		case ok && w.c.isPunct(t, ')'):
			return true
		default:
			w.c = save
			return false
		}
	}
}

// castConst takes the rest of CAST(constant AS type), the CAST just taken,
// and reports whether it did.
func (w *walker) castConst() bool {
	save := w.c
	if t, ok := w.c.next(); !ok || !w.c.isPunct(t, '(') {
		w.c = save
		return false
	}
	before := w.c.prev
	t, ok := w.c.next()
	if !ok || w.c.value(t, before) == notValue {
		w.c = save
		return false
	}
	if t, ok = w.c.next(); !ok || t.Kind != sqlscan.Word || keyword(w.c.text(t)) != wAs {
		w.c = save
		return false
	}
	w.skipType()
	if t, ok = w.c.next(); !ok || !w.c.isPunct(t, ')') {
		w.c = save
		return false
	}
	return true
}
