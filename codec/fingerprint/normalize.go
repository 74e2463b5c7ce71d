// normalize.go holds Normalize, the statement's text as shown to an operator.

package fingerprint

import (
	"strconv"

	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// Normalize appends to dst the text of sql as shown to an operator, and
// returns dst (the result is dst's, valid as long as dst is; sql is not
// kept). Comments go; white space between two tokens becomes one space
// (none where the text had none); unquoted identifiers and keywords are
// lower-cased (ASCII letters only); quoted identifiers are kept as written;
// a trailing ";" goes. Every constant becomes $1, $2... in the order of the
// text, as pg_stat_statements shows it: strings, numbers (with a "-" sign),
// $n parameters, TRUE, FALSE and NULL (not after IS or NOT), and the string
// of a typed literal (date '2024-01-01' is date $1). Casts stay. The result
// has the fingerprint of sql: Of(Normalize(nil, sql)) == Of(sql).
func Normalize(dst, sql []byte) []byte {
	c := newCursor(sql)
	n := 0
	prevEnd := -1
	semi := false
	for {
		before := c.prev
		t, ok := c.next()
		if !ok {
			return dst
		}
		if c.isPunct(t, ';') {
			semi = prevEnd >= 0
			continue
		}
		if semi {
			dst = append(dst, ';', ' ')
			semi = false
		} else if prevEnd >= 0 && t.Start > prevEnd {
			dst = append(dst, ' ')
		}
		switch c.value(t, before) {
		case plainValue:
			dst = appendParam(dst, &n)
		case typedValue:
			dst = appendLower(dst, c.text(t))
			dst = append(dst, ' ')
			dst = appendParam(dst, &n)
		default:
			if t.Kind == sqlscan.Word {
				dst = appendLower(dst, c.text(t))
			} else {
				dst = append(dst, c.text(t)...)
			}
		}
		prevEnd = c.prev.End
	}
}

// appendParam appends the next placeholder, $(*n+1), with a space before it
// if the byte before would join it to a word or a dollar quote.
func appendParam(dst []byte, n *int) []byte {
	if k := len(dst); k > 0 && isIdentByte(dst[k-1]) {
		dst = append(dst, ' ')
	}
	*n++
	dst = append(dst, '$')
	return strconv.AppendInt(dst, int64(*n), 10)
}

// isIdentByte reports whether c can go on an identifier or a dollar-quote tag.
func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '$' || c >= 0x80
}

// appendLower appends b with A-Z lower-cased.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
