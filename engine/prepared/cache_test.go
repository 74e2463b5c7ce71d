// cache_test.go holds the test of the cache's byte count.

package prepared

import "testing"

// TestCacheBytes: a new statement adds its key, name, query and Parse
// frame; a statement found again adds nothing.
func TestCacheBytes(t *testing.T) {
	c := NewCache()
	if c.Bytes() != 0 {
		t.Fatalf("empty cache: %d bytes", c.Bytes())
	}
	st := c.Get([]byte("select 1"), []byte{0, 0})
	want := int64(len("select 1") + 1 + 2 + len(st.Name) + len("select 1") + len(st.Parse))
	if c.Bytes() != want {
		t.Fatalf("one statement: %d bytes, want %d", c.Bytes(), want)
	}
	c.Get([]byte("select 1"), []byte{0, 0})
	c.Find([]byte("select 2"), []byte{0, 0})
	if c.Bytes() != want {
		t.Fatalf("a statement found again: %d bytes, want %d", c.Bytes(), want)
	}
}

func TestCacheKnowsReads(t *testing.T) {
	c := NewCache()
	if st := c.Get([]byte("select * from t where id = $1"), nil); !st.Reads {
		t.Errorf("a SELECT is not marked as a read")
	}
	if st := c.Get([]byte("select nextval('s')"), nil); st.Reads {
		t.Errorf("a SELECT of nextval is marked as a read")
	}
}
