// tokens.go holds the token iterator over one statement and the helpers that read tokens.

package sqlscan

// TokenKind is the lexical class of a Token.
type TokenKind uint8

// The kinds of token. The zero TokenKind is no token.
const (
	Word        TokenKind = iota + 1 // a keyword or unquoted identifier
	QuotedIdent                      // "...", U&"..."
	String                           // '...', E'...', B'...', X'...', N'...', U&'...', $tag$...$tag$
	Number                           // 42, 1.5, .5e-3
	Param                            // $1
	Punct                            // any other single byte: ( ) , . ; = + and so on
	comment                          // -- or /* */; never returned by Tokens
)

var kindNames = [...]string{"Invalid", "Word", "QuotedIdent", "String", "Number", "Param", "Punct", "comment"}

// String returns the kind's name.
func (k TokenKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "TokenKind(?)"
}

// Token is one token of a statement: its kind and its byte offsets in the
// statement's text. Operators come back one byte at a time, as Punct.
type Token struct {
	Kind       TokenKind
	Start, End int
}

// Text returns the token's bytes in stmt.
func (t Token) Text(stmt []byte) []byte { return stmt[t.Start:t.End] }

// Is reports whether t is the Word word, compared case-insensitively; word
// must be lower case. A quoted identifier is never a keyword.
func (t Token) Is(stmt []byte, word string) bool {
	if t.Kind != Word || t.End-t.Start != len(word) {
		return false
	}
	return equalFold(stmt[t.Start:t.End], word)
}

// equalFold reports whether b equals the lower-case word, folding only A-Z.
func equalFold(b []byte, word string) bool {
	if len(b) != len(word) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}

// Tokens walks the tokens of one statement, skipping white space and comments.
type Tokens struct {
	stmt []byte
	pos  int
}

// Tokenize returns an iterator over stmt's tokens. A NUL byte ends the text.
func Tokenize(stmt []byte) Tokens { return Tokens{stmt: text(stmt)} }

// Next returns the next token, or false at the end of the statement.
func (t *Tokens) Next() (Token, bool) {
	for {
		i := skipSpace(t.stmt, t.pos)
		if i >= len(t.stmt) {
			t.pos = i
			return Token{}, false
		}
		kind, end := lex(t.stmt, i)
		t.pos = end
		if kind != comment {
			return Token{Kind: kind, Start: i, End: end}, true
		}
	}
}

// Peek returns the token Next would return, without consuming it.
func (t *Tokens) Peek() (Token, bool) {
	u := *t
	return u.Next()
}

// FirstKeyword returns the first token of stmt after any opening parentheses
// (as in "(select 1)"), and true if that token is a Word. Compare it with Is.
func FirstKeyword(stmt []byte) (Token, bool) {
	toks := Tokenize(stmt)
	for {
		t, ok := toks.Next()
		if !ok {
			return Token{}, false
		}
		if t.Kind == Punct && stmt[t.Start] == '(' {
			continue
		}
		return t, t.Kind == Word
	}
}

// MaxIdentLen is the longest identifier, in bytes, that PostgreSQL keeps (its
// default NAMEDATALEN-1); it truncates longer ones.
const MaxIdentLen = 63

// Ident appends to dst the name an identifier token stands for, as
// PostgreSQL sees it: a Word folded to lower case (ASCII letters only), a
// quoted identifier's body with "" read as ", either truncated to
// MaxIdentLen bytes on a UTF-8 character boundary. The escapes of a U&"..."
// identifier are left as written. Other kinds of token append nothing.
func Ident(dst []byte, stmt []byte, t Token) []byte {
	start := len(dst)
	b := stmt[t.Start:t.End]
	switch t.Kind {
	case Word:
		for _, c := range b {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
	case QuotedIdent:
		dst = appendUnquoted(dst, b)
	default:
		return dst
	}
	if len(dst)-start > MaxIdentLen {
		end := start + MaxIdentLen
		for end > start && dst[end]&0xC0 == 0x80 { // do not split a character
			end--
		}
		dst = dst[:end]
	}
	return dst
}

// appendUnquoted appends the body of the quoted identifier b ("..." or
// U&"...", perhaps unterminated) with each "" read as ".
func appendUnquoted(dst, b []byte) []byte {
	if b[0] != '"' {
		b = b[2:] // U&
	}
	b = b[1:]
	for i := 0; i < len(b); i++ {
		if b[i] == '"' {
			if i+1 == len(b) {
				break // the closing quote
			}
			i++ // the second of ""
		}
		dst = append(dst, b[i])
	}
	return dst
}

// HasPrefixFold reports whether b starts with the lower-case w, folding only A-Z.
func HasPrefixFold(b []byte, w string) bool {
	return len(b) >= len(w) && equalFold(b[:len(w)], w)
}

// ContainsFold reports whether b contains the lower-case w anywhere, folding
// only A-Z: a cheap test before a real scan, blind to quoting and comments.
func ContainsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if HasPrefixFold(b[i:], w) {
			return true
		}
	}
	return false
}
