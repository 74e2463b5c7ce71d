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

// maxExamples bounds the divergence examples an entry keeps: its failures by SQLSTATE are
// few in practice, and past the bound a new SQLSTATE is counted with its kind's first one.
const maxExamples = 8

// example is one divergence of an entry: its kind, and for an error its SQLSTATE, with the
// first message and statement of that SQLSTATE (for a tag mismatch, the latest tags and
// statement), the count and first and last times.
type example struct {
	kind                 DivergenceKind
	sqlstate, message    string
	sourceTag, mirrorTag string
	query                string
	count                int64
	first, last          time.Time
}

// failedState is the SQLSTATE of the side a divergence of kind blames (the mirror's when
// both failed), nil for a tag mismatch.
func failedState(kind DivergenceKind, st *Statement) []byte {
	switch kind {
	case MirrorError, ErrorMismatch:
		return st.Mirror.Tag
	case SourceError:
		return st.Source.Tag
	}
	return nil
}

// example returns the entry's example of st's divergence of kind: the one of its SQLSTATE,
// a new one while fewer than maxExamples are kept, or else the kind's first one (or, when
// the kind has none, the least recently seen, made anew).
func (e *entry) example(kind DivergenceKind, st *Statement) *example {
	state := failedState(kind, st)
	var sameKind, oldest *example
	for _, ex := range e.divs {
		if ex.kind == kind && (kind == TagMismatch || ex.sqlstate == string(state)) {
			return ex
		}
		if ex.kind == kind && sameKind == nil {
			sameKind = ex
		}
		if oldest == nil || ex.last.Before(oldest.last) {
			oldest = ex
		}
	}
	switch {
	case len(e.divs) < maxExamples:
		ex := &example{kind: kind}
		e.divs = append(e.divs, ex)
		return ex
	case sameKind != nil:
		return sameKind
	}
	*oldest = example{kind: kind}
	return oldest
}

// record counts st, of divergence kind, in the example. A new example takes st's details;
// a tag mismatch's takes the latest ones, an error's keeps those of its first occurrence.
// text is the entry's text, shared when the statement's is the same.
func (ex *example) record(kind DivergenceKind, st *Statement, text string, now time.Time) {
	if ex.count == 0 || kind == TagMismatch {
		keep(&ex.sourceTag, tagOf(&st.Source), ex.mirrorTag)
		keep(&ex.mirrorTag, tagOf(&st.Mirror), ex.sourceTag)
		keep(&ex.query, st.Text, text)
		switch kind {
		case MirrorError, ErrorMismatch:
			keep(&ex.sqlstate, st.Mirror.Tag, ex.mirrorTag)
			keep(&ex.message, st.Mirror.Message, "")
		case SourceError:
			keep(&ex.sqlstate, st.Source.Tag, ex.sourceTag)
			keep(&ex.message, st.Source.Message, "")
		}
	}
	if ex.count == 0 {
		ex.first = now
	}
	ex.count++
	if now.After(ex.last) {
		ex.last = now
	}
}
