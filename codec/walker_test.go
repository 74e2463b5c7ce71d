// Tests of Walker: frames split across buffers at every offset, held-back whole frames, errors.

package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// feedResult is what a simulated event loop saw while feeding a stream to a walker.
type feedResult struct {
	frames [][]byte // each frame reassembled from its pieces
	types  []byte
	wholes int // frames returned whole in one piece
	err    error
}

// feed plays an event loop: chunks arrive one by one, appended to an
// inbound buffer; the walker reads pieces, and consumed bytes leave the
// buffer exactly as Consume would make gnet drop them.
func feed(w *Walker, whole TypeSet, stream []byte, cuts []int) feedResult {
	var res feedResult
	var inbound []byte
	var cur []byte
	prev := 0
	for i := 0; i <= len(cuts); i++ {
		end := len(stream)
		if i < len(cuts) {
			end = cuts[i]
		}
		inbound = append(inbound, stream[prev:end]...)
		prev = end
		off := 0
		for off < len(inbound) {
			p, err := w.Next(inbound[off:])
			if err != nil {
				res.err = err
				return res
			}
			if len(p.Bytes) == 0 {
				break
			}
			if p.First {
				cur = cur[:0]
				if p.Last {
					res.wholes++
				} else if whole.Has(p.Type) {
					res.err = fmt.Errorf("type %q streamed though read whole", p.Type)
					return res
				}
			}
			cur = append(cur, p.Bytes...)
			if p.Last {
				if len(cur) != p.Size {
					res.err = fmt.Errorf("frame of %d bytes reassembled to %d", p.Size, len(cur))
					return res
				}
				res.frames = append(res.frames, append([]byte(nil), cur...))
				res.types = append(res.types, p.Type)
			}
			off += len(p.Bytes)
		}
		inbound = append(inbound[:0], inbound[off:]...)
	}
	if len(inbound) != 0 || !w.AtBoundary() {
		res.err = fmt.Errorf("%d bytes left, %d still to come", len(inbound), w.Remaining())
	}
	return res
}

// frameOf builds a frame of type typ with a body of n bytes.
func frameOf(typ byte, n int) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(4+n))
	return append(b, bytes.Repeat([]byte{typ}, n)...)
}

func TestWalkerEveryCut(t *testing.T) {
	frames := [][]byte{frameOf('Q', 20), frameOf('d', 300), frameOf('S', 0), frameOf('P', 70), frameOf('D', 1)}
	var stream []byte
	for _, f := range frames {
		stream = append(stream, f...)
	}
	for _, whole := range []TypeSet{{}, Types('Q', 'P', 'S')} {
		for a := 0; a <= len(stream); a++ {
			for _, b := range []int{a, a + 1, a + 5, a + 299, len(stream)} {
				if b > len(stream) {
					continue
				}
				w := NewWalker(1<<20, whole)
				res := feed(&w, whole, stream, []int{a, b})
				if res.err != nil {
					t.Fatalf("cuts %d,%d whole %v: %v", a, b, whole, res.err)
				}
				if len(res.frames) != len(frames) {
					t.Fatalf("cuts %d,%d: %d frames, want %d", a, b, len(res.frames), len(frames))
				}
				for i := range frames {
					if !bytes.Equal(res.frames[i], frames[i]) {
						t.Fatalf("cuts %d,%d: frame %d differs", a, b, i)
					}
				}
			}
		}
	}
}

func TestWalkerHoldsWholeFrames(t *testing.T) {
	whole := Types('Z')
	w := NewWalker(0, whole)
	rfq := AppendReadyForQuery(nil, 'I')
	if p, err := w.Next(rfq[:5]); err != nil || len(p.Bytes) != 0 {
		t.Fatalf("incomplete whole frame gave %d bytes, %v", len(p.Bytes), err)
	}
	if !w.AtBoundary() || w.Held() != len(rfq) {
		t.Fatalf("a held-back frame: at boundary %v, held %d", w.AtBoundary(), w.Held())
	}
	p, err := w.Next(rfq)
	if err != nil || !p.Whole() || p.Type != 'Z' || !bytes.Equal(p.Bytes, rfq) || len(p.Body()) != 1 || w.Held() != 0 {
		t.Fatalf("whole frame: %+v, %v", p, err)
	}
	// A streamed frame's header alone is its first piece.
	d := frameOf('D', 10)
	p, _ = w.Next(d[:5])
	if !p.First || p.Last || len(p.Bytes) != 5 || w.Remaining() != 10 {
		t.Fatalf("header piece %+v, remaining %d", p, w.Remaining())
	}
	w.Back(&p)
	if !w.AtBoundary() {
		t.Fatal("Back left the walker mid-frame")
	}
	if p, _ = w.Next(d); !p.Whole() {
		t.Fatalf("after Back the frame did not come again whole: %+v", p)
	}
}

func TestWalkerErrors(t *testing.T) {
	w := NewWalker(100, TypeSet{})
	if _, err := w.Next([]byte{'Q', 0, 0, 0, 3}); err != ErrShortLength {
		t.Fatalf("length 3: %v", err)
	}
	if _, err := w.Next(frameOf('Q', 200)[:5]); err != ErrTooLarge {
		t.Fatalf("too large: %v", err)
	}
	if p, err := w.Next([]byte{'Q', 0}); err != nil || len(p.Bytes) != 0 {
		t.Fatalf("short header: %+v %v", p, err)
	}
}

// countingDiscarder records Discard calls.
type countingDiscarder struct{ calls []int }

func (c *countingDiscarder) Discard(n int) (int, error) { c.calls = append(c.calls, n); return n, nil }

func TestConsumeNeverDiscardsEverything(t *testing.T) {
	var c countingDiscarder
	Consume(&c, 0)
	Consume(&c, -1)
	Consume(&c, 7)
	if len(c.calls) != 1 || c.calls[0] != 7 {
		t.Fatalf("Discard calls %v, want only [7]", c.calls)
	}
}

func FuzzWalker(f *testing.F) {
	f.Add([]byte("Q\x05d\xff\x00S\x00"), []byte{3, 9, 1}, uint8(1))
	f.Add([]byte("D\x10\x00Z\x01"), []byte{0, 0, 5}, uint8(0))
	f.Fuzz(func(t *testing.T, spec []byte, cutSpec []byte, wholeBits uint8) {
		// spec: pairs of (type, body size / 16 + low bits) describing frames.
		var stream []byte
		var want [][]byte
		for i := 0; i+1 < len(spec) && len(want) < 64; i += 2 {
			fr := frameOf(spec[i], int(spec[i+1])*3)
			want = append(want, fr)
			stream = append(stream, fr...)
		}
		var whole TypeSet
		for i := range want {
			if wholeBits&(1<<(i%8)) != 0 {
				whole[want[i][0]>>6] |= 1 << (want[i][0] & 63)
			}
		}
		var cuts []int
		pos := 0
		for _, c := range cutSpec {
			pos += int(c)
			if pos > len(stream) {
				break
			}
			cuts = append(cuts, pos)
		}
		w := NewWalker(1<<20, whole)
		res := feed(&w, whole, stream, cuts)
		if res.err != nil {
			t.Fatal(res.err)
		}
		if len(res.frames) != len(want) {
			t.Fatalf("%d frames, want %d", len(res.frames), len(want))
		}
		for i := range want {
			if !bytes.Equal(res.frames[i], want[i]) {
				t.Fatalf("frame %d differs", i)
			}
		}
	})
}
