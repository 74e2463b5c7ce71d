// pool_test.go holds table tests of the pool's decisions, without sockets: the waiter a released server goes to, and the idle stacks.

package pool

import (
	"reflect"
	"testing"
	"time"
)

// waiter is a fake client: its loop, whether a server is on its way, and
// how long it has waited at the test's now.
type waiter struct {
	name      string
	loop      int
	expecting bool
	waited    time.Duration
}

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func (w *waiter) Loop() int            { return w.loop }
func (w *waiter) Expecting() bool      { return w.expecting }
func (w *waiter) WaitStart() time.Time { return now.Add(-w.waited) }

const ms = time.Millisecond

func TestPickWaiter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		waiters []*waiter
		want    string // "" for none: the server idles
	}{
		{"no waiter", nil, ""},
		{"oldest of the same loop", []*waiter{{"a", 0, false, 5 * ms}, {"b", 0, false, 9 * ms}}, "a"},
		{"same loop, even when expecting a server", []*waiter{{"a", 0, true, ms}}, "a"},
		{"elsewhere, waited past CrossLoopAfter", []*waiter{{"x", 1, false, 3 * ms}}, "x"},
		{"elsewhere, not waited long enough", []*waiter{{"x", 1, false, ms}}, ""},
		{"elsewhere, a server already on its way", []*waiter{{"x", 1, true, 50 * ms}}, ""},
		{"elsewhere and expecting, then one not", []*waiter{{"x", 1, true, 50 * ms}, {"y", 2, false, 10 * ms}}, "y"},
		// here waited 1 ms: there wins past 2×1+2 = 4 ms.
		{"elsewhere waited more than twice as long plus CrossLoopAfter", []*waiter{{"x", 1, false, 5 * ms}, {"a", 0, false, ms}}, "x"},
		{"elsewhere waited exactly the bound", []*waiter{{"x", 1, false, 4 * ms}, {"a", 0, false, ms}}, "a"},
		{"even loads stay on their loop", []*waiter{{"x", 1, false, 20 * ms}, {"a", 0, false, 10 * ms}}, "a"},
		{"only the oldest of each side counts", []*waiter{{"a", 0, false, 10 * ms}, {"x", 1, false, 30 * ms}, {"b", 0, false, ms}}, "x"},
	} {
		w, ok := PickWaiter(tc.waiters, 0, now)
		got := ""
		if ok {
			got = w.name
		}
		if got != tc.want {
			t.Errorf("%s: picked %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRemove(t *testing.T) {
	a, b, c := &waiter{name: "a"}, &waiter{name: "b"}, &waiter{name: "c"}
	q := []*waiter{a, b, c}
	q, ok := Remove(q, b)
	if !ok || !reflect.DeepEqual(q, []*waiter{a, c}) {
		t.Fatalf("Remove(b) = %v, %v", q, ok)
	}
	if _, ok := Remove(q, b); ok {
		t.Fatal("removed twice")
	}
}

// server is a fake idle server.
type server struct {
	name string
	idle time.Duration // how long it has been idle at now
}

func (s *server) IdleSince() time.Time { return now.Add(-s.idle) }

func TestIdle(t *testing.T) {
	st := NewIdle[*server](3)
	old, young, mine := &server{"old", 10 * ms}, &server{"young", ms}, &server{"mine", 0}
	if _, ok := st.Pop(0); ok || st.Elsewhere(0) {
		t.Fatal("empty stacks give servers")
	}
	st.Push(1, old)
	st.Push(1, young)
	st.Push(0, mine)
	if st.Len() != 3 || !st.Elsewhere(0) || !st.Elsewhere(2) {
		t.Fatalf("len %d, elsewhere %v", st.Len(), st.Elsewhere(0))
	}
	if s, ok := st.PopStale(0, now); !ok || s != old {
		t.Fatalf("PopStale took %v; want the longest idle of another loop", s)
	}
	if _, ok := st.PopStale(0, now); ok {
		t.Fatal("PopStale took a server idle for less than CrossLoopAfter")
	}
	own := NewIdle[*server](2)
	own.Push(1, old)
	if _, ok := own.PopStale(1, now.Add(time.Hour)); ok {
		t.Fatal("PopStale took its own loop's server")
	}
	st.Push(1, old)
	if s, _ := st.Pop(1); s != old {
		t.Fatalf("Pop took %v; want the most recently pushed", s)
	}
	st.Remove(1, young)
	st.Remove(1, young)
	if st.Len() != 1 || st.Elsewhere(0) {
		t.Fatalf("after Remove: len %d", st.Len())
	}
	if all := st.TakeAll(); !reflect.DeepEqual(all, []*server{mine}) || st.Len() != 0 {
		t.Fatalf("TakeAll = %v, left %d", all, st.Len())
	}
}

// TestPickWaiterAllocs: the choice is made under the pool's lock on every
// release; it allocates nothing.
func TestPickWaiterAllocs(t *testing.T) {
	ws := []*waiter{{"a", 0, false, ms}, {"x", 1, false, 9 * ms}}
	if n := testing.AllocsPerRun(100, func() { PickWaiter(ws, 0, now) }); n != 0 {
		t.Fatalf("%v allocations per PickWaiter", n)
	}
}
