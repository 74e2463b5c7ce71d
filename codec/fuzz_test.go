// Fuzz tests of the frame and startup parsers (seed corpus in testdata/fuzz).

package codec

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func FuzzNextFrame(f *testing.F) {
	f.Add(AppendQuery(nil, "select 1"), 1<<20)
	f.Add(AppendQuery(nil, "select 1")[:9], 1<<20)
	f.Add([]byte{'Q', 0, 0, 0, 3}, 100)
	f.Add([]byte{'d', 0x80, 0, 0, 0}, 0)
	f.Fuzz(func(t *testing.T, buf []byte, max int) {
		typ, size, complete, err := NextFrame(buf, max)
		if len(buf) < HeaderLen {
			if typ != 0 || size != 0 || complete || err != nil {
				t.Fatalf("short buffer: (%q, %d, %v, %v)", typ, size, complete, err)
			}
			return
		}
		length := int32(binary.BigEndian.Uint32(buf[1:HeaderLen]))
		if typ != buf[0] {
			t.Fatalf("type %q, want %q", typ, buf[0])
		}
		if err != nil {
			if size != 0 || complete {
				t.Fatalf("error %v with size %d complete %v", err, size, complete)
			}
			if (err == ErrShortLength) != (length < 4) {
				t.Fatalf("length %d gave %v", length, err)
			}
			if err == ErrTooLarge && (max <= 0 || int(length)+1 <= max) {
				t.Fatalf("length %d max %d gave ErrTooLarge", length, max)
			}
			return
		}
		if size != int(length)+1 || size < HeaderLen || (max > 0 && size > max) {
			t.Fatalf("size %d for length %d max %d", size, length, max)
		}
		if complete != (size <= len(buf)) {
			t.Fatalf("complete %v with size %d len %d", complete, size, len(buf))
		}
		if complete {
			if body := Body(buf, size); len(body) != size-HeaderLen || cap(body) != len(body) {
				t.Fatalf("body len %d cap %d for size %d", len(body), cap(body), size)
			}
			// The frame alone parses the same way.
			if typ2, size2, c2, err2 := NextFrame(buf[:size], max); typ2 != typ || size2 != size || !c2 || err2 != nil {
				t.Fatal("frame parses differently on its own")
			}
		}
	})
}

func FuzzParseStartup(f *testing.F) {
	f.Add(AppendStartupMessage(nil, 3, 0, Param{"user", "u"}))
	f.Add(AppendCancelRequest(nil, 1, []byte{1, 2, 3, 4}))
	f.Add(AppendSSLRequest(nil))
	f.Fuzz(func(t *testing.T, buf []byte) {
		s, n, err := ParseStartup(buf)
		if n < 0 || n > len(buf) {
			t.Fatalf("n=%d for %d bytes", n, len(buf))
		}
		if err != nil || n == 0 {
			if n != 0 || s.Kind != 0 {
				t.Fatalf("failed parse returned n=%d kind=%v err=%v", n, s.Kind, err)
			}
			return
		}
		if n < 8 || n > MaxStartupLen {
			t.Fatalf("n=%d out of bounds", n)
		}
		// A parsed packet re-encodes to exactly the bytes consumed.
		var again []byte
		switch s.Kind {
		case StartupMessage:
			again = AppendStartupMessage(nil, s.Major, s.Minor, s.Params...)
		case SSLRequest:
			again = AppendSSLRequest(nil)
		case GSSENCRequest:
			again = rawStartup(codeGSSENC, nil)
		case CancelRequest:
			again = AppendCancelRequest(nil, s.ProcessID, s.SecretKey)
		default:
			t.Fatalf("kind %v", s.Kind)
		}
		if !bytes.Equal(again, buf[:n]) {
			t.Fatalf("re-encoded %q, consumed %q", again, buf[:n])
		}
		// Any strict prefix is merely incomplete.
		if s2, n2, err2 := ParseStartup(buf[:n-1]); n2 != 0 || err2 != nil || s2.Kind != 0 {
			t.Fatalf("prefix: n=%d err=%v", n2, err2)
		}
	})
}
