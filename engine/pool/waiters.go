// waiters.go holds the choice of the waiting client a released server goes to.

package pool

import "time"

// CrossLoopAfter is how long a waiter may be passed over in favour of
// same-loop waiters before any release serves it first, and how long a
// server must have been idle on its loop before another loop takes it.
const CrossLoopAfter = 2 * time.Millisecond

// Waiter is a client waiting for a server.
type Waiter interface {
	// Loop is the index of the loop the client lives on.
	Loop() int
	// Expecting reports whether a server is already on its way to it.
	Expecting() bool
	// WaitStart is when it started waiting.
	WaitStart() time.Time
}

// PickWaiter chooses who a server released on loop li goes to, from
// waiters in arrival order: the oldest waiter of loop li, unless the oldest
// waiter of another loop (with no server already on its way) has waited
// more than twice as long plus CrossLoopAfter, which keeps waits even
// across loops without moving servers while the loops are evenly loaded.
// With no waiter on li, the oldest elsewhere once it has waited
// CrossLoopAfter; ok is false when the server should rather idle on li.
func PickWaiter[W Waiter](waiters []W, li int, now time.Time) (w W, ok bool) {
	var here, there W
	var haveHere, haveThere bool
	for _, x := range waiters {
		switch {
		case x.Loop() == li:
			if !haveHere {
				here, haveHere = x, true // a migrated server arriving for x lands here too
			}
		case !x.Expecting() && !haveThere:
			there, haveThere = x, true
		}
		if haveHere && haveThere {
			break
		}
	}
	switch {
	case !haveThere:
		return here, haveHere
	case !haveHere:
		if now.Sub(there.WaitStart()) > CrossLoopAfter {
			return there, true
		}
		return w, false // the server idles here; a rebalance moves it if the wait goes on
	case now.Sub(there.WaitStart()) > 2*now.Sub(here.WaitStart())+CrossLoopAfter:
		return there, true
	}
	return here, true
}

// Remove drops w from the queue, keeping the order; ok reports whether it was there.
func Remove[W comparable](queue []W, w W) (out []W, ok bool) {
	for i, x := range queue {
		if x == w {
			var zero W
			copy(queue[i:], queue[i+1:])
			queue[len(queue)-1] = zero
			return queue[:len(queue)-1], true
		}
	}
	return queue, false
}
