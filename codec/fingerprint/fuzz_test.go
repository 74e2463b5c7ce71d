// fuzz_test.go holds the fuzz test of Of and Normalize (seed corpus in testdata/fuzz/FuzzOf).

package fingerprint

import (
	"bytes"
	"testing"
)

// FuzzOf checks that Of and Normalize never panic, that Normalize only
// appends, that its output is its own normal form, and that it keeps the
// fingerprint: Of(Normalize(x)) == Of(x).
func FuzzOf(f *testing.F) {
	for _, s := range []string{pgbenchStmt, ormStmt, "select cast('1' as int) in (1, -2)", "set local x to 'y'; fetch 5 from c"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, sql []byte) {
		fp := Of(sql)
		prefix := []byte("p:")
		n := Normalize(prefix, sql)
		if !bytes.HasPrefix(n, []byte("p:")) {
			t.Fatalf("Normalize lost dst's bytes: %q", n)
		}
		n = n[len(prefix):]
		if got := Of(n); got != fp {
			t.Fatalf("Of(Normalize(%q)) = Of(%q) = %x, want %x", sql, n, got, fp)
		}
		if again := Normalize(nil, n); !bytes.Equal(again, n) {
			t.Fatalf("Normalize(%q) = %q, not its own normal form (%q)", sql, n, again)
		}
	})
}
