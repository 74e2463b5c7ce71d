// ring_test.go tests Ring: order, edges, limits, close, wake-ups, and concurrent and seeded wake-up stress runs.

package mirror

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/bufpool"
)

func TestRingCapacity(t *testing.T) {
	tests := []struct{ req, wantCap int }{
		{1, 1}, {2, 2}, {3, 4}, {5, 8}, {128, 128}, {129, 256}, {1000, 1024},
	}
	for _, tt := range tests {
		r := NewRing[int](tt.req)
		if r.Cap() != tt.wantCap || r.Limit() != tt.req || r.Len() != 0 {
			t.Errorf("NewRing(%d): cap %d limit %d len %d, want cap %d limit %d len 0",
				tt.req, r.Cap(), r.Limit(), r.Len(), tt.wantCap, tt.req)
		}
	}
	for _, bad := range []int{0, -1, maxRingCap + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewRing(%d) did not panic", bad)
				}
			}()
			NewRing[int](bad)
		}()
	}
}

func TestRingFIFOAndEdges(t *testing.T) {
	r := NewRing[int](5) // Cap 8, Limit 5
	if v, ok := r.Pop(); ok || v != 0 {
		t.Fatalf("Pop on empty ring: %d %v", v, ok)
	}
	for i := range 5 {
		if !r.Push(i + 10) {
			t.Fatalf("Push %d refused with Len %d", i, r.Len())
		}
	}
	if r.Push(99) {
		t.Fatal("Push accepted beyond Limit")
	}
	if r.Len() != 5 {
		t.Fatalf("Len %d, want 5", r.Len())
	}
	for i := range 5 {
		v, ok := r.Pop()
		if !ok || v != i+10 {
			t.Fatalf("Pop %d: %d %v, want %d", i, v, ok, i+10)
		}
	}
	if _, ok := r.Pop(); ok || r.Len() != 0 {
		t.Fatalf("ring not empty after popping everything: Len %d", r.Len())
	}
	if !r.Push(7) {
		t.Fatal("Push refused on an empty ring")
	}
}

func TestRingWrapAround(t *testing.T) {
	r := NewRing[int](4)
	next, want := 0, 0
	for round := range 20_000 {
		burst := 1 + round%4
		for range burst {
			if !r.Push(next) {
				t.Fatalf("round %d: Push refused with Len %d", round, r.Len())
			}
			next++
		}
		if r.Push(-1) && burst == 4 {
			t.Fatal("Push accepted into a full ring")
		}
		for r.Len() > 0 {
			v, ok := r.Pop()
			if v == -1 {
				continue // the extra push fitted because the ring was not full
			}
			if !ok || v != want {
				t.Fatalf("round %d: got %d %v, want %d", round, v, ok, want)
			}
			want++
		}
	}
	if want != next {
		t.Fatalf("popped %d items, pushed %d", want, next)
	}
}

func TestRingSetLimit(t *testing.T) {
	r := NewRing[int](8)
	r.SetLimit(2)
	if !r.Push(1) || !r.Push(2) || r.Push(3) {
		t.Fatal("Limit 2 not honoured")
	}
	r.SetLimit(0)
	if r.Limit() != 1 {
		t.Fatalf("SetLimit(0) gave %d, want 1", r.Limit())
	}
	r.SetLimit(100)
	if r.Limit() != 8 {
		t.Fatalf("SetLimit(100) gave %d, want Cap 8", r.Limit())
	}
	for i := 3; i <= 8; i++ {
		if !r.Push(i) {
			t.Fatalf("Push %d refused under Limit 8", i)
		}
	}
	if r.Push(9) {
		t.Fatal("Push accepted into a full ring")
	}
	r.SetLimit(3) // below Len: nothing is dropped, pushes wait for the consumer
	if r.Len() != 8 {
		t.Fatalf("lowering Limit changed Len to %d", r.Len())
	}
	for want := 1; want <= 5; want++ {
		if v, _ := r.Pop(); v != want {
			t.Fatalf("Pop %d, want %d", v, want)
		}
	}
	if r.Push(9) {
		t.Fatal("Push accepted with Len 3 and Limit 3")
	}
	r.Pop()
	if !r.Push(9) {
		t.Fatal("Push refused with Len 2 and Limit 3")
	}
}

func TestRingPopClearsSlot(t *testing.T) {
	r := NewRing[*[64]byte](4)
	for range 10 {
		r.Push(new([64]byte))
		r.Push(new([64]byte))
		r.Pop()
		r.Pop()
	}
	for i, p := range r.slots {
		if p != nil {
			t.Fatalf("slot %d still holds a popped item", i)
		}
	}
}

func TestRingCloseDrain(t *testing.T) {
	r := NewRing[int](8)
	for i := range 3 {
		r.Push(i)
	}
	r.Close()
	r.Close()
	if r.Push(3) {
		t.Fatal("Push accepted after Close")
	}
	if !r.Closed() {
		t.Fatal("Closed is false after Close")
	}
	for want := range 3 {
		if !r.Wait(nil) {
			t.Fatalf("Wait false with %d items left", r.Len())
		}
		if v, ok := r.Pop(); !ok || v != want {
			t.Fatalf("Pop %d %v, want %d", v, ok, want)
		}
	}
	if r.Wait(nil) {
		t.Fatal("Wait true on a closed, drained ring")
	}
}

// waitReturns runs Wait in a goroutine and returns its result channel.
func waitReturns(r *Ring[int], done <-chan struct{}) <-chan bool {
	res := make(chan bool, 1)
	go func() { res <- r.Wait(done) }()
	return res
}

func TestRingWaitBlocksUntilEvent(t *testing.T) {
	cases := []struct {
		name  string
		event func(r *Ring[int], done chan struct{})
		want  bool
	}{
		{"push", func(r *Ring[int], _ chan struct{}) { r.Push(1) }, true},
		{"close", func(r *Ring[int], _ chan struct{}) { r.Close() }, false},
		{"done", func(_ *Ring[int], done chan struct{}) { close(done) }, false},
	}
	for _, tc := range cases {
		r := NewRing[int](4)
		done := make(chan struct{})
		res := waitReturns(r, done)
		select {
		case v := <-res:
			t.Fatalf("%s: Wait returned %v on an empty open ring", tc.name, v)
		case <-time.After(50 * time.Millisecond):
		}
		tc.event(r, done)
		select {
		case v := <-res:
			if v != tc.want {
				t.Fatalf("%s: Wait returned %v, want %v", tc.name, v, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Wait did not wake up", tc.name)
		}
	}
}

func TestRingWaitDoneLeavesItemsToDrain(t *testing.T) {
	r := NewRing[int](4)
	r.Push(1)
	r.Push(2)
	done := make(chan struct{})
	close(done)
	if r.Wait(done) {
		t.Fatal("Wait true after done was closed")
	}
	sum := 0
	if n := r.Drain(func(v int) { sum += v }); n != 2 || sum != 3 {
		t.Fatalf("Drain: %d items summing to %d, want 2 and 3", n, sum)
	}
	if r.Len() != 0 {
		t.Fatalf("Len %d after Drain", r.Len())
	}
}

// TestRingWaitWakeups hands the consumer one item at a time, each pushed at a different
// moment of the consumer's way to sleep: once it is asleep, right after it took the previous
// item (racing its re-check), or after a short random delay. A lost wake-up leaves the
// consumer asleep with an item queued, which the time bound catches.
func TestRingWaitWakeups(t *testing.T) {
	const n = 10_000
	r := NewRing[int](4)
	done := make(chan struct{})
	defer close(done)
	var taken atomic.Int64
	go func() {
		for r.Wait(done) {
			v, ok := r.Pop()
			if !ok || int64(v) != taken.Load() {
				t.Errorf("Pop %d %v after Wait, want %d", v, ok, taken.Load())
				return
			}
			taken.Add(1)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	waitFor := func(what string, i int, cond func() bool) {
		for spins := 0; !cond(); spins++ {
			if spins < 10_000 {
				continue // a tight spin first, to push within the consumer's way to sleep
			}
			if time.Now().After(deadline) {
				t.Fatalf("item %d: %s never happened (%d taken): lost wake-up", i, what, taken.Load())
			}
			runtime.Gosched()
		}
	}
	for i := 0; i < n; i++ {
		waitFor("previous item taken", i, func() bool { return taken.Load() == int64(i) })
		switch i % 3 {
		case 0:
			waitFor("consumer asleep", i, r.sleeping.Load)
		case 2:
			for range rand.IntN(50) {
				spinSink.Add(1)
			}
		}
		if !r.Push(i) {
			t.Fatalf("Push %d refused", i)
		}
	}
	waitFor("last item taken", n, func() bool { return taken.Load() == n })
}

// spinSink keeps the delay loop in TestRingWaitWakeups from being optimised away.
var spinSink atomic.Int64

// TestRingWaitRaceWindows pushes (or closes) from the producer goroutine at each point of
// the consumer's way to sleep, where a missing re-check or a missing token would lose the
// wake-up, and checks that the leftover token causes no false report afterwards.
func TestRingWaitRaceWindows(t *testing.T) {
	for _, point := range []string{"found empty", "sleeping set"} {
		for _, closeInstead := range []bool{false, true} {
			r := NewRing[int](4)
			act := make(chan struct{})
			acted := make(chan struct{})
			go func() { // producer
				<-act
				if closeInstead {
					r.Close()
				} else {
					r.Push(42)
				}
				close(acted)
			}()
			fired := false
			r.testHook = func(p string) {
				if p == point && !fired {
					fired = true
					close(act)
					<-acted
				}
			}
			done := make(chan struct{})
			res := waitReturns(r, done)
			select {
			case got := <-res:
				if got == closeInstead {
					t.Fatalf("%s, close %v: Wait returned %v", point, closeInstead, got)
				}
			case <-time.After(5 * time.Second):
				close(done)
				t.Fatalf("%s, close %v: Wait stuck: lost wake-up", point, closeInstead)
			}
			if closeInstead {
				continue
			}
			if v, ok := r.Pop(); !ok || v != 42 {
				t.Fatalf("%s: Pop %d %v, want 42", point, v, ok)
			}
			// A token may be left over: Wait must still not report an item that is not there.
			res = waitReturns(r, done)
			select {
			case got := <-res:
				t.Fatalf("%s: Wait returned %v on an empty open ring", point, got)
			case <-time.After(30 * time.Millisecond):
			}
			close(done)
			if got := <-res; got {
				t.Fatalf("%s: Wait true after done", point)
			}
		}
	}
}

// changeLimits reads Len and changes Limit every millisecond until quit is closed: both are
// allowed from any goroutine.
func changeLimits(t *testing.T, r *Ring[int], quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case <-time.After(time.Millisecond):
		}
		if l := r.Len(); l < 0 || l > r.Cap() {
			t.Errorf("Len %d outside 0..%d", l, r.Cap())
		}
		r.SetLimit(1 + rand.IntN(r.Cap()))
	}
}

func TestRingSPSCStress(t *testing.T) {
	total := 1_000_000
	if testing.Short() {
		total = 100_000
	}
	r := NewRing[int](64)
	stop := time.Now().Add(8 * time.Second)
	var wg sync.WaitGroup
	var received int
	wg.Add(1)
	go func() { // consumer
		defer wg.Done()
		for r.Wait(nil) {
			v, ok := r.Pop()
			if !ok || v != received {
				t.Errorf("Pop %d %v, want %d", v, ok, received)
				return
			}
			received++
			if rand.IntN(50_000) == 0 {
				time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
			}
		}
	}()
	quit := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		changeLimits(t, r, quit)
	}()
	sent := 0
	for sent < total && time.Now().Before(stop) {
		if !r.Push(sent) {
			runtime.Gosched()
			continue
		}
		sent++
		switch rand.IntN(20_000) {
		case 0:
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		case 1:
			runtime.Gosched()
		}
	}
	r.Close()
	close(quit)
	wg.Wait()
	if received != sent {
		t.Fatalf("consumer received %d of %d items", received, sent)
	}
	if sent < total/100 {
		t.Fatalf("only %d items in the time bound", sent)
	}
	t.Logf("%d items through the ring", sent)
}

func TestRingZeroAlloc(t *testing.T) {
	r := NewRing[*int](16)
	x := new(int)
	allocs := testing.AllocsPerRun(1000, func() {
		r.Push(x)
		r.Push(x)
		r.Wait(nil)
		r.Pop()
		r.Pop()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Push+Pop, want 0", allocs)
	}
	ri := NewRing[int](16)
	allocs = testing.AllocsPerRun(1000, func() {
		ri.Push(1)
		ri.Pop()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Push+Pop of int, want 0", allocs)
	}
}

// TestRingSharesBufsAcrossMirrors fans pooled buffers out to two rings whose consumers
// release them, as the engine does: every reference handed over comes back.
func TestRingSharesBufsAcrossMirrors(t *testing.T) {
	const n = 2000
	rings := []*Ring[*bufpool.Buf]{NewRing[*bufpool.Buf](8), NewRing[*bufpool.Buf](8)}
	bufs := make([]*bufpool.Buf, n)
	var wg sync.WaitGroup
	for _, r := range rings {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := 0
			for r.Wait(nil) {
				b, _ := r.Pop()
				if string(b.Bytes()) != strconv.Itoa(want) {
					t.Errorf("mirror got %q, want %d", b.Bytes(), want)
				}
				want++
				b.Release()
			}
		}()
	}
	for i := range n {
		b := bufpool.Get(16)
		b.AppendString(strconv.Itoa(i))
		bufs[i] = b // the test keeps its reference to check the count afterwards
		for _, r := range rings {
			b.Retain()
			for !r.Push(b) {
				runtime.Gosched()
			}
		}
	}
	for _, r := range rings {
		r.Close()
	}
	wg.Wait()
	for i, b := range bufs {
		if b.Refs() != 1 {
			t.Fatalf("buffer %d: refs %d after both mirrors, want 1", i, b.Refs())
		}
		b.Release()
	}
}

// TestRingWakeupStress runs many seeded rounds of one producer and one consumer that
// goes back to Wait (and usually to sleep) after every item. For each item the producer
// picks at random: wait until the consumer is asleep, push at once, push after a short
// random spin (racing the consumer's way to sleep), or push a burst; the consumer spins a
// random while between items, so it reaches its sleep at varying points. Every item must
// arrive, in order, and Wait must report the close only after the last one. A lost
// wake-up leaves the consumer asleep over a queued item: the round's deadline reports it
// (with its seed) instead of hanging.
func TestRingWakeupStress(t *testing.T) {
	rounds, items := 200, 200
	if testing.Short() {
		rounds = 50
	}
	for round := range rounds {
		if !ringWakeupRound(t, uint64(round), items) {
			return
		}
	}
}

// ringWakeupRound runs one round with its seed; false after reporting a failure.
func ringWakeupRound(t *testing.T, seed uint64, items int) bool {
	t.Helper()
	prng := rand.New(rand.NewPCG(seed, 1))
	r := NewRing[int](1 + prng.IntN(8))
	deadline := time.Now().Add(10 * time.Second)
	done := make(chan struct{}) // closed to release a consumer stuck by a lost wake-up
	got := make(chan int, 1)    // the consumer's count when Wait returned false
	go func() {
		crng := rand.New(rand.NewPCG(seed, 2))
		n := 0
		for r.Wait(done) {
			v, ok := r.Pop()
			if !ok || v != n {
				t.Errorf("seed %d: Pop %d %v after Wait, want %d", seed, v, ok, n)
				break
			}
			n++
			spin(crng.IntN(3) * crng.IntN(200))
		}
		got <- n
	}()
	stuck := ""
	for i := 0; i < items && stuck == ""; {
		switch prng.IntN(4) {
		case 0: // the consumer asleep: only the token can wake it
			if !spinUntil(deadline, r.sleeping.Load) {
				stuck = "the consumer never went to sleep"
			}
		case 1:
			spin(prng.IntN(300))
		}
		for burst := 1 + prng.IntN(3)*prng.IntN(4); burst > 0 && i < items && stuck == ""; burst-- {
			if !spinUntil(deadline, func() bool { return r.Push(i) }) {
				stuck = "the ring stayed full"
				break
			}
			i++
		}
	}
	r.Close()
	select {
	case n := <-got:
		if stuck != "" || n != items {
			t.Errorf("seed %d (cap %d): consumer got %d of %d items (%s)", seed, r.Cap(), n, items, stuck)
			return false
		}
	case <-time.After(time.Until(deadline)):
		close(done)
		n := <-got
		t.Errorf("seed %d (cap %d): lost wake-up: consumer asleep after %d of %d items with %d queued (%s)",
			seed, r.Cap(), n, items, r.Len(), stuck)
		return false
	}
	return !t.Failed()
}

// spin busy-waits about n steps, to shift where one side is against the other.
func spin(n int) {
	for range n {
		spinSink.Add(1)
	}
}

// spinUntil spins (yielding now and then) until cond holds or deadline passes.
func spinUntil(deadline time.Time, cond func() bool) bool {
	for i := 0; !cond(); i++ {
		if i%64 == 63 {
			if time.Now().After(deadline) {
				return false
			}
			runtime.Gosched()
		}
	}
	return true
}
