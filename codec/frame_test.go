// Tests of NextFrame and Body.

package codec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// hdr builds a frame header with an arbitrary (possibly invalid) length.
func hdr(typ byte, length int32) []byte {
	u := uint32(length)
	return []byte{typ, byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}
}

func TestNextFrame(t *testing.T) {
	query := AppendQuery(nil, "select 1") // 'Q' + 4 + 9 = 14 bytes
	two := AppendSync(AppendQuery(nil, "x"))
	tests := []struct {
		name     string
		buf      []byte
		max      int
		typ      byte
		size     int
		complete bool
		err      error
	}{
		{"empty", nil, 100, 0, 0, false, nil},
		{"partial header", query[:4], 100, 0, 0, false, nil},
		{"header only", query[:5], 100, 'Q', 14, false, nil},
		{"partial body", query[:13], 100, 'Q', 14, false, nil},
		{"complete", query, 100, 'Q', 14, true, nil},
		{"complete with next frame", two, 100, 'Q', 7, true, nil},
		{"empty body", AppendSync(nil), 100, 'S', 5, true, nil},
		{"length 3", hdr('Q', 3), 100, 'Q', 0, false, ErrShortLength},
		{"length 0", hdr('Q', 0), 100, 'Q', 0, false, ErrShortLength},
		{"negative length", hdr('Q', -1), 100, 'Q', 0, false, ErrShortLength},
		{"min int32 length", hdr('Q', -1<<31), 100, 'Q', 0, false, ErrShortLength},
		{"exactly max", query, 14, 'Q', 14, true, nil},
		{"max plus one", query, 13, 'Q', 0, false, ErrTooLarge},
		{"too large before body", hdr('d', 1<<30), 1 << 20, 'd', 0, false, ErrTooLarge},
		{"no limit", hdr('d', 1<<30), 0, 'd', 1<<30 + 1, false, nil},
		{"max int32 no limit", hdr('d', 1<<31-1), 0, 'd', 1 << 31, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, size, complete, err := NextFrame(tc.buf, tc.max)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if typ != tc.typ || size != tc.size || complete != tc.complete {
				t.Fatalf("got (%q, %d, %v), want (%q, %d, %v)",
					typ, size, complete, tc.typ, tc.size, tc.complete)
			}
		})
	}
}

// TestNextFrameWalk walks a coalesced buffer frame by frame, as the engine does.
func TestNextFrameWalk(t *testing.T) {
	var buf []byte
	buf = AppendQuery(buf, "begin")
	buf = AppendQuery(buf, "")
	buf = AppendSync(buf)
	buf = append(buf, MsgTerminate, 0, 0, 0, 4)
	wantTypes := []byte{MsgQuery, MsgQuery, MsgSync, MsgTerminate}
	wantBodies := [][]byte{[]byte("begin\x00"), {0}, {}, {}}
	rest := buf
	for i := range wantTypes {
		typ, size, complete, err := NextFrame(rest, 1024)
		if err != nil || !complete {
			t.Fatalf("frame %d: complete=%v err=%v", i, complete, err)
		}
		if typ != wantTypes[i] {
			t.Fatalf("frame %d: type %q, want %q", i, typ, wantTypes[i])
		}
		body := Body(rest, size)
		if !bytes.Equal(body, wantBodies[i]) {
			t.Fatalf("frame %d: body %q, want %q", i, body, wantBodies[i])
		}
		if cap(body) != len(body) {
			t.Fatalf("frame %d: body capacity %d leaks into next frame", i, cap(body))
		}
		rest = rest[size:]
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left over", len(rest))
	}
}

func TestNextFrameAllocs(t *testing.T) {
	buf := AppendQuery(nil, "select 1")
	allocs := testing.AllocsPerRun(1000, func() {
		_, size, complete, err := NextFrame(buf, 1<<20)
		if err != nil || !complete {
			t.Fatal("bad frame")
		}
		_ = Body(buf, size)
		_, _, _, _ = NextFrame(hdr('Q', 2), 1<<20)
		_, _, _, _ = NextFrame(hdr('Q', 1<<30), 1<<20)
	})
	if allocs != 0 {
		t.Fatalf("NextFrame allocates %v times per run", allocs)
	}
}

func TestReadersAllocs(t *testing.T) {
	ps := AppendParameterStatus(nil, "TimeZone", "UTC")
	er := encode(t, &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR",
		Code: CodeSyntaxError, Message: "oops", Detail: "here"})
	allocs := testing.AllocsPerRun(1000, func() {
		if _, _, ok := ParameterStatusKV(ps[HeaderLen:]); !ok {
			t.Fatal("bad parameter status")
		}
		if _, c, _ := ErrorFields(er[HeaderLen:]); len(c) != 5 {
			t.Fatal("bad error")
		}
		if ErrorField(er[HeaderLen:], 'D') == nil {
			t.Fatal("no detail")
		}
	})
	if allocs != 0 {
		t.Fatalf("readers allocate %v times per run", allocs)
	}
}

func BenchmarkNextFrame(b *testing.B) {
	// A pipelined extended-protocol batch: walk every frame of it per op.
	var buf []byte
	for range 16 {
		buf = append(buf, MsgBind, 0, 0, 0, 20)
		buf = append(buf, make([]byte, 16)...)
		buf = append(buf, MsgExecute, 0, 0, 0, 9, 0, 0, 0, 0, 0)
	}
	buf = AppendSync(buf)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		rest := buf
		for len(rest) > 0 {
			_, size, complete, err := NextFrame(rest, 1<<20)
			if err != nil || !complete {
				b.Fatal("bad frame")
			}
			rest = rest[size:]
		}
	}
}
