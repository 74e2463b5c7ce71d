// parse.go holds the admin console's parser: a query's text into commands, on top of codec/sqlscan's lexer.

package admin

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// The console's dialect, as parseAdmin reads it:
//
//   - white space, "--" comments to the end of the line and "/* */"
//     comments (which nest) separate tokens;
//   - a ";" ends a command, unless it is inside a string, a quoted identifier
//     or a comment; empty commands are skipped;
//   - a command starts with its words, unquoted and case-insensitive
//     (SHOW POOLS, RELOAD, ...), then takes its arguments;
//   - a database (PAUSE, RESUME, RECONNECT) is a word, kept as written, a
//     "quoted identifier" ("" for a quote) or a string;
//   - SHOW CLIENTS and SHOW SERVERS take an optional list of columns, words
//     (folded to lower case) or quoted identifiers, separated by commas or,
//     as PgDog allows, by white space alone;
//   - SET takes key TO value or key = value: the key is a word, folded to
//     lower case, or a quoted identifier, kept as written; the value is a
//     string, a number (with an optional sign) or a word, kept as written;
//   - strings are '...' ('' for a quote; a backslash is itself) and E'...'
//     (backslash escapes as in PostgreSQL), and continue across a newline
//     into a following '...'. Other literals ($$...$$, B'...', X'...',
//     N'...', U&'...', U&"...") and parameters are refused.
//
// The lexing is codec/sqlscan's (PostgreSQL 15's rules with
// standard_conforming_strings on), walked over the whole query with
// Tokenize rather than Split: psql's rule that a ";" inside parentheses or
// a BEGIN ATOMIC body does not end a statement has no place in this
// dialect, where parentheses are never valid.

// adminStmt is one parsed console command.
type adminStmt struct {
	name string   // its words in lower case, as keyed in adminCommands: "show pools", "set"
	args []string // a database for PAUSE, RESUME and RECONNECT; the key and the value for SET; columns for SHOW CLIENTS
	text string   // the command as written, from its first token to its last
}

// adminToken is a token of a console command with its value decoded: a
// string's or quoted identifier's contents, the text as written otherwise.
type adminToken struct {
	kind sqlscan.TokenKind
	raw  string
	val  string
}

// adminMaxWords is the most words a command's name has.
const adminMaxWords = 3

// syntaxErrorf is a console error with SQLSTATE 42601 syntax_error.
func syntaxErrorf(format string, args ...any) error {
	return adminErrorf(codec.CodeSyntaxError, format, args...)
}

// parseAdmin parses a console query into its commands. As PostgreSQL does
// with a simple Query, the whole text is parsed before any command runs: a
// syntax error anywhere is returned alone, with no commands, so that none of
// the query runs. Unknown settings and bad values are not syntax errors;
// they fail when their SET runs.
func parseAdmin(query string) ([]adminStmt, error) {
	if strings.IndexByte(query, 0) >= 0 {
		return nil, syntaxErrorf("the query text holds a NUL byte")
	}
	cmds, err := tokenizeAdmin(query)
	if err != nil {
		return nil, err
	}
	stmts := make([]adminStmt, 0, len(cmds))
	for _, c := range cmds {
		st, err := parseCommand(query, c)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
	}
	return stmts, nil
}

// adminCmdTokens is the tokens of one command and where it starts and ends in the query.
type adminCmdTokens struct {
	toks       []adminToken
	start, end int
}

// tokenizeAdmin splits a query into its commands' tokens at each ";" that is
// a token of its own, decoding strings and quoted identifiers. An
// unterminated string, quoted identifier or comment is an error.
func tokenizeAdmin(query string) ([]adminCmdTokens, error) {
	src := []byte(query)
	toks := sqlscan.Tokenize(src)
	var cmds []adminCmdTokens
	var cur adminCmdTokens
	last := 0
	for {
		t, ok := toks.Next()
		if !ok {
			break
		}
		last = t.End
		raw := query[t.Start:t.End]
		if t.Kind == sqlscan.Punct && raw == ";" {
			if len(cur.toks) > 0 {
				cmds = append(cmds, cur)
			}
			cur = adminCmdTokens{}
			continue
		}
		tok, err := decodeToken(t.Kind, raw)
		if err != nil {
			return nil, err
		}
		if len(cur.toks) == 0 {
			cur.start = t.Start
		}
		cur.toks, cur.end = append(cur.toks, tok), t.End
	}
	if len(cur.toks) > 0 {
		cmds = append(cmds, cur)
	}
	if openComment(src[last:]) {
		return nil, syntaxErrorf("unterminated /* comment at or near %s", near(query[last:]))
	}
	return cmds, nil
}

// openComment reports whether tail, the text after a query's last token,
// ends inside a /* comment. Only white space and comments can be there, so
// the lexer itself is asked: a word put after a newline (which ends a --
// comment) comes back as a token unless a /* comment swallows it.
func openComment(tail []byte) bool {
	probe := append(append(make([]byte, 0, len(tail)+2), tail...), "\nx"...)
	toks := sqlscan.Tokenize(probe)
	for {
		t, ok := toks.Next()
		if !ok {
			return true
		}
		if t.End == len(probe) {
			return false
		}
	}
}

// decodeToken checks a token and decodes its value.
func decodeToken(kind sqlscan.TokenKind, raw string) (adminToken, error) {
	tok := adminToken{kind: kind, raw: raw, val: raw}
	var err error
	switch kind {
	case sqlscan.String:
		tok.val, err = stringValue(raw)
	case sqlscan.QuotedIdent:
		tok.val, err = identValue(raw)
	case sqlscan.Param:
		err = syntaxErrorf("parameters such as %s have no place in the admin console", raw)
	}
	return tok, err
}

// near quotes the start of s for an error message.
func near(s string) string {
	const most = 40
	if len(s) > most {
		cut := most
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// identValue returns the name a "..." quoted identifier stands for, "" read as ".
func identValue(raw string) (string, error) {
	if raw[0] != '"' {
		return "", syntaxErrorf("only \"...\" quoted identifiers are supported, at or near %s", near(raw))
	}
	var sb strings.Builder
	for i := 1; i < len(raw); i++ {
		if raw[i] == '"' {
			if i+1 < len(raw) && raw[i+1] == '"' {
				sb.WriteByte('"')
				i++
				continue
			}
			if sb.Len() == 0 {
				return "", syntaxErrorf("zero-length quoted identifier at or near %s", near(raw))
			}
			return sb.String(), nil // the closing quote ends the token
		}
		sb.WriteByte(raw[i])
	}
	return "", syntaxErrorf("unterminated quoted identifier at or near %s", near(raw))
}

// stringValue returns the value of a '...' or E'...' string literal,
// following its continuations ('a'<newline>'b' is "ab").
func stringValue(raw string) (string, error) {
	esc := false
	switch raw[0] {
	case '\'':
	case 'e', 'E':
		esc = true
	default:
		return "", syntaxErrorf("only '...' and E'...' strings are supported, at or near %s", near(raw))
	}
	var sb strings.Builder
	i := strings.IndexByte(raw, '\'') + 1
	for {
		end, err := stringPart(&sb, raw, i, esc)
		if err != nil {
			return "", err
		}
		if end == len(raw) {
			return sb.String(), nil
		}
		// A continuation: the lexer let only white space and -- comments
		// come between the closing quote and the next opening one.
		i = end
		for i < len(raw) && raw[i] != '\'' {
			if raw[i] == '-' {
				for i < len(raw) && raw[i] != '\n' && raw[i] != '\r' {
					i++
				}
				continue
			}
			i++
		}
		if i == len(raw) {
			return sb.String(), nil
		}
		i++
	}
}

// stringPart appends the contents of one quoted part of a string, whose
// body starts at raw[i], and returns the index after its closing quote.
func stringPart(sb *strings.Builder, raw string, i int, esc bool) (int, error) {
	for i < len(raw) {
		c := raw[i]
		switch {
		case c == '\'' && i+1 < len(raw) && raw[i+1] == '\'':
			sb.WriteByte('\'')
			i += 2
		case c == '\'':
			return i + 1, nil
		case c == '\\' && esc:
			next, err := unescape(sb, raw, i)
			if err != nil {
				return 0, err
			}
			i = next
		default:
			sb.WriteByte(c)
			i++
		}
	}
	return 0, syntaxErrorf("unterminated quoted string at or near %s", near(raw))
}

// unescape appends what the backslash escape at raw[i] of an E'...' string
// stands for and returns the index after it. As in PostgreSQL: \b \f \n \r
// \t, \ooo octal, \xhh hexadecimal, \uXXXX and \UXXXXXXXX Unicode (UTF-16
// surrogate pairs joined), any other byte for itself; a NUL is refused.
func unescape(sb *strings.Builder, raw string, i int) (int, error) {
	if i+1 >= len(raw) {
		return 0, syntaxErrorf("unterminated quoted string at or near %s", near(raw))
	}
	c := raw[i+1]
	var b byte
	next := i + 2
	switch c {
	case 'b', 'f', 'n', 'r', 't':
		b = "\b\f\n\r\t"[strings.IndexByte("bfnrt", c)]
	case 'x':
		n := digits(raw, next, 2, 16)
		if n == 0 {
			b = 'x'
			break
		}
		b, next = byte(number(raw[next:next+n], 16)), next+n
	case 'u', 'U':
		return unicodeEscape(sb, raw, i)
	default:
		if n := digits(raw, i+1, 3, 8); n > 0 {
			b, next = byte(number(raw[i+1:i+1+n], 8)), i+1+n
		} else {
			b = c
		}
	}
	if b == 0 {
		return 0, syntaxErrorf("a string cannot hold a NUL byte, at or near %s", near(raw[i:]))
	}
	sb.WriteByte(b)
	return next, nil
}

// unicodeEscape appends the character of the \u or \U escape at raw[i]
// (and of the low surrogate's escape after a high surrogate's) and returns
// the index after it.
func unicodeEscape(sb *strings.Builder, raw string, i int) (int, error) {
	r, next, ok := readUnicode(raw, i)
	if ok && utf16.IsSurrogate(r) {
		var low rune
		low, next, ok = readUnicode(raw, next)
		r = utf16.DecodeRune(r, low)
		ok = ok && r != utf8.RuneError
	}
	if !ok || r == 0 || !utf8.ValidRune(r) {
		return 0, syntaxErrorf("invalid Unicode escape at or near %s", near(raw[i:]))
	}
	sb.WriteRune(r)
	return next, nil
}

// readUnicode reads the \uXXXX or \UXXXXXXXX escape at raw[i].
func readUnicode(raw string, i int) (rune, int, bool) {
	if i+1 >= len(raw) || raw[i] != '\\' || raw[i+1] != 'u' && raw[i+1] != 'U' {
		return 0, i, false
	}
	want := 4
	if raw[i+1] == 'U' {
		want = 8
	}
	if digits(raw, i+2, want, 16) != want {
		return 0, i, false
	}
	return rune(number(raw[i+2:i+2+want], 16)), i + 2 + want, true
}

// digits counts the digits of the given base at raw[i:], at most most.
func digits(raw string, i, most, base int) int {
	n := 0
	for i+n < len(raw) && n < most && digitValue(raw[i+n]) < base {
		n++
	}
	return n
}

// number reads s, all digits of the given base, with no overflow check (at most 8 digits come here).
func number(s string, base int) uint32 {
	var v uint32
	for i := 0; i < len(s); i++ {
		v = v*uint32(base) + uint32(digitValue(s[i]))
	}
	return v
}

// digitValue is c's value as a hexadecimal digit, or 99.
func digitValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return 99
}

// parseCommand reads a command's words, looks it up and reads its arguments
// as its syntax says.
func parseCommand(query string, c adminCmdTokens) (adminStmt, error) {
	st := adminStmt{text: query[c.start:c.end]}
	n := 0
	for n < len(c.toks) && n < adminMaxWords && c.toks[n].kind == sqlscan.Word {
		n++
	}
	for ; n >= 1; n-- {
		words := make([]string, n)
		for i, t := range c.toks[:n] {
			words[i] = strings.ToLower(t.raw)
		}
		st.name = strings.Join(words, " ")
		if cmd, ok := adminCommands[st.name]; ok {
			var err error
			st.args, err = parseArgs(cmd.syntax, strings.ToUpper(st.name), c.toks[n:])
			return st, err
		}
	}
	return adminStmt{}, syntaxErrorf("unknown admin command: %s", st.text)
}

// parseArgs reads the arguments of the command named cmd (in upper case).
func parseArgs(syntax adminSyntax, cmd string, toks []adminToken) ([]string, error) {
	switch syntax {
	case syntaxDatabase:
		return parseDatabase(cmd, toks)
	case syntaxSet:
		return parseSet(toks)
	case syntaxColumns:
		return parseColumns(cmd, toks)
	}
	if len(toks) > 0 {
		return nil, noArgs(cmd, []string{tokensText(toks)})
	}
	return nil, nil
}

// tokensText is toks as written, separated by single spaces.
func tokensText(toks []adminToken) string {
	raws := make([]string, len(toks))
	for i, t := range toks {
		raws[i] = t.raw
	}
	return strings.Join(raws, " ")
}

// parseDatabase reads the optional database of PAUSE, RESUME and RECONNECT.
func parseDatabase(cmd string, toks []adminToken) ([]string, error) {
	if len(toks) == 0 {
		return nil, nil
	}
	if len(toks) > 1 {
		return nil, syntaxErrorf("usage: %s [database]; quote a name such as \"my-db\", got %s", cmd, near(tokensText(toks)))
	}
	switch t := toks[0]; t.kind {
	case sqlscan.Word, sqlscan.QuotedIdent, sqlscan.String:
		return []string{t.val}, nil
	default:
		return nil, syntaxErrorf("usage: %s [database], got %s", cmd, near(t.raw))
	}
}

// parseSet reads SET's key TO value or key = value.
func parseSet(toks []adminToken) ([]string, error) {
	if len(toks) < 3 {
		return nil, syntaxErrorf("usage: SET key TO 'value'")
	}
	var key string
	switch t := toks[0]; t.kind {
	case sqlscan.Word:
		key = strings.ToLower(t.raw)
	case sqlscan.QuotedIdent:
		key = t.val
	default:
		return nil, syntaxErrorf("SET: syntax error at or near %s; usage: SET key TO 'value'", near(t.raw))
	}
	if to := toks[1]; !(to.kind == sqlscan.Word && strings.EqualFold(to.raw, "to") || to.kind == sqlscan.Punct && to.raw == "=") {
		return nil, syntaxErrorf("SET: syntax error at or near %s; usage: SET key TO 'value'", near(to.raw))
	}
	value, rest := toks[2], toks[3:]
	switch {
	case value.kind == sqlscan.Punct && (value.raw == "-" || value.raw == "+") && len(rest) > 0 && rest[0].kind == sqlscan.Number:
		value.val, rest = value.raw+rest[0].raw, rest[1:]
	case value.kind == sqlscan.String, value.kind == sqlscan.Number, value.kind == sqlscan.Word:
	default:
		return nil, syntaxErrorf("SET: syntax error at or near %s; a value is a 'string', a number or a word", near(value.raw))
	}
	if len(rest) > 0 {
		return nil, syntaxErrorf("SET: syntax error at or near %s; quote a value that holds more than one word", near(rest[0].raw))
	}
	return []string{key, value.val}, nil
}

// parseColumns reads the optional column list of SHOW CLIENTS and SHOW
// SERVERS: names separated by commas or white space; a comma must stand
// between two names.
func parseColumns(cmd string, toks []adminToken) ([]string, error) {
	var names []string
	comma := false // the last token was a comma
	for _, t := range toks {
		switch {
		case t.kind == sqlscan.Word:
			names = append(names, strings.ToLower(t.raw))
		case t.kind == sqlscan.QuotedIdent:
			names = append(names, t.val)
		case t.kind == sqlscan.Punct && t.raw == "," && len(names) > 0 && !comma:
			comma = true
			continue
		default:
			return nil, syntaxErrorf("usage: %s [column, ...], got %s", cmd, near(t.raw))
		}
		comma = false
	}
	if comma {
		return nil, syntaxErrorf("usage: %s [column, ...]: a column list cannot end with a comma", cmd)
	}
	return names, nil
}
