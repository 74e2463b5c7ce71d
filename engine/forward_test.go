// forward_test.go drives the client's request loop and the server's reply loop through fake connections: framing, release, prepared statements and cancel.
package engine

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// want fails when got is not want, showing both streams.
func want(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// noSharedNames fails when bytes a client received name a shared statement.
func noSharedNames(t testing.TB, b []byte) []byte {
	t.Helper()
	if bytes.Contains(b, []byte(stmtPrefix)) {
		t.Fatalf("the client received a shared statement name: %q", b)
	}
	return b
}

// sendCut sends b to c in two reads, cut at k.
func (h *harness) sendCut(c *fakeConn, b []byte, k int) {
	h.send(c, b[:k])
	h.send(c, b[k:])
}

// sendBytewise sends b to c one byte per read.
func (h *harness) sendBytewise(c *fakeConn, b []byte) {
	for i := range b {
		h.send(c, b[i:i+1])
	}
}

// splitCase is a stream sent by one side and what the other side must get.
type splitCase struct {
	name    string
	o       opts
	startup []codec.Param // the client's startup parameters
	setup func(h *harness, cc, sc *fakeConn) // before the stream
	in    []byte
	out   []byte
}

// longSQL is a query text of about n bytes.
func longSQL(n int) string { return "select '" + strings.Repeat("x", n) + "'" }

func clientSplitCases() []splitCase {
	q := queryMsg(longSQL(300))
	extended := cat(parseMsg("", "select $1"), bindMsg(""), executeMsg(), syncMsg())
	copyData := cat(frame('d', []byte(strings.Repeat("1\tone\n", 20))), frame('d', []byte("2\ttwo\n")), frame('c'))
	startCopy := func(h *harness, cc, sc *fakeConn) {
		h.send(cc, queryMsg("copy t from stdin"))
		h.send(sc, frame('G', []byte{0, 0, 0}))
		sc.take()
		cc.take()
	}
	sql := "select 1"
	return []splitCase{
		{name: "streamed query, prepared statements off", o: opts{prepared: "disabled"},
			in: cat(q, extended), out: cat(q, extended)},
		{name: "copy data", setup: startCopy, in: copyData, out: copyData},
		{name: "whole frames, prepared statements on",
			in: cat(parseMsg("s1", sql), bindMsg("s1"), describeS("s1"), executeMsg(), syncMsg(), q),
			out: cat(closeS("__pgdogd_1"), parseMsg("__pgdogd_1", sql), bindMsg("__pgdogd_1"),
				describeS("__pgdogd_1"), executeMsg(), syncMsg(), q)},
	}
}

// runSplit plays a split case: feed sends the stream to the sending side.
func runSplit(t *testing.T, c splitCase, toServer bool, feed func(h *harness, c *fakeConn, b []byte)) {
	t.Helper()
	h := newHarness(t, c.o)
	_, sc := h.addServer()
	_, cc := h.connect(c.startup...)
	if c.setup != nil {
		c.setup(h, cc, sc)
	}
	from, to := cc, sc
	if !toServer {
		from, to = sc, cc
	}
	feed(h, from, c.in)
	got := to.take()
	if !toServer {
		noSharedNames(t, got)
	}
	want(t, "received", got, c.out)
	if cc.isClosed() || sc.isClosed() {
		t.Fatal("a connection was closed")
	}
}

func TestClientFramesSplitAtEveryOffset(t *testing.T) {
	for _, c := range clientSplitCases() {
		t.Run(c.name, func(t *testing.T) {
			for k := 0; k <= len(c.in); k++ {
				runSplit(t, c, true, func(h *harness, cc *fakeConn, b []byte) { h.sendCut(cc, b, k) })
			}
			runSplit(t, c, true, (*harness).sendBytewise)
		})
	}
}

func serverSplitCases() []splitCase {
	row := frame('D', []byte{0, 1, 0, 0, 1, 0}, make([]byte, 256))
	bigError := codec.AppendErrorResponse(nil, "ERROR", "XX000", strings.Repeat("e", 300))
	simple := cat(frame('T', []byte{0, 0}), row, row, complete("SELECT 2"), bigError, rfq('I'))
	ask := func(req []byte) func(h *harness, cc, sc *fakeConn) {
		return func(h *harness, cc, sc *fakeConn) { h.send(cc, req); sc.take() }
	}
	// A first request of a client whose settings differ from the server's:
	// pgdogd's SET goes first and its replies are hidden.
	withSet := func(h *harness, cc, sc *fakeConn) {
		h.send(cc, queryMsg("select 1"))
		if got := sc.take(); !bytes.Contains(got, []byte("set_config(E'application_name', E'split', false);\x00Q")) {
			h.t.Fatalf("no SET before the client's query: %q", got)
		}
	}
	setReply := cat(frame('T', []byte{0, 0}), row, complete("SELECT 1"), codec.AppendParameterStatus(nil, "application_name", "split"), rfq('I'))
	return []splitCase{
		{name: "rows and a long error", setup: ask(queryMsg("select 1")), in: simple, out: simple},
		{name: "injected close hidden", setup: ask(cat(parseMsg("s1", "select 1"), bindMsg("s1"), executeMsg(), syncMsg())),
			in:  cat(closeOK, parseOK, bindOK, row, complete("SELECT 1"), rfq('I')),
			out: cat(parseOK, bindOK, row, complete("SELECT 1"), rfq('I'))},
		{name: "own SET hidden", startup: []codec.Param{{Name: "application_name", Value: "split"}}, setup: withSet, in: cat(setReply, simple), out: simple},
	}
}

func TestServerFramesSplitAtEveryOffset(t *testing.T) {
	for _, c := range serverSplitCases() {
		t.Run(c.name, func(t *testing.T) {
			for k := 0; k <= len(c.in); k++ {
				runSplit(t, c, false, func(h *harness, sc *fakeConn, b []byte) { h.sendCut(sc, b, k) })
			}
			runSplit(t, c, false, (*harness).sendBytewise)
		})
	}
}
