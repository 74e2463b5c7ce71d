// querytext.go holds how the metrics and the /mirror report show a compared query: its fingerprint in hex and its text, shortened.

package metrics

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// fingerprint is a query fingerprint as the console writes it: 16 hexadecimal digits.
func fingerprint(fp uint64) string { return fmt.Sprintf("%016x", fp) }

// shortQuery is a query's text on one line, valid UTF-8, its runs of white
// space made one space, cut to at most most characters ("…" ending a cut
// text, within the limit).
func shortQuery(q string, most int) string {
	q = strings.Join(strings.Fields(strings.ToValidUTF8(q, "\uFFFD")), " ")
	if utf8.RuneCountInString(q) <= most {
		return q
	}
	n := 0
	for i := range q {
		if n == most-1 {
			return q[:i] + "…"
		}
		n++
	}
	return q
}
