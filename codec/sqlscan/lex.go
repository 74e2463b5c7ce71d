// lex.go holds the lexer proper: character classes and the end of each kind of lexeme.

package sqlscan

import "bytes"

// text returns b up to its first NUL byte, which ends a message's SQL text.
func text(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isIdentStart reports whether c can start an unquoted identifier or a
// dollar-quote tag.
func isIdentStart(c byte) bool { return isLetter(c) || c == '_' || c >= 0x80 }

// isTagCont reports whether c can follow the first byte of a dollar-quote tag.
func isTagCont(c byte) bool { return isIdentStart(c) || isDigit(c) }

// isIdentCont reports whether c can follow the first byte of an unquoted identifier.
func isIdentCont(c byte) bool { return isTagCont(c) || c == '$' }

// skipSpace returns the index of the first byte at or after i that is not white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// lex returns the kind and the end of the lexeme starting at b[i], which is
// not white space. Comments come back as the kind comment.
func lex(b []byte, i int) (TokenKind, int) {
	c := b[i]
	var next byte
	if i+1 < len(b) {
		next = b[i+1]
	}
	switch {
	case c == '-' && next == '-':
		return comment, lineEnd(b, i+2)
	case c == '/' && next == '*':
		return comment, blockEnd(b, i+2)
	case c == '\'':
		return String, stringEnd(b, i+1, plain)
	case c == '"':
		return QuotedIdent, quotedEnd(b, i+1)
	case c == '$':
		return dollar(b, i)
	case isDigit(c) || c == '.' && isDigit(next):
		return Number, numberEnd(b, i)
	case isIdentStart(c):
		return word(b, i, next)
	}
	return Punct, i + 1
}

// lineEnd returns the index of the newline that ends a -- comment, or len(b).
func lineEnd(b []byte, i int) int {
	for i < len(b) && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// blockEnd returns the end of a /* comment whose body starts at b[i]; block
// comments nest.
func blockEnd(b []byte, i int) int {
	depth := 1
	for i+1 < len(b) {
		switch {
		case b[i] == '*' && b[i+1] == '/':
			i += 2
			if depth--; depth == 0 {
				return i
			}
		case b[i] == '/' && b[i+1] == '*':
			i += 2
			depth++
		default:
			i++
		}
	}
	return len(b)
}

// strMode is how a single-quoted string treats its body.
type strMode uint8

const (
	plain  strMode = iota // '' is a quote, a backslash is a backslash
	escape                // E'...': a backslash also escapes the next byte
	bits                  // B'...', X'...': '' ends the string and starts another
)

// stringEnd returns the end of a single-quoted string whose body starts at
// b[i], following it across continuations ('a'<newline>'b' is one string).
func stringEnd(b []byte, i int, mode strMode) int {
	for i < len(b) {
		switch b[i] {
		case '\\':
			if mode == escape {
				i += 2
				continue
			}
		case '\'':
			if mode != bits && i+1 < len(b) && b[i+1] == '\'' {
				i += 2
				continue
			}
			j := continuation(b, i+1)
			if j < 0 {
				return i + 1
			}
			i = j
			continue
		}
		i++
	}
	return len(b)
}

// continuation looks past a string's closing quote at b[i-1] for white space
// holding a newline and then a quote that continues the string; it returns
// the index after that quote, or -1. Only -- comments count as white space here.
func continuation(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\f' || isDashes(b, i)) {
		if b[i] == '-' {
			i = lineEnd(b, i)
		} else {
			i++
		}
	}
	if i == len(b) || b[i] != '\n' && b[i] != '\r' {
		return -1
	}
	for i < len(b) && (isSpace(b[i]) || isDashes(b, i)) {
		if b[i] == '-' {
			i = lineEnd(b, i)
		} else {
			i++
		}
	}
	if i < len(b) && b[i] == '\'' {
		return i + 1
	}
	return -1
}

// isDashes reports whether a -- comment starts at b[i].
func isDashes(b []byte, i int) bool {
	return b[i] == '-' && i+1 < len(b) && b[i+1] == '-'
}

// quotedEnd returns the end of a double-quoted identifier whose body starts at b[i].
func quotedEnd(b []byte, i int) int {
	for i < len(b) {
		if b[i] == '"' {
			if i+1 < len(b) && b[i+1] == '"' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(b)
}

// dollar lexes what starts with the '$' at b[i]: a parameter ($1), a
// dollar-quoted string ($$...$$, $tag$...$tag$) or a lone '$'.
func dollar(b []byte, i int) (TokenKind, int) {
	j := i + 1
	if j < len(b) && isDigit(b[j]) {
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		return Param, j
	}
	if j < len(b) && isIdentStart(b[j]) {
		for j++; j < len(b) && isTagCont(b[j]); j++ {
		}
	}
	if j == len(b) || b[j] != '$' {
		return Punct, i + 1
	}
	tag := b[i : j+1]
	for k := j + 1; ; k++ {
		n := bytes.IndexByte(b[k:], '$')
		if n < 0 {
			return String, len(b)
		}
		k += n
		if bytes.HasPrefix(b[k:], tag) {
			return String, k + len(tag)
		}
	}
}

// numberEnd returns the end of the numeric literal starting at b[i]: digits,
// an optional fraction and an optional exponent. "1..2" is 1 followed by "..".
func numberEnd(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i < len(b) && b[i] == '.' && (i+1 == len(b) || b[i+1] != '.') {
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && isDigit(b[j]) {
			for i = j; i < len(b) && isDigit(b[i]); i++ {
			}
		}
	}
	return i
}

// word lexes what starts with the identifier byte b[i] (next is b[i+1] or 0):
// an unquoted identifier, or a prefixed string (E'...', B'...', X'...',
// N'...', U&'...') or quoted identifier (U&"...").
func word(b []byte, i int, next byte) (TokenKind, int) {
	if next == '\'' {
		switch b[i] {
		case 'e', 'E':
			return String, stringEnd(b, i+2, escape)
		case 'b', 'B', 'x', 'X':
			return String, stringEnd(b, i+2, bits)
		case 'n', 'N':
			return String, stringEnd(b, i+2, plain)
		}
	}
	if (b[i] == 'u' || b[i] == 'U') && next == '&' && i+2 < len(b) {
		switch b[i+2] {
		case '\'':
			return String, stringEnd(b, i+3, plain)
		case '"':
			return QuotedIdent, quotedEnd(b, i+3)
		}
	}
	j := i + 1
	for j < len(b) && isIdentCont(b[j]) {
		j++
	}
	return Word, j
}
