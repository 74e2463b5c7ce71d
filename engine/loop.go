// loop.go holds per-event-loop state: the loop's index, its handle and its scratch buffer.

package engine

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/panjf2000/gnet/v2"
)

// loopState is owned by one gnet event loop; only that loop's goroutine
// touches its fields after creation.
type loopState struct {
	idx int
	el  gnet.EventLoop
	// scratch is reused for messages pgdogd builds on this loop. It is valid
	// until the next use on the same loop: write it out before returning.
	scratch []byte
	// out holds rewritten client bytes (prepared statements) until written.
	out []byte
	// clients are the loop's client connections, for the timeouts' sweep
	// and the shutdown (client.slot is each one's index).
	clients []*client
}

// addClient puts a new client connection in the loop's list.
func (ls *loopState) addClient(cl *client) {
	cl.slot = len(ls.clients)
	ls.clients = append(ls.clients, cl)
}

// removeClient takes a closed client connection out of the loop's list.
func (ls *loopState) removeClient(cl *client) {
	i := cl.slot
	if i < 0 || i >= len(ls.clients) || ls.clients[i] != cl {
		return
	}
	last := len(ls.clients) - 1
	ls.clients[i] = ls.clients[last]
	ls.clients[i].slot = i
	ls.clients[last] = nil
	ls.clients = ls.clients[:last]
	cl.slot = -1
}

// clientList returns a copy of the loop's clients, safe to walk while
// clients close.
func (ls *loopState) clientList() []*client {
	return append([]*client(nil), ls.clients...)
}

// loopOf returns the state of c's loop, registering the loop on first
// sight. Called from OnOpen only (a cold path).
func (e *Engine) loopOf(c gnet.Conn) *loopState {
	el := c.EventLoop()
	e.loopsMu.Lock()
	defer e.loopsMu.Unlock()
	for _, ls := range e.loops {
		if ls.el == el {
			return ls
		}
	}
	ls := &loopState{idx: len(e.loops), el: el, scratch: make([]byte, 0, 4096)}
	e.loops = append(e.loops, ls)
	return ls
}

// numLoops is the number of loop slots pools keep idle stacks for.
func (e *Engine) numLoops() int {
	return max(e.cfg.Load().General.Workers, 1)
}

// run executes f on the loop; it is dropped when the engine stopped.
func (ls *loopState) run(f func()) {
	_ = ls.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		f()
		return nil
	}))
}

// gnetLogger sends gnet's own logs to slog.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...)) }

// maxMessage is the largest frame accepted from a client (max_message_size).
func (e *Engine) maxMessage() int { return e.maxMsg }
