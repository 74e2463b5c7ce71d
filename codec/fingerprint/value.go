// value.go holds the cursor over a statement's tokens and the test of which tokens are constants.

package fingerprint

import "github.com/pgdogd/pgdogd/codec/sqlscan"

// cursor walks a statement's tokens and remembers the last one it took.
type cursor struct {
	sql  []byte
	toks sqlscan.Tokens
	prev sqlscan.Token // the last token taken; Kind 0 before the first
}

func newCursor(sql []byte) cursor {
	return cursor{sql: sql, toks: sqlscan.Tokenize(sql)}
}

// next takes the next token.
func (c *cursor) next() (sqlscan.Token, bool) {
	t, ok := c.toks.Next()
	if ok {
		c.prev = t
	}
	return t, ok
}

// peek returns the next token without taking it.
func (c *cursor) peek() (sqlscan.Token, bool) { return c.toks.Peek() }

// text returns t's bytes.
func (c *cursor) text(t sqlscan.Token) []byte { return c.sql[t.Start:t.End] }

// isPunct reports whether t is the punctuation p.
func (c *cursor) isPunct(t sqlscan.Token, p byte) bool {
	return t.Kind == sqlscan.Punct && c.sql[t.Start] == p
}

// peekPunct reports whether the next token is the punctuation p.
func (c *cursor) peekPunct(p byte) bool {
	t, ok := c.peek()
	return ok && c.isPunct(t, p)
}

// operand reports whether the token t can end an operand, so that a "-"
// after it subtracts rather than negates.
func (c *cursor) operand(t sqlscan.Token) bool {
	switch t.Kind {
	case sqlscan.QuotedIdent, sqlscan.String, sqlscan.Number, sqlscan.Param:
		return true
	case sqlscan.Word:
		return !isExprWord(c.text(t))
	case sqlscan.Punct:
		p := c.sql[t.Start]
		return p == ')' || p == ']'
	}
	return false
}

// A constant's shape, as value finds it.
const (
	notValue   = iota
	plainValue // one token, or a sign and a number: the whole is the value
	typedValue // a type name and a string or parameter: the second token is the value
)

// value reports whether the token t, just taken, starts a constant: a
// string, a number (with its sign when "-" is a sign), a $n parameter,
// TRUE, FALSE or NULL (but not after IS or NOT, where they are keywords), or
// a typed literal (date '2024-01-01'). before is the token taken before t.
// For a signed number or a typed literal, value takes the second token too.
// Casts after the constant are left to the caller.
func (c *cursor) value(t, before sqlscan.Token) int {
	switch t.Kind {
	case sqlscan.String, sqlscan.Number, sqlscan.Param:
		return plainValue
	case sqlscan.Punct:
		if c.sql[t.Start] != '-' || c.operand(before) {
			return notValue
		}
		if n, ok := c.peek(); ok && n.Kind == sqlscan.Number {
			c.next()
			return plainValue
		}
	case sqlscan.Word:
		return c.wordValue(t, before)
	}
	return notValue
}

// wordValue is value for the Word t.
func (c *cursor) wordValue(t, before sqlscan.Token) int {
	if n := t.End - t.Start; n == 4 || n == 5 {
		switch keyword(c.text(t)) {
		case wTrue, wFalse, wNull:
			if before.Kind == sqlscan.Word {
				if w := keyword(c.text(before)); w == wIs || w == wNot {
					return notValue
				}
			}
			return plainValue
		}
	}
	if n, ok := c.peek(); ok && c.literalAfterType(n) && isTypeWord(c.text(t)) {
		c.next()
		return typedValue
	}
	return notValue
}

// literalAfterType reports whether n, after a type name, makes a typed
// literal. Only a string does in SQL, but so must a parameter, a number,
// TRUE, FALSE and NULL, the tokens Normalize turns into parameters, so
// that Normalize keeps the fingerprint of what it rewrites.
func (c *cursor) literalAfterType(n sqlscan.Token) bool {
	switch n.Kind {
	case sqlscan.String, sqlscan.Param, sqlscan.Number:
		return true
	case sqlscan.Word:
		w := keyword(c.text(n))
		return w == wTrue || w == wFalse || w == wNull
	}
	return false
}
