// judge.go holds the rules that compare one statement's two runs, and the copying of their example.

package insight

import (
	"bytes"
	"time"
	"unicode/utf8"
)

// noDivergence is judge's verdict for two runs that agree.
const noDivergence = NumDivergenceKinds

// maxText bounds the bytes kept of a statement's text and of an error message.
const maxText = 256

// inFailedSQLTransaction is SQLSTATE 25P02: a statement refused because an earlier one
// failed in the same transaction.
const inFailedSQLTransaction = "25P02"

// The tags shown for the kinds that carry none.
var (
	emptyTag     = []byte("EMPTY")
	suspendedTag = []byte("SUSPENDED")
)

// judge says whether a statement is compared at all and, if it is, how its runs diverged
// (noDivergence when they agree). Not compared: a statement either side skipped (Missing),
// and one the mirror refused with 25P02 while the source did not fail (the consequence of
// an earlier divergence, not a new one).
func judge(st *Statement) (compared bool, kind DivergenceKind) {
	src, mir := st.Source.Kind, st.Mirror.Kind
	switch {
	case src == Missing || mir == Missing:
		return false, noDivergence
	case mir == Failed && src != Failed:
		if string(st.Mirror.Tag) == inFailedSQLTransaction {
			return false, noDivergence
		}
		return true, MirrorError
	case src == Failed && mir != Failed:
		return true, SourceError
	case src == Failed:
		if !bytes.Equal(st.Source.Tag, st.Mirror.Tag) {
			return true, ErrorMismatch
		}
		return true, noDivergence
	case src != mir || (src == Complete && !bytes.Equal(st.Source.Tag, st.Mirror.Tag)):
		return true, TagMismatch
	}
	return true, noDivergence
}

// tagOf is the tag a side ended with: the command tag, the SQLSTATE, or a name for the
// kinds that carry none.
func tagOf(o *Outcome) []byte {
	switch o.Kind {
	case Empty:
		return emptyTag
	case Suspended:
		return suspendedTag
	}
	return o.Tag
}

// clip cuts b to at most maxText bytes, at a UTF-8 boundary.
func clip(b []byte) []byte {
	if len(b) <= maxText {
		return b
	}
	n := maxText
	for n > maxText-utf8.UTFMax && !utf8.RuneStart(b[n]) {
		n--
	}
	if !utf8.RuneStart(b[n]) {
		n = maxText // not UTF-8: cut anywhere
	}
	return b[:n]
}

// keep sets *dst to b clipped, copying only when it differs from what *dst holds; shared
// is a string to reuse instead of a copy when it holds the same bytes.
func keep(dst *string, b []byte, shared string) {
	b = clip(b)
	switch {
	case string(b) == *dst:
	case string(b) == shared:
		*dst = shared
	default:
		*dst = string(b)
	}
}

// example is the latest statement of one divergence kind on one entry, with the kind's
// count and first and last times.
type example struct {
	sqlstate, message    string
	sourceTag, mirrorTag string
	query                string
	count                int64
	first, last          time.Time
}

// record makes st, of divergence kind, the latest example; text is the entry's text,
// shared when the statement's is the same.
func (ex *example) record(kind DivergenceKind, st *Statement, text string, now time.Time) {
	keep(&ex.sourceTag, tagOf(&st.Source), ex.mirrorTag)
	keep(&ex.mirrorTag, tagOf(&st.Mirror), ex.sourceTag)
	switch kind {
	case MirrorError, ErrorMismatch:
		keep(&ex.sqlstate, st.Mirror.Tag, ex.mirrorTag)
		keep(&ex.message, st.Mirror.Message, "")
	case SourceError:
		keep(&ex.sqlstate, st.Source.Tag, ex.sourceTag)
		keep(&ex.message, st.Source.Message, "")
	default:
		ex.sqlstate, ex.message = "", ""
	}
	keep(&ex.query, st.Text, text)
	if ex.count == 0 {
		ex.first = now
	}
	ex.count++
	if now.After(ex.last) {
		ex.last = now
	}
}
