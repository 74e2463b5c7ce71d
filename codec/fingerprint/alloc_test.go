//go:build !race

// alloc_test.go checks that Of allocates nothing (the race detector allocates, so this runs without it).

package fingerprint

import "testing"

func TestOfZeroAlloc(t *testing.T) {
	stmts := [][]byte{[]byte(pgbenchStmt), []byte(ormStmt),
		[]byte("SET LOCAL statement_timeout = '5s'"), []byte("select cast('1' as int), x in (1, -2), date '2024-01-01'; commit and chain")}
	var sink uint64
	allocs := testing.AllocsPerRun(1000, func() {
		for _, s := range stmts {
			sink ^= Of(s)
		}
	})
	if allocs != 0 {
		t.Errorf("Of: %v allocations per run, want 0", allocs)
	}
	if sink == 0 {
		t.Error("no fingerprint")
	}
}

func TestNormalizeZeroAlloc(t *testing.T) {
	sql := []byte(ormStmt)
	buf := make([]byte, 0, 2*len(sql))
	allocs := testing.AllocsPerRun(1000, func() { buf = Normalize(buf[:0], sql) })
	if allocs != 0 {
		t.Errorf("Normalize into a large enough buffer: %v allocations per run, want 0", allocs)
	}
}
