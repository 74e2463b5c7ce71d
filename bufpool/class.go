// class.go holds the power-of-two size classes and their pools.

package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 8  // smallest class: 256 B
	maxShift = 22 // largest class: 4 MiB

	// MinPooled is the capacity of the smallest size class.
	MinPooled = 1 << minShift
	// MaxPooled is the capacity of the largest size class. Larger buffers are allocated to the
	// exact size requested and never kept in a pool.
	MaxPooled = 4 << 20

	numClasses = maxShift - minShift + 1

	// oversize marks a Buf whose backing array belongs to no class.
	oversize = -1
)

// pools holds, per size class, released *Buf values that keep their backing arrays.
var pools [numClasses]sync.Pool

// classOf returns the smallest class whose capacity is at least size, or oversize.
func classOf(size int) int {
	if size <= MinPooled {
		return 0
	}
	if size > MaxPooled {
		return oversize
	}
	return bits.Len(uint(size-1)) - minShift
}

// capFor returns the capacity Get(size) gives.
func capFor(size int) int {
	if c := classOf(size); c != oversize {
		return classCap(c)
	}
	return size
}

// classCap returns the capacity of class c.
func classCap(c int) int {
	return 1 << (c + minShift)
}

// take returns an empty Buf of class c with a reference count of zero, from the pool when
// one is available.
func take(c int) *Buf {
	if v := pools[c].Get(); v != nil {
		b := v.(*Buf)
		b.b = b.b[:0]
		return b
	}
	return &Buf{b: make([]byte, 0, classCap(c)), class: int8(c)}
}

// put returns b, whose count is zero, to the pool of its class, crediting its meter;
// oversize buffers are dropped.
func put(b *Buf) {
	if m := b.meter; m != nil {
		b.meter = nil
		m.credit(int64(cap(b.b)))
	}
	if b.class == oversize {
		b.b = nil
		return
	}
	pools[b.class].Put(b)
}
