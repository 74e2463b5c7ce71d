// cast.go holds the skipping of a "::type" cast after a constant, which libpg_query ignores with the constant.

package fingerprint

import "github.com/pgdogd/pgdogd/codec/sqlscan"

// skipCast takes a "::type" that comes next, if one does. Only the first
// cast goes: libpg_query ignores a cast of a constant, not a cast of a cast.
func (w *walker) skipCast() {
	save := w.c
	for i := 0; i < 2; i++ {
		if t, ok := w.c.next(); !ok || !w.c.isPunct(t, ':') {
			w.c = save
			return
		}
	}
	w.skipType()
}

// skipType takes a type name: a possibly qualified name, the words that
// go on the names of some built-in types (double precision, character
// varying, timestamp with time zone), a parenthesised modifier and array
// brackets.
func (w *walker) skipType() {
	t, ok := w.c.next()
	if !ok || t.Kind != sqlscan.Word && t.Kind != sqlscan.QuotedIdent {
		return
	}
	for w.c.peekPunct('.') {
		w.c.next()
		w.c.next()
	}
	for w.takeWord("precision") || w.takeWord("varying") {
	}
	w.skipGroup('(', ')')
	save := w.c
	if w.takeWord("with") || w.takeWord("without") {
		if !w.takeWord("time") || !w.takeWord("zone") {
			w.c = save
		}
	}
	for w.skipGroup('[', ']') {
	}
}

// takeWord takes the next token if it is the lower-case word s.
func (w *walker) takeWord(s string) bool {
	t, ok := w.c.peek()
	if ok && t.Is(w.c.sql, s) {
		w.c.next()
		return true
	}
	return false
}

// skipGroup takes a balanced open...close group if one comes next.
func (w *walker) skipGroup(open, close byte) bool {
	if !w.c.peekPunct(open) {
		return false
	}
	depth := 0
	for {
		t, ok := w.c.next()
		if !ok {
			return true
		}
		switch {
		case w.c.isPunct(t, open):
			depth++
		case w.c.isPunct(t, close):
			if depth--; depth == 0 {
				return true
			}
		}
	}
}
