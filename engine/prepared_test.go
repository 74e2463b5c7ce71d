// prepared_test.go checks the SQL recognisers and frame helpers of the prepared statement support.
package engine

import (
	"bytes"
	"testing"
)

func TestDiscardsAll(t *testing.T) {
	cases := map[string]bool{
		"DISCARD ALL\x00": true, "  discard   all ;\x00": true, "deallocate all\x00": true,
		"DEALLOCATE PREPARE ALL\x00": true, "discard plans\x00": false, "deallocate s1\x00": false,
		"select 'discard all'\x00": false, "discard allx\x00": false,
	}
	for sql, want := range cases {
		if got := discardsAll([]byte(sql)); got != want {
			t.Errorf("discardsAll(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestDeallocateName(t *testing.T) {
	cases := []struct {
		sql  string
		name string
		ok   bool
	}{
		{"deallocate dn\x00", "dn", true},
		{"DEALLOCATE PREPARE S1;\x00", "s1", true},
		{`deallocate "MixedCase"` + "\x00", "MixedCase", true},
		{"deallocate all\x00", "", false},
		{"deallocate prepared_x\x00", "prepared_x", true},
		{"deallocate dn, other\x00", "", false},
		{"select 1\x00", "", false},
	}
	for _, c := range cases {
		name, ok := deallocateName([]byte(c.sql))
		if ok != c.ok || string(name) != c.name {
			t.Errorf("deallocateName(%q) = %q, %v; want %q, %v", c.sql, name, ok, c.name, c.ok)
		}
	}
}

func TestRenameFrames(t *testing.T) {
	bind := []byte("B\x00\x00\x00\x0e\x00s1\x00\x00\x00\x00\x00\x00\x00")
	got := appendRenamed(nil, bind, 1, "__pgdogd_7")
	want := []byte("B\x00\x00\x00\x16\x00__pgdogd_7\x00\x00\x00\x00\x00\x00\x00")
	if !bytes.Equal(got, want) {
		t.Fatalf("appendRenamed = %q, want %q", got, want)
	}
	if id, ok := stmtID([]byte("__pgdogd_42")); !ok || id != 42 {
		t.Fatalf("stmtID = %d, %v", id, ok)
	}
	for _, bad := range []string{"__pgdogd_", "__pgdogd_4x", "s1", ""} {
		if _, ok := stmtID([]byte(bad)); ok {
			t.Errorf("stmtID(%q) accepted", bad)
		}
	}
	c := newStmtCache()
	a, b := c.get([]byte("select 1"), []byte{0, 0}), c.get([]byte("select 1"), []byte{0, 0})
	if a != b || a.name != "__pgdogd_1" || c.get([]byte("select 1"), []byte{0, 1, 0, 0, 0, 23}) == a {
		t.Fatalf("statement cache does not key on query and types: %v %v", a, b)
	}
}
