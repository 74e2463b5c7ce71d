// drop.go recognises the statements that drop prepared statements: DEALLOCATE and DISCARD ALL.

package sqlscan

import "bytes"

// Drop describes a statement that drops prepared statements.
type Drop struct {
	All     bool // DEALLOCATE [PREPARE] ALL, or DISCARD ALL
	Discard bool // it was DISCARD ALL (command tag "DISCARD ALL"), not DEALLOCATE
	// NameStart and NameEnd are the offsets in stmt of the name token of
	// DEALLOCATE [PREPARE] name, quoted or not; both 0 when All.
	NameStart, NameEnd int
}

// Name appends to dst the name of the prepared statement d drops, as
// PostgreSQL sees it (see Ident); it appends nothing when d.All. stmt is the
// statement ParseDrop read.
func (d Drop) Name(dst, stmt []byte) []byte {
	if d.All || d.NameEnd <= d.NameStart {
		return dst
	}
	kind := Word
	if c := stmt[d.NameStart]; c == '"' || (c == 'u' || c == 'U') && d.NameEnd-d.NameStart > 1 && stmt[d.NameStart+1] == '&' {
		kind = QuotedIdent // "..." or U&"..."
	}
	return Ident(dst, stmt, Token{Kind: kind, Start: d.NameStart, End: d.NameEnd})
}

// ParseDrop recognises DEALLOCATE [PREPARE] { name | ALL } and DISCARD ALL,
// in any case, with any white space and comments between and after the
// words, and ';'s after them (a Parse message may end its statement with
// one). ok is false for anything else: DISCARD PLANS, TEMP, TEMPORARY and
// SEQUENCES, which do not drop prepared statements; a name PostgreSQL
// rejects (a reserved keyword unquoted, an empty or unterminated quoted
// identifier); a U&"..." name with a backslash, whose escapes Name would not
// decode; trailing tokens.
func ParseDrop(stmt []byte) (Drop, bool) {
	toks := Tokenize(stmt)
	t, _ := toks.Next()
	switch {
	case t.Is(stmt, "discard"):
		if t, _ = toks.Next(); !t.Is(stmt, "all") {
			return Drop{}, false
		}
		return finish(Drop{All: true, Discard: true}, stmt, &toks)
	case !t.Is(stmt, "deallocate"):
		return Drop{}, false
	}
	t, _ = toks.Next()
	if t.Is(stmt, "prepare") {
		// PREPARE is an unreserved keyword: "DEALLOCATE prepare" drops the
		// statement named prepare.
		if next, ok := toks.Peek(); ok && !isSemicolon(stmt, next) {
			t, _ = toks.Next()
		}
	}
	var d Drop
	switch {
	case t.Is(stmt, "all"):
		d.All = true
	case t.Kind == QuotedIdent && plainQuoted(stmt[t.Start:t.End]) || t.Kind == Word && !reserved(stmt[t.Start:t.End]):
		d.NameStart, d.NameEnd = t.Start, t.End
	default:
		return Drop{}, false
	}
	return finish(d, stmt, &toks)
}

// finish returns d if toks holds nothing but ';'s, else a zero Drop and false.
func finish(d Drop, stmt []byte, toks *Tokens) (Drop, bool) {
	if !atEnd(stmt, toks) {
		return Drop{}, false
	}
	return d, true
}

// plainQuoted reports whether the quoted identifier q ("..." or U&"...") is
// terminated, not empty and, for U&"...", free of escapes.
func plainQuoted(q []byte) bool {
	if q[0] != '"' {
		if bytes.IndexByte(q, '\\') >= 0 {
			return false
		}
		q = q[2:]
	}
	quotes := 0 // the closing quote ends an odd run of them
	for i := len(q) - 1; i > 0 && q[i] == '"'; i-- {
		quotes++
	}
	return len(q) > 2 && quotes%2 == 1
}

func isSemicolon(stmt []byte, t Token) bool { return t.Kind == Punct && stmt[t.Start] == ';' }

// atEnd reports whether toks holds nothing but ';'s.
func atEnd(stmt []byte, toks *Tokens) bool {
	for {
		t, ok := toks.Next()
		if !ok {
			return true
		}
		if !isSemicolon(stmt, t) {
			return false
		}
	}
}

// reserved reports whether the word w is one of PostgreSQL 15's reserved or
// type/function-name keywords, which cannot name a prepared statement unquoted.
func reserved(w []byte) bool {
	if len(w) < 2 || len(w) > len("current_timestamp") {
		return false
	}
	var buf [len("current_timestamp")]byte
	for i, c := range w {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	_, ok := reservedWords[string(buf[:len(w)])]
	return ok
}

var reservedWords = map[string]struct{}{}

func init() {
	for _, w := range [...]string{
		// RESERVED_KEYWORD
		"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
		"both", "case", "cast", "check", "collate", "column", "constraint", "create",
		"current_catalog", "current_date", "current_role", "current_time",
		"current_timestamp", "current_user", "default", "deferrable", "desc",
		"distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign",
		"from", "grant", "group", "having", "in", "initially", "intersect", "into",
		"lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null",
		"offset", "on", "only", "or", "order", "placing", "primary", "references",
		"returning", "select", "session_user", "some", "symmetric", "table", "then",
		"to", "trailing", "true", "union", "unique", "user", "using", "variadic",
		"when", "where", "window", "with",
		// TYPE_FUNC_NAME_KEYWORD
		"authorization", "binary", "collation", "concurrently", "cross",
		"current_schema", "freeze", "full", "ilike", "inner", "is", "isnull", "join",
		"left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar",
		"tablesample", "verbose",
	} {
		reservedWords[w] = struct{}{}
	}
}
