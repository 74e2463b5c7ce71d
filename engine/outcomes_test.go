//go:build !race

// outcomes_test.go checks that recording the source's statement outcomes for the mirror comparison allocates nothing per reply.

package engine

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/mirror"
)

// sourceReplies are the replies of one tpcb-like statement and its sync point.
func sourceReplies() (complete, ready []byte) {
	complete = append([]byte{codec.MsgCommandComplete, 0, 0, 0, 13}, "UPDATE 1\x00"...)
	return complete, codec.AppendReadyForQuery(nil, 'T')
}

func TestOutcomeRecordingZeroAlloc(t *testing.T) {
	complete, ready := sourceReplies()
	var o outcomes
	o.compare = true
	run := func() {
		o.sent(time.Now())
		o.reply(complete)
		o.reply(ready)
	}
	for range 100 { // the records' slice grows once
		run()
	}
	var txn txn
	o.attach(&txn) // no buffer: the records are forgotten, the slice kept
	o.compare = true
	if allocs := testing.AllocsPerRun(1000, run); allocs != 0 {
		t.Fatalf("recording a statement's outcome allocates %.2f objects; want 0", allocs)
	}
	out, sync, n, ok := mirror.NextOutcome(o.outs)
	if !ok || sync || string(out.Tag) != "UPDATE 1" || n >= len(o.outs) {
		t.Fatalf("first record = %+v %v %v", out, sync, ok)
	}
}

func BenchmarkOutcomeRecording(b *testing.B) {
	complete, ready := sourceReplies()
	var o outcomes
	b.ReportAllocs()
	for b.Loop() {
		o.compare = true
		o.sent(time.Now())
		o.reply(complete)
		o.reply(ready)
		if len(o.outs) > 32<<10 {
			o.outs = o.outs[:0]
		}
	}
}

// TestSourceOutcomesTimed: through the forwarding path, each statement of a mirrored
// transaction is noted with its tag and the time from its request to its end.
func TestSourceOutcomesTimed(t *testing.T) {
	h := newMirrorHarness(t, 1<<20, io.Discard)
	next := *h.e.cfg.Load()
	next.General.MirrorStats = true
	h.e.cfg.Store(&next)
	_, sc := h.addServer()
	cl, cc := h.connect()
	const pause = 3 * time.Millisecond
	step := func(sql, tag string) {
		h.send(cc, queryMsg(sql))
		sc.take()
		time.Sleep(pause) // the server's time: the outcome must count it
		h.send(sc, cat(complete(tag), rfq('T')))
		cc.take()
	}
	step("BEGIN", "BEGIN")
	step("UPDATE t SET v = 1", "UPDATE 1")
	var tags []string
	for buf := cl.cap.outs; len(buf) > 0; {
		o, sync, n, ok := mirror.NextOutcome(buf)
		if !ok {
			t.Fatalf("bad outcome records %q", cl.cap.outs)
		}
		buf = buf[n:]
		if sync {
			tags = append(tags, "Z")
			continue
		}
		tags = append(tags, string(o.Tag))
		if o.Latency < pause || o.Latency > time.Second {
			t.Errorf("%s: latency %v, want at least the server's %v", o.Tag, o.Latency, pause)
		}
	}
	if strings.Join(tags, " ") != "BEGIN Z UPDATE 1 Z" {
		t.Fatalf("outcomes %q, want BEGIN Z UPDATE 1 Z", tags)
	}
	h.send(cc, queryMsg("COMMIT"))
	sc.take()
	h.send(sc, cat(complete("COMMIT"), rfq('I')))
	cc.take()
}
