// onloops.go holds the race-free reading of loop-owned state: a function run on every loop, its results gathered with a timeout.

package engine

import (
	"context"
	"errors"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// loopWait bounds how long a reader waits for the loops to answer.
const loopWait = 2 * time.Second

// errLoopsSilent is returned when a loop did not answer within loopWait.
var errLoopsSilent = errors.New("an event loop did not answer in time")

// onLoops runs f on every known loop, with that loop's registered clients
// (cl.loop and cl.pool are fixed before a client is registered, so grouping
// them here is safe; everything else about them is read by f, on their
// loop). It returns the results of the loops that answered within loopWait.
// It must not run on an event loop: it waits for all of them.
func onLoops[T any](e *Engine, f func(ls *loopState, clients []*client) T) ([]T, error) {
	e.loopsMu.Lock()
	loops := append([]*loopState(nil), e.loops...)
	e.loopsMu.Unlock()
	byLoop := make(map[*loopState][]*client, len(loops))
	e.clients.each(func(cl *client) { byLoop[cl.loop] = append(byLoop[cl.loop], cl) })
	ch := make(chan T, len(loops)) // buffered: a late loop never blocks
	asked := 0
	for _, ls := range loops {
		ls, cls := ls, byLoop[ls]
		err := ls.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			ch <- f(ls, cls)
			return nil
		}))
		if err == nil {
			asked++
		}
	}
	out := make([]T, 0, asked)
	t := time.NewTimer(loopWait)
	defer t.Stop()
	for len(out) < asked {
		select {
		case v := <-ch:
			out = append(out, v)
		case <-t.C:
			return out, errLoopsSilent
		}
	}
	return out, nil
}
