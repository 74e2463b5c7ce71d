// prepared_test.go checks the statement cache, the shared names and the first look for DEALLOCATE and DISCARD.

package prepared

import (
	"testing"
)

func TestStmtNames(t *testing.T) {
	if id, ok := ID([]byte("__pgdogd_42")); !ok || id != 42 {
		t.Fatalf("stmtID = %d, %v", id, ok)
	}
	for _, bad := range []string{"__pgdogd_", "__pgdogd_4x", "s1", "", "__pgdogd_closed", "__pgdogd_99999999999999999999999"} {
		if _, ok := ID([]byte(bad)); ok {
			t.Errorf("stmtID(%q) accepted", bad)
		}
	}
	c := NewCache()
	a, b := c.Get([]byte("select 1"), []byte{0, 0}), c.Get([]byte("select 1"), []byte{0, 0})
	if a != b || a.Name != "__pgdogd_1" || c.Get([]byte("select 1"), []byte{0, 1, 0, 0, 0, 23}) == a {
		t.Fatalf("statement cache does not key on query and types: %v %v", a, b)
	}
	if c.Find([]byte("select 2"), []byte{0, 0}) != nil || c.Find([]byte("select 1"), []byte{0, 0}) != a {
		t.Fatal("find adds statements or misses them")
	}
	if st := c.Get([]byte("/* x */ DEALLOCATE PREPARE ALL;"), []byte{0, 0}); !st.Drops.All {
		t.Fatal("DEALLOCATE ALL not marked as dropping every statement")
	}
	if st := c.Get([]byte("DISCARD PLANS"), []byte{0, 0}); st.Drops != (Dropping{}) {
		t.Fatal("DISCARD PLANS marked as dropping statements")
	}
	if st := c.Get([]byte("deallocate __pgdogd_7"), []byte{0, 0}); st.Drops != (Dropping{ID: 7}) {
		t.Fatalf("DEALLOCATE of a shared name drops %+v", st.Drops)
	}
}

func TestMayDrop(t *testing.T) {
	cases := map[string]bool{
		"select 1": false, "DEALLOCATE x": true, "select 1; DiScArD all": true, "dealloc": true, "deal": false, "": false,
	}
	for sql, want := range cases {
		if got := MayDrop([]byte(sql)); got != want {
			t.Errorf("mayDrop(%q) = %v, want %v", sql, got, want)
		}
	}
}
