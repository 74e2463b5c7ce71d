// onloops_test.go tests onLoops, the reading of loop-owned state, and holds the helpers that run a call waiting for the loops while the test plays the loop.

package engine

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// pumpLimit bounds how long a test plays the loop for a call that waits for it.
const pumpLimit = 30 * time.Second

// background is a call that waits for the loops (Snapshot, Control), running
// on its own goroutine while the test runs the loop's tasks.
type background[T any] struct {
	h    *harness
	done chan T
}

// inBackground starts f on its own goroutine.
func inBackground[T any](h *harness, f func() T) *background[T] {
	b := &background[T]{h: h, done: make(chan T, 1)}
	go func() { b.done <- f() }()
	return b
}

// wait runs the loop's tasks until f returns, and returns its result.
func (b *background[T]) wait() T {
	b.h.t.Helper()
	timeout := time.NewTimer(pumpLimit)
	defer timeout.Stop()
	for {
		select {
		case v := <-b.done:
			return v
		case f := <-b.h.loop.tasks:
			f()
			b.h.settle()
		case <-timeout.C:
			b.h.t.Fatal("a call waiting for the loop did not return")
		}
	}
}

// returned reports whether f has returned, without waiting; its result is then lost.
func (b *background[T]) returned() bool {
	select {
	case v := <-b.done:
		b.done <- v
		return true
	default:
		return false
	}
}

// beside runs f, which waits for the loops, while the test runs the loop's tasks.
func beside[T any](h *harness, f func() T) T {
	h.t.Helper()
	return inBackground(h, f).wait()
}

// pumpUntil runs the loop's tasks until cond holds; cond is checked after
// each task and at least every millisecond, for what goroutines do.
func (h *harness) pumpUntil(what string, cond func() bool) {
	h.t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(pumpLimit)
	defer timeout.Stop()
	for !cond() {
		select {
		case f := <-h.loop.tasks:
			f()
			h.settle()
		case <-tick.C:
		case <-timeout.C:
			h.t.Fatalf("still waiting for %s", what)
		}
	}
}

// refusingLoop is a loop that stopped: it refuses every task.
type refusingLoop struct{ *fakeLoop }

func (refusingLoop) Execute(context.Context, gnet.Runnable) error {
	return errors.New("fake loop: stopped")
}

// addLoop registers one more loop with the engine, as loopOf does on first sight.
func (h *harness) addLoop(el gnet.EventLoop) *loopState {
	h.e.loopsMu.Lock()
	defer h.e.loopsMu.Unlock()
	ls := &loopState{idx: len(h.e.loops), el: el, scratch: make([]byte, 0, 4096)}
	h.e.loops = append(h.e.loops, ls)
	return ls
}

// loopCount is what the function run by onLoops reports about one loop.
type loopCount struct{ idx, clients int }

func countClients(ls *loopState, clients []*client) loopCount {
	return loopCount{ls.idx, len(clients)}
}

func sortedCounts(cs []loopCount) []loopCount {
	sort.Slice(cs, func(i, j int) bool { return cs[i].idx < cs[j].idx })
	return cs
}

func TestOnLoopsRunsOnEveryLoopWithItsClients(t *testing.T) {
	h := newHarness(t, opts{})
	h.connect()
	h.connect()
	// A second loop with one client of its own, run by its own goroutine.
	other := &fakeLoop{tasks: make(chan func(), 8)}
	c := &fakeConn{loop: other, fd: 900}
	h.conns = append(h.conns, c)
	h.e.OnOpen(c)
	h.send(c, startupOf("u", "db"))
	if cl := c.ctx.(*client); cl.state != clIdle || cl.loop.idx != 1 {
		t.Fatalf("client of the second loop: state %s, loop %d", cl.state, cl.loop.idx)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case f := <-other.tasks:
				f()
			case <-stop:
				return
			}
		}
	}()
	r := beside(h, func() loopsResult {
		cs, err := onLoops(h.e, countClients)
		return loopsResult{cs, err}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if want := []loopCount{{0, 2}, {1, 1}}; !equalCounts(sortedCounts(r.counts), want) {
		t.Fatalf("per loop: %v, want %v", r.counts, want)
	}
}

func equalCounts(a, b []loopCount) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// loopsResult is what onLoops returned.
type loopsResult struct {
	counts []loopCount
	err    error
}

func TestOnLoopsWithoutAnswer(t *testing.T) {
	t.Parallel() // waits loopWait
	h := newHarness(t, opts{})
	h.connect()
	h.addLoop(refusingLoop{&fakeLoop{}})              // stopped: not asked, not waited for
	h.addLoop(&fakeLoop{tasks: make(chan func(), 8)}) // silent: its task never runs
	start := time.Now()
	r := beside(h, func() loopsResult {
		cs, err := onLoops(h.e, countClients)
		return loopsResult{cs, err}
	})
	if !errors.Is(r.err, errLoopsSilent) {
		t.Fatalf("err = %v, want errLoopsSilent", r.err)
	}
	if want := []loopCount{{0, 1}}; !equalCounts(r.counts, want) {
		t.Fatalf("results %v, want only the loop that answered: %v", r.counts, want)
	}
	if waited := time.Since(start); waited < loopWait {
		t.Fatalf("gave up after %v, before loopWait", waited)
	}
}

func TestOnLoopsSkipsStoppedLoops(t *testing.T) {
	h := newHarness(t, opts{})
	h.connect()
	h.addLoop(refusingLoop{&fakeLoop{}})
	r := beside(h, func() loopsResult {
		cs, err := onLoops(h.e, countClients)
		return loopsResult{cs, err}
	})
	if r.err != nil || !equalCounts(r.counts, []loopCount{{0, 1}}) {
		t.Fatalf("got %v, %v; want the running loop's count and no error", r.counts, r.err)
	}
}
