// outcomes_source_test.go checks the source's statement outcomes as the forwarding path records them for the mirror comparison.

package engine

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/mirror"
)

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
