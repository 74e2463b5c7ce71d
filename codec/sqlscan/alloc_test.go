//go:build !race

// alloc_test.go checks that splitting, tokenizing and ParseDrop allocate nothing
// (the race detector allocates, so this runs without it).

package sqlscan

import "testing"

func TestZeroAlloc(t *testing.T) {
	sql := []byte("/* hint */ SELECT a, \"B\"\"c\", E'\\';', $$;$$, $1 FROM t WHERE x = 'y;' -- c\n;" +
		"create function f() returns int language sql begin atomic select 1; end;" +
		"DEALLOCATE PREPARE \"Foo\"; discard all;\x00")
	drop := []byte("DEALLOCATE /* c */ PREPARE stmt_1 ;")
	var sink int
	allocs := testing.AllocsPerRun(1000, func() {
		s := Split(sql)
		for {
			stmt, start, ok := s.Next()
			if !ok {
				break
			}
			sink += start
			toks := Tokenize(stmt)
			for {
				tok, ok := toks.Next()
				if !ok {
					break
				}
				sink += tok.End
			}
			if d, ok := ParseDrop(stmt); ok {
				sink += d.NameEnd
			}
			if tok, ok := FirstKeyword(stmt); ok && tok.Is(stmt, "select") {
				sink++
			}
		}
		if d, ok := ParseDrop(drop); ok {
			sink += d.NameStart
		}
		if _, ok := ParseDrop([]byte("deallocate select")); !ok {
			sink++
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if sink == 0 {
		t.Error("nothing scanned")
	}
}

func TestIdentAllocs(t *testing.T) {
	stmt := []byte(`"Foo""Bar" SomeName`)
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(1000, func() {
		toks := Tokenize(stmt)
		for {
			tok, ok := toks.Next()
			if !ok {
				break
			}
			buf = Ident(buf[:0], stmt, tok)
		}
	})
	if allocs != 0 {
		t.Errorf("Ident: %v allocations per run, want 0", allocs)
	}
}
