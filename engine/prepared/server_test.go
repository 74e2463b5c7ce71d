// server_test.go checks a server's view of its prepared statements: LRU eviction, Parses not yet answered, saved views and their undoing.

package prepared

import (
	"reflect"
	"slices"
	"testing"
)

func TestServerViewEvictions(t *testing.T) {
	var v ServerView
	for id := 1; id <= 5; id++ {
		v.Add(id)
	}
	v.Has(1) // used again: the most recent now
	if got := v.Evictions(3); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Fatalf("Evictions(3) = %v, want the two least recently used, 2 and 3", got)
	}
	if v.Evictions(5) != nil || v.Evictions(0) != nil {
		t.Fatal("evictions within the limit, or with no limit")
	}
	if v.Has(9) || v.Len() != 5 {
		t.Fatalf("Has(9) or Len %d", v.Len())
	}
	v.Forget(2)
	ids := v.IDs()
	slices.Sort(ids)
	if !reflect.DeepEqual(ids, []int{1, 3, 4, 5}) {
		t.Fatalf("IDs after Forget(2) = %v", ids)
	}
}

// TestServerViewPending: an injected Parse counts for its own batch only
// until it is answered; a failed one leaves the view.
func TestServerViewPending(t *testing.T) {
	var v ServerView
	v.SentParse(7, 3)
	if !v.Sure(7, 3) || v.Sure(7, 4) {
		t.Fatal("a Parse not yet answered counts for its batch only")
	}
	v.Answered(7, 2) // another batch's answer: still pending
	if v.Sure(7, 4) {
		t.Fatal("answered by the wrong batch")
	}
	v.Answered(7, 3)
	if !v.Sure(7, 4) {
		t.Fatal("answered, yet not sure for a later batch")
	}
	v.SentParse(8, 5)
	v.Failed(8)
	if v.Has(8) || v.Sure(8, 5) {
		t.Fatal("a failed Parse left its statement in the view")
	}
}

// TestServerViewSave: a view saved before a drop holds until something else
// is dropped; Restore gives back what the refused drop took, without
// overwriting what was added since.
func TestServerViewSave(t *testing.T) {
	var v ServerView
	v.Add(1)
	v.Add(2)
	saved, seq := v.Save()
	v.Reset()
	if v.Len() != 0 || !v.Holds(seq) {
		t.Fatalf("after Reset: len %d, holds %v", v.Len(), v.Holds(seq))
	}
	v.Add(2)
	for id, tick := range saved {
		v.Restore(id, tick)
	}
	if v.Len() != 2 || v.Evictions(1)[0] != 1 {
		t.Fatalf("restored view: len %d, oldest %v; want 1 restored as older than 2", v.Len(), v.Evictions(1))
	}
	v.Dropped(1)
	if v.Holds(seq) || v.Has(1) {
		t.Fatal("a drop after the save: the saved view must no longer hold")
	}
	var empty ServerView
	empty.Restore(4, 1)
	if !empty.Has(4) {
		t.Fatal("Restore into an empty view")
	}
}

func TestCache(t *testing.T) {
	c := NewCache()
	a := c.Get([]byte("select 1"), []byte{0, 0})
	b := c.Get([]byte("select 1"), []byte{0, 1, 0, 0, 0, 23})
	if a == b || c.Get([]byte("select 1"), []byte{0, 0}) != a || c.Size() != 2 {
		t.Fatal("statements are one per query and parameter types")
	}
	if a.Name != Name(a.ID) || c.ByName([]byte(a.Name)) != a || c.ByName([]byte("x")) != nil || c.ByName([]byte(Name(99))) != nil {
		t.Fatal("ByName")
	}
	name, query, types, ok := ParseBody(a.Parse[5:])
	if !ok || string(name) != a.Name || string(query) != "select 1" || !reflect.DeepEqual(types, []byte{0, 0}) {
		t.Fatalf("the statement's Parse frame: %q %q %v %v", name, query, types, ok)
	}
	if c.Find([]byte("select 2"), []byte{0, 0}) != nil || c.Size() != 2 {
		t.Fatal("Find adds statements")
	}
	want := []Statement{{Name: a.Name, Query: "select 1", Size: len("select 1") + len(a.Parse)},
		{Name: b.Name, Query: "select 1", Size: len("select 1") + len(b.Parse)}}
	if got := c.List(); !reflect.DeepEqual(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	if _, _, _, ok := ParseBody([]byte("no terminator")); ok {
		t.Fatal("ParseBody of a body without NUL")
	}
}

func TestDroppingOf(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want Dropping
	}{
		{"select 1", Dropping{}},
		{"DEALLOCATE ALL", Dropping{All: true}},
		{"discard all", Dropping{All: true, Discard: true}},
		{"DEALLOCATE " + Placeholder(0), Dropping{Named: true}},
		{"deallocate prepare __pgdogd_12", Dropping{ID: 12}},
		{"DEALLOCATE mine", Dropping{}},
		{"DEALLOCATE", Dropping{}},
	} {
		if got := DroppingOf([]byte(tc.sql)); got != tc.want {
			t.Errorf("DroppingOf(%q) = %+v, want %+v", tc.sql, got, tc.want)
		}
	}
	for tag, want := range map[string]bool{"DEALLOCATE": true, "DEALLOCATE ALL": true, "DISCARD ALL": true, "DISCARD PLANS": false, "SELECT 1": false} {
		if DropTag([]byte(tag)) != want {
			t.Errorf("DropTag(%q) = %v", tag, !want)
		}
	}
	for sql, want := range map[string]int{"": 0, "select 1": 1, "select 1; select 2; select 3": 2, "select ';'": 1} {
		if got := CountStatements([]byte(sql)); got != want {
			t.Errorf("CountStatements(%q) = %d, want %d", sql, got, want)
		}
	}
}
