// walker.go holds Walker, the one streaming reader of typed frames that every reader of the protocol shares.

package codec

// TypeSet is a set of message type bytes. The zero value is empty.
type TypeSet [4]uint64

// AllTypes holds every type byte: a walker with it reads every frame whole.
var AllTypes = TypeSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}

// Types returns the set of the given type bytes.
func Types(types ...byte) TypeSet {
	var s TypeSet
	for _, t := range types {
		s[t>>6] |= 1 << (t & 63)
	}
	return s
}

// Has reports whether t is in the set.
func (s *TypeSet) Has(t byte) bool { return s[t>>6]&(1<<(t&63)) != 0 }

// Piece is what Walker.Next found at the start of a buffer: a whole frame,
// or the part of one that the buffer holds.
type Piece struct {
	Type  byte   // the frame's type byte
	Size  int    // the whole frame's size on the wire (type byte, length field and body)
	Bytes []byte // the frame's bytes in this buffer: aliases it, valid as long as it is
	First bool   // Bytes begins with the frame's header
	Last  bool   // Bytes ends the frame
}

// Whole reports whether Bytes holds the entire frame.
func (p *Piece) Whole() bool { return p.First && p.Last }

// Body returns a whole frame's body (after the header). It aliases Bytes.
func (p *Piece) Body() []byte { return p.Bytes[HeaderLen:p.Size:p.Size] }

// Walker reads a stream of typed frames that arrives in buffers of any
// size: a frame may start in one buffer and end several buffers later, and
// a buffer may end inside a frame's 5-byte header.
//
// Frames whose type is in the walker's whole set are returned only once
// they are complete (the caller leaves the incomplete rest in its buffer and
// calls again with more); every other frame is streamed: its first piece
// carries the header, the following pieces carry the rest, and the walker
// remembers how much is still to come. Walker never allocates and never
// copies; it keeps no reference to any buffer between calls.
//
// The zero value streams every frame and accepts any size up to
// DefaultMaxFrame.
type Walker struct {
	max   int     // largest frame accepted; <= 0 means DefaultMaxFrame
	whole TypeSet // types returned only when complete
	typ   byte    // type of the streamed frame in flight
	size  int     // its size
	left  int     // bytes of it still to come; 0 at a frame boundary
	held  int     // size of the incomplete whole-read frame Next last held back, else 0
}

// NewWalker returns a walker that accepts frames of at most max bytes and
// returns the types in whole only when complete.
func NewWalker(max int, whole TypeSet) Walker { return Walker{max: max, whole: whole} }

// SetWhole changes the set of types read whole, from the next frame on.
func (w *Walker) SetWhole(whole TypeSet) { w.whole = whole }

// Next returns the piece of the stream at the start of buf.
//
// A piece with empty Bytes means nothing can be taken from buf yet: it holds
// less than a header, or the start of a frame that is read whole and not
// complete. The caller consumes len(p.Bytes) bytes and calls again with the
// rest. An error (ErrShortLength, ErrTooLarge) means the stream is not
// protocol the caller accepts; the walker is then unusable.
func (w *Walker) Next(buf []byte) (Piece, error) {
	if w.left > 0 {
		n := min(w.left, len(buf))
		if n == 0 {
			return Piece{}, nil
		}
		w.left -= n
		return Piece{Type: w.typ, Size: w.size, Bytes: buf[:n:n], Last: w.left == 0}, nil
	}
	max := w.max
	if max <= 0 {
		max = DefaultMaxFrame
	}
	typ, size, complete, err := NextFrame(buf, max)
	if err != nil || size == 0 {
		return Piece{}, err
	}
	w.held = 0
	if complete {
		return Piece{Type: typ, Size: size, Bytes: buf[:size:size], First: true, Last: true}, nil
	}
	if w.whole.Has(typ) {
		w.held = size
		return Piece{}, nil
	}
	w.typ, w.size, w.left = typ, size, size-len(buf)
	return Piece{Type: typ, Size: size, Bytes: buf, First: true}, nil
}

// Back undoes the piece Next just returned when it began a streamed frame,
// so that the next call returns the same piece again: for a caller that
// cannot act on a frame yet and leaves it in its buffer.
func (w *Walker) Back(p *Piece) {
	if p.First && !p.Last {
		w.left = 0
	}
}

// Held returns the size of the frame Next last held back because it is
// read whole and was incomplete, or 0. A caller that keeps that frame at
// the start of its buffer need not look again before it has Held bytes:
// gnet copies its whole buffer at each Peek once a read leaves bytes over.
func (w *Walker) Held() int { return w.held }

// AtBoundary reports whether the stream stands between two frames: no
// streamed frame is partly read.
func (w *Walker) AtBoundary() bool { return w.left == 0 }

// Remaining returns how many bytes of the streamed frame in flight are still
// to come (0 at a frame boundary).
func (w *Walker) Remaining() int { return w.left }

// Reset forgets any frame in flight: the next byte starts a frame.
func (w *Walker) Reset() { w.left = 0 }

// Discarder is the Discard method of a connection's inbound buffer (gnet.Conn).
type Discarder interface {
	Discard(n int) (int, error)
}

// Consume drops the first n bytes of c's inbound buffer. gnet's Discard
// drops everything when n <= 0, which would throw away the start of a
// frame kept for the next read; Consume does nothing then.
func Consume(c Discarder, n int) {
	if n > 0 {
		_, _ = c.Discard(n)
	}
}
