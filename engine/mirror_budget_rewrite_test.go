// mirror_budget_rewrite_test.go tests the rewrite of prepared statements for a mirror when a large frame comes in pieces, as the replay sends it so as not to copy it whole.

package engine

import (
	"bytes"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// rewriteInPieces rewrites stream for a connection whose statements are ss, feeding it in
// pieces cut at the given offsets.
func rewriteInPieces(e *Engine, ss *serverStmts, stream []byte, cuts ...int) []byte {
	var w codec.Walker
	var out []byte
	from := 0
	for _, c := range append(cuts, len(stream)) {
		out = e.mirrorRewrite(ss, &w, out, stream[from:c])
		from = c
	}
	return out
}

func TestMirrorRewriteLargeBindInPieces(t *testing.T) {
	e := &Engine{stmts: prepared.NewCache()}
	st := e.stmts.Get([]byte("insert into t values ($1)"), nil)
	bind := frame('B', cs(""), cs(st.Name), []byte{0, 0, 0, 1}, make([]byte, 200<<10), []byte{0, 0})
	var ss serverStmts
	got := rewriteInPieces(e, &ss, bind, 64<<10, 128<<10)
	want := cat(codec.AppendClose(nil, 'S', st.Name), st.Parse, bind)
	if !bytes.Equal(got, want) || !ss.Has(1) {
		t.Fatalf("a large Bind of a statement the mirror lacks, in pieces: got %d bytes, want Close, Parse and the Bind (%d bytes)", len(got), len(want))
	}
	got = rewriteInPieces(e, &ss, bind, 64<<10)
	if !bytes.Equal(got, bind) {
		t.Fatalf("a large Bind of a statement the mirror has: got %d bytes, want the Bind alone", len(got))
	}
	short := bind[:codec.HeaderLen+3] // a first piece that does not hold the statement's name
	if got := rewriteInPieces(e, &serverStmts{}, bind, len(short)); !bytes.Equal(got, bind) {
		t.Fatalf("a name cut by the piece: got %d bytes, want the Bind as it is", len(got))
	}
}

func TestMirrorRewriteLargeParseInPieces(t *testing.T) {
	e := &Engine{stmts: prepared.NewCache()}
	long := "select '" + string(bytes.Repeat([]byte{'x'}, 100<<10)) + "'"
	st := e.stmts.Get([]byte(long), nil)
	parse := st.Parse
	var ss serverStmts
	if got := rewriteInPieces(e, &ss, parse, 64<<10); !bytes.Equal(got, parse) || ss.Len() != 1 {
		t.Fatalf("a large Parse the mirror lacks: got %d bytes, want it as it is and the statement known", len(got))
	}
	got := rewriteInPieces(e, &ss, parse, 64<<10)
	if want := cat(codec.AppendClose(nil, 'S', st.Name), parse); !bytes.Equal(got, want) {
		t.Fatalf("a large Parse the mirror has: got %d bytes, want Close and the Parse (%d bytes)", len(got), len(want))
	}
	if got := rewriteInPieces(e, &ss, parse); !bytes.Equal(got, codec.AppendParse(nil, "", []byte(long), nil)) {
		t.Fatalf("the same Parse whole: got %d bytes, want it unnamed", len(got))
	}
}
