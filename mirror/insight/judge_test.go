// judge_test.go tests the Observe rules: what is compared, how each divergence is classified, and what its example keeps.

package insight

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// t0 is the tests' clock.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// done is a CommandComplete with tag; fail an ErrorResponse.
func done(tag string) Outcome {
	return Outcome{Kind: Complete, Latency: time.Millisecond, Tag: []byte(tag)}
}

func fail(state, msg string) Outcome {
	return Outcome{Kind: Failed, Latency: 2 * time.Millisecond, Tag: []byte(state), Message: []byte(msg)}
}

var (
	missing   = Outcome{Kind: Missing}
	empty     = Outcome{Kind: Empty, Latency: time.Millisecond}
	suspended = Outcome{Kind: Suspended, Latency: time.Millisecond}
)

func TestObserveRules(t *testing.T) {
	const none = noDivergence
	tests := []struct {
		name           string
		src, mir       Outcome
		compared       bool
		kind           DivergenceKind
		state, message string // the divergence's
		srcTag, mirTag string
	}{
		{"agree", done("UPDATE 1"), done("UPDATE 1"), true, none, "", "", "", ""},
		{"source missing", missing, done("UPDATE 1"), false, none, "", "", "", ""},
		{"mirror missing", done("UPDATE 1"), missing, false, none, "", "", "", ""},
		{"both missing", missing, missing, false, none, "", "", "", ""},
		{"missing beats failure", missing, fail("23505", "dup"), false, none, "", "", "", ""},
		{"mirror 25P02 after its own failure", done("UPDATE 1"), fail("25P02", "current transaction is aborted"), false, none, "", "", "", ""},
		{"mirror 25P02, source empty", empty, fail("25P02", "aborted"), false, none, "", "", "", ""},
		{"mirror 25P02, source failed otherwise", fail("23505", "dup"), fail("25P02", "aborted"), true, ErrorMismatch, "25P02", "aborted", "23505", "25P02"},
		{"both 25P02", fail("25P02", "a"), fail("25P02", "b"), true, none, "", "", "", ""},
		{"mirror error", done("INSERT 0 1"), fail("23505", "duplicate key"), true, MirrorError, "23505", "duplicate key", "INSERT 0 1", "23505"},
		{"mirror error after empty", empty, fail("42601", "syntax"), true, MirrorError, "42601", "syntax", "EMPTY", "42601"},
		{"mirror error after suspended", suspended, fail("57014", "canceled"), true, MirrorError, "57014", "canceled", "SUSPENDED", "57014"},
		{"source error", fail("40001", "serialization"), done("UPDATE 3"), true, SourceError, "40001", "serialization", "40001", "UPDATE 3"},
		{"source error, mirror empty", fail("40001", "serialization"), empty, true, SourceError, "40001", "serialization", "40001", "EMPTY"},
		{"error mismatch", fail("23505", "dup"), fail("23503", "fk"), true, ErrorMismatch, "23503", "fk", "23505", "23503"},
		{"same error", fail("23505", "dup on source"), fail("23505", "dup on mirror"), true, none, "", "", "", ""},
		{"update count", done("UPDATE 1"), done("UPDATE 0"), true, TagMismatch, "", "", "UPDATE 1", "UPDATE 0"},
		{"select count", done("SELECT 5"), done("SELECT 4"), true, TagMismatch, "", "", "SELECT 5", "SELECT 4"},
		{"complete vs suspended", done("SELECT 10"), suspended, true, TagMismatch, "", "", "SELECT 10", "SUSPENDED"},
		{"empty vs complete", empty, done("SELECT 0"), true, TagMismatch, "", "", "EMPTY", "SELECT 0"},
		{"both empty", empty, empty, true, none, "", "", "", ""},
		{"both suspended", suspended, suspended, true, none, "", "", "", ""},
	}
	for _, tt := range tests {
		tab := NewTable(10)
		tab.Observe("m1", []Statement{{Fingerprint: 7, Text: []byte("q"), Source: tt.src, Mirror: tt.mir, Timed: true}}, t0)
		qs, divs, tots := tab.Queries(false), tab.Divergences(), tab.Totals()
		if !tt.compared {
			if len(qs) != 0 || len(divs) != 0 || len(tots) != 0 || tab.Len() != 0 {
				t.Errorf("%s: not ignored: %d queries, %d divergences, totals %+v", tt.name, len(qs), len(divs), tots)
			}
			continue
		}
		if len(qs) != 1 || qs[0].Calls != 1 || qs[0].OnSource.Count != 1 || qs[0].OnMirror.Count != 1 {
			t.Errorf("%s: queries %+v, want one call with both latencies", tt.name, qs)
			continue
		}
		if qs[0].OnSource.Total != tt.src.Latency || qs[0].OnMirror.Total != tt.mir.Latency {
			t.Errorf("%s: latencies %v, %v", tt.name, qs[0].OnSource.Total, qs[0].OnMirror.Total)
		}
		wantTot := Totals{Mirror: "m1", Compared: 1}
		var wantCounts [NumDivergenceKinds]int64
		if tt.kind != none {
			wantTot.Divergences[tt.kind] = 1
			wantCounts[tt.kind] = 1
		}
		if len(tots) != 1 || tots[0] != wantTot {
			t.Errorf("%s: totals %+v, want %+v", tt.name, tots, wantTot)
		}
		if qs[0].Divergences != wantCounts {
			t.Errorf("%s: entry divergences %v, want %v", tt.name, qs[0].Divergences, wantCounts)
		}
		if tt.kind == none {
			if len(divs) != 0 {
				t.Errorf("%s: divergences %+v, want none", tt.name, divs)
			}
			continue
		}
		want := Divergence{Mirror: "m1", Fingerprint: 7, Kind: tt.kind, SQLState: tt.state, Message: tt.message,
			SourceTag: tt.srcTag, MirrorTag: tt.mirTag, Query: "q", Count: 1, First: t0, Last: t0}
		if len(divs) != 1 || divs[0] != want {
			t.Errorf("%s: divergences %+v,\nwant %+v", tt.name, divs, want)
		}
	}
}

func TestDivergenceExamplesBySQLState(t *testing.T) {
	tab := NewTable(10)
	fail1 := func(state, msg, text string, at time.Duration) {
		tab.Observe("m", []Statement{{Fingerprint: 1, Text: []byte(text), Source: done("INSERT 0 1"), Mirror: fail(state, msg)}}, t0.Add(at))
	}
	fail1("23505", "first duplicate", "INSERT 1", 0)
	fail1("23505", "second duplicate", "INSERT 2", 2*time.Second)
	fail1("42703", "no column", "INSERT 3", time.Second)
	// An older time from a slower goroutine counts, but does not move Last back.
	fail1("23505", "late duplicate", "INSERT 4", -time.Second)
	// Tag mismatches keep the latest tags.
	tab.Observe("m", []Statement{{Fingerprint: 1, Text: []byte("INSERT 5"), Source: done("INSERT 0 1"), Mirror: done("INSERT 0 0")}}, t0)
	tab.Observe("m", []Statement{{Fingerprint: 1, Text: []byte("INSERT 6"), Source: done("INSERT 0 2"), Mirror: done("INSERT 0 0")}}, t0)
	divs := tab.Divergences()
	if len(divs) != 3 {
		t.Fatalf("divergences %+v, want one per SQLSTATE and one tag mismatch", divs)
	}
	dup, col, tag := divs[0], divs[1], divs[2]
	if dup.SQLState != "23505" || dup.Count != 3 || dup.Message != "first duplicate" || dup.Query != "INSERT 1" ||
		!dup.First.Equal(t0) || !dup.Last.Equal(t0.Add(2*time.Second)) {
		t.Errorf("23505: %+v, want 3 counted with the first message and statement", dup)
	}
	if col.SQLState != "42703" || col.Count != 1 || col.Message != "no column" {
		t.Errorf("42703: %+v", col)
	}
	if tag.Kind != TagMismatch || tag.Count != 2 || tag.SourceTag != "INSERT 0 2" || tag.Query != "INSERT 6" {
		t.Errorf("tag mismatch: %+v, want the latest tags", tag)
	}
	q := tab.Queries(false)[0]
	if q.Divergences[MirrorError] != 4 || q.Divergences[TagMismatch] != 2 || q.Query != "insert $1" {
		t.Errorf("entry %+v", q)
	}
}

func TestDivergenceExamplesBounded(t *testing.T) {
	tab := NewTable(10)
	for i := range maxExamples + 3 {
		st := Statement{Timed: true, Fingerprint: 1, Text: []byte("x"), Source: done("SELECT 1"), Mirror: fail(fmt.Sprintf("XX%03d", i), "m")}
		tab.Observe("m", []Statement{st}, t0.Add(time.Duration(i)*time.Second))
	}
	divs := tab.Divergences()
	var total int64
	for _, d := range divs {
		total += d.Count
	}
	if len(divs) != maxExamples || total != maxExamples+3 || tab.Queries(false)[0].Divergences[MirrorError] != maxExamples+3 {
		t.Errorf("%d examples counting %d, want %d counting %d", len(divs), total, maxExamples, maxExamples+3)
	}
}

func TestNoAliasing(t *testing.T) {
	text, tag, msg := []byte("SELECT 1"), []byte("23505"), []byte("duplicate")
	st := Statement{Timed: true, Fingerprint: 1, Text: text, Source: done("SELECT 1"), Mirror: Outcome{Kind: Failed, Tag: tag, Message: msg}}
	tab := NewTable(10)
	tab.Observe("m", []Statement{st}, t0)
	for _, b := range [][]byte{text, tag, msg} {
		for i := range b {
			b[i] = 'X'
		}
	}
	d := tab.Divergences()[0]
	if d.Query != "SELECT 1" || d.SQLState != "23505" || d.Message != "duplicate" || tab.Queries(false)[0].Query != "select $1" {
		t.Errorf("the table aliases the caller's buffers: %+v", d)
	}
}

func TestClip(t *testing.T) {
	ascii := strings.Repeat("a", 300)
	if got := clip([]byte(ascii)); len(got) != maxText {
		t.Errorf("ascii clipped to %d", len(got))
	}
	short := "SELECT 'é'"
	if got := string(clip([]byte(short))); got != short {
		t.Errorf("short text changed: %q", got)
	}
	for pad := range 4 {
		// Runes of 2, 3 and 4 bytes straddling the limit are dropped whole.
		for _, r := range []string{"é", "€", "𝄞"} {
			s := strings.Repeat("a", maxText-pad) + strings.Repeat(r, 10)
			got := clip([]byte(s))
			if len(got) > maxText || len(got) < maxText-3 || !utf8.Valid(got) || !strings.HasPrefix(s, string(got)) {
				t.Errorf("pad %d rune %q: clipped to %d bytes, valid %v", pad, r, len(got), utf8.Valid(got))
			}
		}
	}
	bad := []byte(strings.Repeat("\x80", 300))
	if got := clip(bad); len(got) != maxText {
		t.Errorf("invalid UTF-8 clipped to %d, want %d", len(got), maxText)
	}
	tab := NewTable(10)
	long := strings.Repeat("é", 200) // 400 bytes
	tab.Observe("m", []Statement{{Fingerprint: 1, Text: []byte(long), Source: done("SELECT 1"), Mirror: fail("XX000", long)}}, t0)
	d := tab.Divergences()[0]
	if len(d.Query) != maxText || len(d.Message) != maxText || !utf8.ValidString(d.Query) || len(tab.Queries(false)[0].Query) != maxText {
		t.Errorf("query %d bytes, message %d bytes", len(d.Query), len(d.Message))
	}
}

func TestUntimedStatementsCountWithoutLatency(t *testing.T) {
	tab := NewTable(10)
	st := Statement{Fingerprint: 3, Text: []byte("q"), Source: done("UPDATE 1"), Mirror: done("UPDATE 0")}
	st.Source.Latency, st.Mirror.Latency = time.Millisecond, 0 // a batch's: not the statement's own
	tab.Observe("m", []Statement{st}, t0)
	st.Timed, st.Mirror.Latency = true, 2*time.Millisecond
	tab.Observe("m", []Statement{st}, t0)
	q := tab.Queries(false)[0]
	if q.Calls != 2 || q.Divergences[TagMismatch] != 2 || q.OnSource.Count != 1 || q.OnMirror.Total != 2*time.Millisecond {
		t.Errorf("%+v: want 2 calls and divergences, 1 timed", q)
	}
}
