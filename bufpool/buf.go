// buf.go holds Buf, a pooled byte buffer shared by reference count.

package bufpool

import "sync/atomic"

// Buf is a pooled byte buffer with an owner count. See the package comment for the rules.
type Buf struct {
	b     []byte
	refs  atomic.Int32
	class int8   // index into pools, or oversize
	meter *Meter // charged with cap(b) while the Buf is out of its pool; nil: not metered
}

// Get returns an empty Buf with capacity of at least size and one reference. Sizes up to
// MaxPooled are rounded up to a power of two (at least MinPooled) and come from a pool;
// larger sizes are allocated exactly.
func Get(size int) *Buf {
	c := classOf(size)
	var b *Buf
	if c == oversize {
		b = &Buf{b: make([]byte, 0, size), class: oversize}
	} else {
		b = take(c)
	}
	b.refs.Store(1)
	return b
}

// GetMetered is Get for a buffer charged to m: its capacity is charged first and credited
// back by its last Release, and its growth must go through TryGrow. It returns nil, taking
// nothing from the pool, when the capacity does not fit within m's limit.
func GetMetered(size int, m *Meter) *Buf {
	if !m.charge(int64(capFor(size))) {
		return nil
	}
	b := Get(size)
	b.meter = m
	return b
}

// Bytes returns the contents. The slice is valid until the caller releases its reference
// and, for the sole owner, until its next Append, AppendString, Grow or Reset.
func (b *Buf) Bytes() []byte { return b.b }

// Len returns the number of bytes held.
func (b *Buf) Len() int { return len(b.b) }

// Cap returns the capacity of the current backing array.
func (b *Buf) Cap() int { return cap(b.b) }

// Refs returns the current number of owners, for tests and assertions.
func (b *Buf) Refs() int32 { return b.refs.Load() }

// Append appends p, moving the contents into a larger class first when they would not fit;
// the smaller backing array then goes back to its pool. Sole owner only.
func (b *Buf) Append(p ...byte) {
	b.Grow(len(p))
	b.b = append(b.b, p...)
}

// AppendString appends s like Append. Sole owner only.
func (b *Buf) AppendString(s string) {
	b.Grow(len(s))
	b.b = append(b.b, s...)
}

// Grow makes room for at least n more bytes without changing the contents, moving them into
// a larger class when needed. Use it before a series of appends whose total is known.
// A metered Buf's growth is charged to its meter whatever the limit (see TryGrow).
// Sole owner only.
func (b *Buf) Grow(n int) {
	need := len(b.b) + n
	if need <= cap(b.b) {
		return
	}
	if b.meter != nil {
		b.meter.force(int64(b.capAfter(need) - cap(b.b)))
	}
	b.grow(need)
}

// TryGrow is Grow for a metered Buf that may not exceed its meter's limit: when the larger
// capacity does not fit, it returns false and nothing changes (nothing is copied). An
// unmetered Buf always grows. Sole owner only.
func (b *Buf) TryGrow(n int) bool {
	need := len(b.b) + n
	if need <= cap(b.b) {
		return true
	}
	if b.meter != nil && !b.meter.charge(int64(b.capAfter(need)-cap(b.b))) {
		return false
	}
	b.grow(need)
	return true
}

// capAfter returns the capacity growing to need bytes gives: the class's, exactly need on
// leaving the classes, and a quarter more (at least need) for an oversize buffer.
func (b *Buf) capAfter(need int) int {
	if b.class != oversize {
		return capFor(need)
	}
	return max(need, cap(b.b)+cap(b.b)/4)
}

// grow moves the contents into a backing array of capAfter(need) bytes.
func (b *Buf) grow(need int) {
	if b.class == oversize {
		nb := make([]byte, len(b.b), b.capAfter(need))
		copy(nb, b.b)
		b.b = nb
		return
	}
	c := classOf(need)
	if c == oversize {
		nb := make([]byte, len(b.b), need)
		copy(nb, b.b)
		old := &Buf{b: b.b[:0], class: b.class}
		b.b, b.class = nb, oversize
		put(old)
		return
	}
	// Swap backing arrays with an idle Buf of the larger class, then return that Buf,
	// now holding the smaller array, to the smaller class.
	donor := take(c)
	donor.b = append(donor.b, b.b...)
	b.b, donor.b = donor.b, b.b[:0]
	b.class, donor.class = donor.class, b.class
	put(donor)
}

// Reset empties the buffer, keeping its capacity. Sole owner only.
func (b *Buf) Reset() { b.b = b.b[:0] }

// Retain adds one owner. It panics when the count is already zero: the Buf was released.
func (b *Buf) Retain() {
	for {
		n := b.refs.Load()
		if n <= 0 {
			panic("BUG: bufpool: retain of a released buffer")
		}
		if b.refs.CompareAndSwap(n, n+1) {
			return
		}
	}
}

// Release drops one owner; the last one returns the Buf to its pool, after which neither
// the Buf nor any slice from Bytes may be used. A release past zero panics.
func (b *Buf) Release() {
	n := b.refs.Add(-1)
	if n > 0 {
		return
	}
	if n < 0 {
		b.refs.Add(1)
		panic("BUG: bufpool: release of a released buffer")
	}
	put(b)
}
