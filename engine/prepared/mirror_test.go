// mirror_test.go tests the rewrite of prepared statements for a mirror when a large frame comes in pieces, as the replay sends it so as not to copy it whole.

package prepared

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// rewriteInPieces rewrites stream for a connection whose statements are ss, feeding it in
// pieces cut at the given offsets.
func rewriteInPieces(c *Cache, ss *ServerView, stream []byte, cuts ...int) []byte {
	var w codec.Walker
	var out []byte
	from := 0
	for _, cut := range append(cuts, len(stream)) {
		out = RewriteForMirror(c, ss, &w, out, stream[from:cut])
		from = cut
	}
	return out
}

func TestMirrorRewriteLargeBindInPieces(t *testing.T) {
	c := NewCache()
	st := c.Get([]byte("insert into t values ($1)"), nil)
	bind := frame('B', cs(""), cs(st.Name), []byte{0, 0, 0, 1}, make([]byte, 200<<10), []byte{0, 0})
	var ss ServerView
	got := rewriteInPieces(c, &ss, bind, 64<<10, 128<<10)
	want := cat(codec.AppendClose(nil, 'S', st.Name), st.Parse, bind)
	if !bytes.Equal(got, want) || !ss.Has(1) {
		t.Fatalf("a large Bind of a statement the mirror lacks, in pieces: got %d bytes, want Close, Parse and the Bind (%d bytes)", len(got), len(want))
	}
	got = rewriteInPieces(c, &ss, bind, 64<<10)
	if !bytes.Equal(got, bind) {
		t.Fatalf("a large Bind of a statement the mirror has: got %d bytes, want the Bind alone", len(got))
	}
	short := bind[:codec.HeaderLen+3] // a first piece that does not hold the statement's name
	if got := rewriteInPieces(c, &ServerView{}, bind, len(short)); !bytes.Equal(got, bind) {
		t.Fatalf("a name cut by the piece: got %d bytes, want the Bind as it is", len(got))
	}
}

func TestMirrorRewriteLargeParseInPieces(t *testing.T) {
	c := NewCache()
	long := "select '" + string(bytes.Repeat([]byte{'x'}, 100<<10)) + "'"
	st := c.Get([]byte(long), nil)
	parse := st.Parse
	var ss ServerView
	if got := rewriteInPieces(c, &ss, parse, 64<<10); !bytes.Equal(got, parse) || ss.Len() != 1 {
		t.Fatalf("a large Parse the mirror lacks: got %d bytes, want it as it is and the statement known", len(got))
	}
	got := rewriteInPieces(c, &ss, parse, 64<<10)
	if want := cat(codec.AppendClose(nil, 'S', st.Name), parse); !bytes.Equal(got, want) {
		t.Fatalf("a large Parse the mirror has: got %d bytes, want Close and the Parse (%d bytes)", len(got), len(want))
	}
	if got := rewriteInPieces(c, &ss, parse); !bytes.Equal(got, codec.AppendParse(nil, "", []byte(long), nil)) {
		t.Fatalf("the same Parse whole: got %d bytes, want it unnamed", len(got))
	}
}

// frame builds a frame of type typ from its body's parts.
func frame(typ byte, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append(binary.BigEndian.AppendUint32([]byte{typ}, uint32(len(body)+4)), body...)
}

// cs is a NUL-terminated string.
func cs(s string) []byte { return append([]byte(s), 0) }

// cat joins frames.
func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }
