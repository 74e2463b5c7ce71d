// Expansion of ${VAR} references in the files' text, as PgDog does before parsing them.

package config

import (
	"os"
	"strings"
)

// expandEnv replaces each ${NAME} of text by the variable NAME, and
// ${NAME:-fallback} by the variable or, when it is not set, the fallback.
// As in PgDog: a reference to a variable that is not set (without a
// fallback), a malformed reference and a bare $NAME stay as written;
// $${NAME} is the escape for a literal ${NAME}. The expansion is textual,
// before TOML parsing: a value needs its quotes around the reference.
func expandEnv(text string) string {
	if !strings.Contains(text, "${") {
		return text
	}
	var b strings.Builder
	for {
		start := strings.Index(text, "${")
		if start < 0 {
			b.WriteString(text)
			return b.String()
		}
		name, fallback, hasFallback, end := parseReference(text[start+2:])
		if end < 0 {
			b.WriteString(text[:start+2]) // not a reference: literal, scan on after "${"
			text = text[start+2:]
			continue
		}
		stop := start + 2 + end + 1
		ref := text[start:stop]
		switch value, set := os.LookupEnv(name); {
		case start > 0 && text[start-1] == '$':
			b.WriteString(text[:start-1])
			b.WriteString(ref)
		case set:
			b.WriteString(text[:start])
			b.WriteString(value)
		case hasFallback:
			b.WriteString(text[:start])
			b.WriteString(fallback)
		default:
			b.WriteString(text[:stop])
		}
		text = text[stop:]
	}
}

// parseReference reads NAME or NAME:-fallback up to the closing brace of
// body (what follows "${"). end is the index of that brace, -1 when body
// does not start a well-formed reference.
func parseReference(body string) (name, fallback string, hasFallback bool, end int) {
	end = strings.IndexByte(body, '}')
	if end < 0 {
		return "", "", false, -1
	}
	name = body[:end]
	if i := strings.Index(name, ":-"); i >= 0 {
		name, fallback, hasFallback = name[:i], name[i+2:], true
	}
	if !isVarName(name) {
		return "", "", false, -1
	}
	return name, fallback, hasFallback, end
}

// isVarName reports whether s is a shell variable name: letters, digits and
// underscores, not starting with a digit.
func isVarName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '_' && !(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && !(ch >= '0' && ch <= '9') {
			return false
		}
	}
	return true
}
