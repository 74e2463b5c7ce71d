//go:build !race

// outcomes_test.go checks that recording the source's statement outcomes for the mirror comparison allocates nothing per reply.

package engine

import (
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
