// idle.go holds a pool's idle servers: one stack per loop, most recently used on top.

package pool

import "time"

// Server is an idle server.
type Server interface {
	comparable
	// IdleSince is when it went idle.
	IdleSince() time.Time
}

// Idle is a pool's idle servers, one stack per loop index, the most
// recently released last. The zero value has no loops; make one with
// NewIdle.
type Idle[S Server] [][]S

// NewIdle returns stacks for loops loops.
func NewIdle[S Server](loops int) Idle[S] { return make(Idle[S], loops) }

// Push puts s on top of loop li's stack.
func (st Idle[S]) Push(li int, s S) { st[li] = append(st[li], s) }

// Pop takes the most recently used idle server of loop li.
func (st Idle[S]) Pop(li int) (s S, ok bool) {
	l := st[li]
	if len(l) == 0 {
		return s, false
	}
	s = l[len(l)-1]
	var zero S
	l[len(l)-1] = zero
	st[li] = l[:len(l)-1]
	return s, true
}

// PopStale takes the longest-idle server of a loop other than li when it
// has been idle longer than CrossLoopAfter.
func (st Idle[S]) PopStale(li int, now time.Time) (s S, ok bool) {
	for j, l := range st {
		if j == li || len(l) == 0 || now.Sub(l[0].IdleSince()) <= CrossLoopAfter {
			continue
		}
		s = l[0]
		var zero S
		copy(l, l[1:])
		l[len(l)-1] = zero
		st[j] = l[:len(l)-1]
		return s, true
	}
	return s, false
}

// Elsewhere reports whether a loop other than li has an idle server.
func (st Idle[S]) Elsewhere(li int) bool {
	for j, l := range st {
		if j != li && len(l) > 0 {
			return true
		}
	}
	return false
}

// Remove takes s out of loop li's stack, if it is there.
func (st Idle[S]) Remove(li int, s S) {
	st[li], _ = Remove(st[li], s)
}

// Len is the number of idle servers on every loop.
func (st Idle[S]) Len() int {
	n := 0
	for _, l := range st {
		n += len(l)
	}
	return n
}

// TakeAll empties every stack and returns what they held.
func (st Idle[S]) TakeAll() []S {
	var out []S
	for i, l := range st {
		out = append(out, l...)
		st[i] = nil
	}
	return out
}
