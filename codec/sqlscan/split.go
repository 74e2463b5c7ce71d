// split.go holds the statement iterator over a query text.

package sqlscan

// Statements walks the statements of a query text. The zero value is
// unusable; use Split.
type Statements struct {
	sql []byte
	pos int
}

// Split returns an iterator over the statements of sql. A NUL byte (the
// terminator of a Query or Parse message's text) ends the text.
func Split(sql []byte) Statements { return Statements{sql: text(sql)} }

// Next returns the next statement: its bytes without the ';' that ends it,
// aliasing the text given to Split, and its offset there. White space around
// the statement is left out; comments before and after it are kept (Tokenize
// skips them). Statements that are empty or hold only comments are skipped.
// ok is false when no statement is left.
func (s *Statements) Next() (stmt []byte, start int, ok bool) {
	b := s.sql
	first, last := -1, 0
	tokens := false
	var body routineBody
	i := s.pos
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			s.pos = i
			if !tokens {
				return nil, 0, false
			}
			return b[first:last], first, true
		}
		kind, end := lex(b, i)
		if kind == Punct && b[i] == ';' && body.open() == 0 {
			if tokens {
				s.pos = end
				return b[first:last], first, true
			}
			first, body = -1, routineBody{}
			i = end
			continue
		}
		if first < 0 {
			first = i
		}
		last = end
		if kind != comment {
			tokens = true
			body.see(b, kind, i, end)
		}
		i = end
	}
}

// routineBody follows a statement's tokens to tell whether a ';' ends it. As
// psql does, a ';' does not while a parenthesis is open, nor inside the
// BEGIN ATOMIC ... END body of CREATE [OR REPLACE] FUNCTION or PROCEDURE
// (where CASE ... END nests). Unlike psql it counts BEGIN only when ATOMIC
// follows, so that a routine named begin does not swallow what comes next.
type routineBody struct {
	words   int     // Words seen so far
	lead    [4]byte // first bytes of the first four Words when they are create, or, replace, function or procedure
	parens  int     // open parentheses
	depth   int     // open BEGIN ATOMIC and CASE inside them
	atBegin bool    // the last token was the Word BEGIN
}

// open returns how many constructs are open around the current position.
func (r *routineBody) open() int { return r.parens + r.depth }

// see takes in the token b[start:end] of kind kind.
func (r *routineBody) see(b []byte, kind TokenKind, start, end int) {
	afterBegin := r.atBegin
	r.atBegin = false
	if kind == Punct {
		switch b[start] {
		case '(':
			r.parens++
		case ')':
			if r.parens > 0 {
				r.parens--
			}
		}
		return
	}
	if kind != Word {
		return
	}
	w := b[start:end]
	if r.words < len(r.lead) && isLeadWord(w) {
		r.lead[r.words] = w[0] | 0x20
	}
	r.words++
	if r.parens > 0 || !r.routine() {
		return
	}
	switch {
	case equalFold(w, "begin"):
		r.atBegin = true
	case equalFold(w, "atomic"):
		if afterBegin {
			r.depth++
		}
	case equalFold(w, "case"):
		if r.depth > 0 {
			r.depth++
		}
	case equalFold(w, "end"):
		if r.depth > 0 {
			r.depth--
		}
	}
}

// routine reports whether the statement starts CREATE [OR REPLACE] FUNCTION
// or CREATE [OR REPLACE] PROCEDURE.
func (r *routineBody) routine() bool {
	l := &r.lead
	if l[0] != 'c' {
		return false
	}
	return l[1] == 'f' || l[1] == 'p' || l[1] == 'o' && l[2] == 'r' && (l[3] == 'f' || l[3] == 'p')
}

func isLeadWord(w []byte) bool {
	return equalFold(w, "create") || equalFold(w, "or") || equalFold(w, "replace") ||
		equalFold(w, "function") || equalFold(w, "procedure")
}
