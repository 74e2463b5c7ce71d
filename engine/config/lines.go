// Line numbers of TOML keys, found by scanning the file text (the TOML decoder does not expose them).

package config

import (
	"strconv"
	"strings"
)

// keyLines maps a key path to the 1-based line where it first appears.
// Paths: "general" (a table header), "general.port", "databases[2]" (the header
// of the second [[databases]] block), "databases[2].host".
type keyLines map[string]int

// scanKeyLines records the line of every table header and key of a TOML text.
// It understands comments, quoted keys, multi-line strings and multi-line
// arrays or inline tables; keys inside inline tables are not recorded.
func scanKeyLines(text string) keyLines {
	out := keyLines{}
	counts := map[string]int{}
	prefix := ""
	var s lineScanner
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if s.inString != "" || s.depth > 0 {
			s.scanValue(line)
			continue
		}
		t := strings.TrimSpace(line)
		switch {
		case t == "" || t[0] == '#':
		case strings.HasPrefix(t, "[["):
			name := normalizeKey(headerName(t[2:], "]]"))
			counts[name]++
			prefix = name + "[" + strconv.Itoa(counts[name]) + "]"
			setLine(out, prefix, n)
		case t[0] == '[':
			prefix = normalizeKey(headerName(t[1:], "]"))
			setLine(out, prefix, n)
		default:
			eq := indexOutsideQuotes(t, '=')
			if eq < 0 {
				continue
			}
			key := normalizeKey(t[:eq])
			if prefix != "" {
				key = prefix + "." + key
			}
			setLine(out, key, n)
			s.scanValue(t[eq+1:])
		}
	}
	return out
}

func setLine(m keyLines, key string, line int) {
	if _, ok := m[key]; !ok {
		m[key] = line
	}
}

// headerName returns the text of a table header before its closing bracket(s).
func headerName(s, closing string) string {
	if i := indexOutsideQuotesStr(s, closing); i >= 0 {
		return s[:i]
	}
	return s
}

// normalizeKey turns a possibly dotted, quoted, spaced TOML key into "a.b.c".
func normalizeKey(k string) string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(k); i++ {
		ch := k[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			if ch == '\\' && quote == '"' && i+1 < len(k) {
				i++
				ch = k[i]
			}
			cur.WriteByte(ch)
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		case ch == ' ' || ch == '\t':
		default:
			cur.WriteByte(ch)
		}
	}
	parts = append(parts, cur.String())
	return strings.Join(parts, ".")
}

// indexOutsideQuotes returns the index of the first c not inside a quoted string.
func indexOutsideQuotes(s string, c byte) int {
	return indexOutsideQuotesStr(s, string(c))
}

func indexOutsideQuotesStr(s, sub string) int {
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == '\\' && quote == '"':
			i++
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
		case ch == '"' || ch == '\'':
			quote = ch
		case strings.HasPrefix(s[i:], sub):
			return i
		}
	}
	return -1
}

// lineScanner tracks, across lines, whether a value is still open: a
// multi-line string or an array / inline table whose brackets are not closed.
type lineScanner struct {
	inString string // `"""` or `'''` while inside a multi-line string
	depth    int    // open [ and { of the current value
}

// scanValue consumes the value part of one line.
func (s *lineScanner) scanValue(v string) {
	for i := 0; i < len(v); i++ {
		if s.inString != "" {
			if s.inString == `"""` && v[i] == '\\' {
				i++
				continue
			}
			if strings.HasPrefix(v[i:], s.inString) {
				i += len(s.inString) - 1
				s.inString = ""
			}
			continue
		}
		switch ch := v[i]; ch {
		case '#':
			return
		case '[', '{':
			s.depth++
		case ']', '}':
			if s.depth > 0 {
				s.depth--
			}
		case '"', '\'':
			delim := v[i : i+1]
			if strings.HasPrefix(v[i:], strings.Repeat(delim, 3)) {
				s.inString = strings.Repeat(delim, 3)
				i += 2
				continue
			}
			i = skipBasicString(v, i)
		}
	}
}

// skipBasicString returns the index of the closing quote of the one-line string opened at v[i].
func skipBasicString(v string, i int) int {
	q := v[i]
	for j := i + 1; j < len(v); j++ {
		if q == '"' && v[j] == '\\' {
			j++
			continue
		}
		if v[j] == q {
			return j
		}
	}
	return len(v)
}
