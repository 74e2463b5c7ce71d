// fuzz_test.go holds the fuzz tests of Split, Tokenize and ParseDrop (seed corpus in testdata/fuzz).

package sqlscan

import (
	"bytes"
	"testing"
)

var seeds = []string{
	"select 1; deallocate all",
	"DEALLOCATE PREPARE \"Foo\"\"Bar\"",
	"deallocate /* c */ x ;",
	"select $a$ ; $$ ; $a$; select $1;\x00",
	"select E'\\';' /* /* ; */ */ -- ;\n; discard all",
	"select 'a'\n';'; select E'a' -- c\n'\\';'",
	"create function f() returns int language sql begin atomic select 1; end; select 2",
	"select (1; 2); U&\"a;b\"; B'01''1;'",
}

func FuzzSplit(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, sql []byte) {
		txt := sql
		if i := bytes.IndexByte(sql, 0); i >= 0 {
			txt = sql[:i]
		}
		all := Tokenize(sql) // the whole text's tokens, to match against the statements'
		s := Split(sql)
		prev := 0
		for n := 0; ; n++ {
			stmt, start, ok := s.Next()
			if !ok {
				break
			}
			if n > len(txt) {
				t.Fatalf("more statements than bytes in %q", sql)
			}
			end := start + len(stmt)
			if len(stmt) == 0 || start < prev || end > len(txt) || &stmt[0] != &sql[start] {
				t.Fatalf("statement %q at %d out of place (previous ended at %d, text has %d bytes)", stmt, start, prev, len(txt))
			}
			checkGap(t, sql, &all, start, prev)
			checkTokens(t, stmt, start, &all)
			prev = end
		}
		checkGap(t, sql, &all, len(txt), prev)
		if tok, ok := all.Next(); ok {
			t.Fatalf("token %+v of the whole text is in no statement", tok)
		}
	})
}

// checkGap checks that between two statements (prev to start) the whole
// text's tokens are all ';'.
func checkGap(t *testing.T, sql []byte, all *Tokens, start, prev int) {
	t.Helper()
	for {
		tok, ok := all.Peek()
		if !ok || tok.Start >= start {
			return
		}
		all.Next()
		if tok.Start < prev || tok.Kind != Punct || sql[tok.Start] != ';' {
			t.Fatalf("token %q at %d is between statements (%d to %d)", sql[tok.Start:tok.End], tok.Start, prev, start)
		}
	}
}

// checkTokens checks stmt's tokens are in order, inside stmt, and the same
// as the whole text's tokens at that place.
func checkTokens(t *testing.T, stmt []byte, start int, all *Tokens) {
	t.Helper()
	toks := Tokenize(stmt)
	n, prev := 0, 0
	for {
		tok, ok := toks.Next()
		if !ok {
			break
		}
		n++
		if tok.Start < prev || tok.End <= tok.Start || tok.End > len(stmt) || tok.Kind < Word || tok.Kind > Punct {
			t.Fatalf("token %+v out of place in %q (previous ended at %d)", tok, stmt, prev)
		}
		prev = tok.End
		want, ok := all.Next()
		if !ok || want != (Token{Kind: tok.Kind, Start: tok.Start + start, End: tok.End + start}) {
			t.Fatalf("statement %q at %d: token %+v, whole text's %+v", stmt, start, tok, want)
		}
	}
	if n == 0 {
		t.Fatalf("statement %q has no token", stmt)
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, stmt []byte) {
		toks := Tokenize(stmt)
		prev := 0
		var name []byte
		for {
			tok, ok := toks.Next()
			if !ok {
				break
			}
			if tok.Start < prev || tok.End <= tok.Start || tok.End > len(stmt) || tok.Kind < Word || tok.Kind > Punct {
				t.Fatalf("token %+v out of place in %q (previous ended at %d)", tok, stmt, prev)
			}
			if gap := Tokenize(stmt[prev:tok.Start]); !noTokens(&gap) {
				t.Fatalf("tokens skipped between %d and %d in %q", prev, tok.Start, stmt)
			}
			prev = tok.End
			name = Ident(name[:0], stmt, tok)
			if len(name) > MaxIdentLen || tok.Kind == Word && bytes.ContainsAny(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				t.Fatalf("Ident(%q) = %q", tok.Text(stmt), name)
			}
			if tok.Kind != Word && tok.Kind != QuotedIdent && len(name) != 0 {
				t.Fatalf("Ident of %v %q = %q", tok.Kind, tok.Text(stmt), name)
			}
		}
		if first, ok := FirstKeyword(stmt); ok && (first.Kind != Word || first.End > len(stmt)) {
			t.Fatalf("FirstKeyword(%q) = %+v", stmt, first)
		}
	})
}

func noTokens(toks *Tokens) bool {
	_, ok := toks.Next()
	return !ok
}

func FuzzParseDrop(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, stmt []byte) {
		d, ok := ParseDrop(stmt)
		if !ok {
			if d != (Drop{}) {
				t.Fatalf("ParseDrop(%q) = %+v, false", stmt, d)
			}
			return
		}
		first, _ := FirstKeyword(stmt)
		switch {
		case d.Discard && (!d.All || !first.Is(stmt, "discard")):
			t.Fatalf("ParseDrop(%q) = %+v, a bad DISCARD", stmt, d)
		case !d.Discard && !first.Is(stmt, "deallocate"):
			t.Fatalf("ParseDrop(%q) = %+v, a bad DEALLOCATE", stmt, d)
		case d.All && (d.NameStart != 0 || d.NameEnd != 0):
			t.Fatalf("ParseDrop(%q) = %+v, ALL with a name", stmt, d)
		case !d.All && (d.NameStart < first.End || d.NameEnd <= d.NameStart || d.NameEnd > len(stmt)):
			t.Fatalf("ParseDrop(%q) = %+v, name out of place", stmt, d)
		}
		name := d.Name(nil, stmt)
		if len(name) > MaxIdentLen || d.All && len(name) != 0 {
			t.Fatalf("ParseDrop(%q).Name = %q", stmt, name)
		}
		// A drop is a whole statement: Split finds it alone, and the same drop in it.
		s := Split(stmt)
		one, start, ok := s.Next()
		if _, _, more := s.Next(); !ok || more {
			t.Fatalf("ParseDrop(%q) ok, but Split does not find one statement", stmt)
		}
		d1, ok := ParseDrop(one)
		if !d1.All {
			d1.NameStart, d1.NameEnd = d1.NameStart+start, d1.NameEnd+start
		}
		if !ok || d1 != d {
			t.Fatalf("ParseDrop(%q) = %+v, but of Split's %q = %+v, %v", stmt, d, one, d1, ok)
		}
	})
}
