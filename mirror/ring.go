// ring.go holds Ring, a bounded lock-free single-producer single-consumer queue.

package mirror

import "sync/atomic"

// cacheLine is the padding between field groups: a full line, so that no two groups share
// one whatever the struct's alignment.
const cacheLine = 64

// maxRingCap bounds NewRing's capacity.
const maxRingCap = 1 << 30

// Ring is a bounded lock-free single-producer single-consumer queue.
//
// Exactly one goroutine (the producer) calls Push and Close, and exactly one goroutine (the
// consumer) calls Pop, Wait and Drain; Len, Cap, Limit and SetLimit are safe from anywhere.
// Push and Pop never block and never allocate.
//
// Wake-up protocol. A consumer with nothing to pop sets sleeping, re-checks for an item
// (or Close), and only then blocks on wake, a channel of capacity 1. The producer publishes
// an item (tail) or the close flag first and reads sleeping second; when it finds the
// consumer sleeping it clears the flag and sends one token without blocking. Go's atomics
// are sequentially consistent, so either the producer sees sleeping set and sends a token,
// or the consumer's re-check sees the item: a wake-up is never lost. A leftover token only
// causes one spurious wake-up, after which the consumer re-checks and sleeps again.
type Ring[T any] struct {
	// Read-mostly fields shared by both sides.
	slots  []T
	mask   uint64
	wake   chan struct{}
	limit  atomic.Int64
	closed atomic.Bool
	// testHook, when set by a test, runs in Wait at a named point of the way to sleep.
	testHook func(point string)
	_        [cacheLine]byte

	// Consumer side: head is the next slot to pop.
	head       atomic.Uint64
	cachedTail uint64 // consumer's last view of tail
	_          [cacheLine]byte

	// Producer side: tail is the next slot to push.
	tail       atomic.Uint64
	cachedHead uint64 // producer's last view of head
	_          [cacheLine]byte

	// Written by the consumer only when it goes to sleep; read by the producer on each Push.
	sleeping atomic.Bool
	_        [cacheLine]byte
}

// NewRing returns an empty ring holding up to capacity items, rounded up to a power of two
// for Cap; Limit starts at capacity itself. It panics when capacity is below 1 or above 2^30.
func NewRing[T any](capacity int) *Ring[T] {
	if capacity < 1 || capacity > maxRingCap {
		panic("mirror: ring capacity out of range")
	}
	n := 1
	for n < capacity {
		n <<= 1
	}
	r := &Ring[T]{
		slots: make([]T, n),
		mask:  uint64(n - 1),
		wake:  make(chan struct{}, 1),
	}
	r.limit.Store(int64(capacity))
	return r
}

// Push appends v and wakes a sleeping consumer. It returns false, storing nothing, when
// Len() >= Limit() or after Close; the caller still owns v then. Producer only.
func (r *Ring[T]) Push(v T) bool {
	if r.closed.Load() {
		return false
	}
	t := r.tail.Load()
	limit := uint64(r.limit.Load())
	if t-r.cachedHead >= limit {
		r.cachedHead = r.head.Load()
		if t-r.cachedHead >= limit {
			return false
		}
	}
	r.slots[t&r.mask] = v
	r.tail.Store(t + 1)
	r.wakeConsumer()
	return true
}

// wakeConsumer sends a token when the consumer announced it is going to sleep.
func (r *Ring[T]) wakeConsumer() {
	if r.sleeping.Load() && r.sleeping.CompareAndSwap(true, false) {
		select {
		case r.wake <- struct{}{}:
		default: // a token is already pending
		}
	}
}

// Pop removes and returns the oldest item, or reports false when the ring is empty. The
// slot is cleared, so the ring keeps no reference to a popped item. Consumer only.
func (r *Ring[T]) Pop() (T, bool) {
	var zero T
	h := r.head.Load()
	if h == r.cachedTail {
		r.cachedTail = r.tail.Load()
		if h == r.cachedTail {
			return zero, false
		}
	}
	i := h & r.mask
	v := r.slots[i]
	r.slots[i] = zero
	r.head.Store(h + 1)
	return v, true
}

// ready reports whether an item is available to the consumer.
func (r *Ring[T]) ready() bool {
	h := r.head.Load()
	if h != r.cachedTail {
		return true
	}
	r.cachedTail = r.tail.Load()
	return h != r.cachedTail
}

// Wait blocks until an item is available (true), or until there is nothing more to do
// (false): the ring is closed and drained, or done is closed. A nil done never fires. After
// a false return caused by done, items may remain: Drain them. Consumer only.
func (r *Ring[T]) Wait(done <-chan struct{}) bool {
	for {
		select {
		case <-done:
			return false
		default:
		}
		if r.ready() {
			return true
		}
		if r.closed.Load() {
			// Every Push happened before Close: one more look sees them all.
			return r.ready()
		}
		if r.testHook != nil {
			r.testHook("found empty")
		}
		r.sleeping.Store(true)
		if r.testHook != nil {
			r.testHook("sleeping set")
		}
		if r.ready() || r.closed.Load() {
			r.sleeping.Store(false)
			continue
		}
		select {
		case <-r.wake:
		case <-done:
			r.sleeping.Store(false)
			return false
		}
		r.sleeping.Store(false)
	}
}

// Drain pops every remaining item and passes it to fn (for instance to release it),
// returning how many there were. Consumer only.
func (r *Ring[T]) Drain(fn func(T)) int {
	n := 0
	for {
		v, ok := r.Pop()
		if !ok {
			return n
		}
		fn(v)
		n++
	}
}

// Close stops further pushes and wakes the consumer, which drains what is left before
// Wait returns false. Producer only; closing twice is harmless.
func (r *Ring[T]) Close() {
	r.closed.Store(true)
	r.wakeConsumer()
}

// Closed reports whether Close was called.
func (r *Ring[T]) Closed() bool { return r.closed.Load() }

// Len returns the number of items queued. From another goroutine it is a snapshot.
func (r *Ring[T]) Len() int {
	h := r.head.Load() // head first: tail is then never behind it
	n := int(r.tail.Load() - h)
	return min(n, len(r.slots))
}

// Cap returns the number of slots, a power of two.
func (r *Ring[T]) Cap() int { return len(r.slots) }

// SetLimit sets how many queued items Push accepts, clamped to 1..Cap. Lowering it below
// Len drops nothing: Push refuses until the consumer catches up. Any goroutine.
func (r *Ring[T]) SetLimit(n int) {
	r.limit.Store(int64(max(1, min(n, len(r.slots)))))
}

// Limit returns how many queued items Push accepts.
func (r *Ring[T]) Limit() int { return int(r.limit.Load()) }
