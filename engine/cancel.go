// cancel.go holds the client registry keyed by the backend keys pgdogd hands out, and cancel forwarding.

package engine

import (
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// cancelKey is the BackendKeyData pgdogd gives a client.
type cancelKey struct {
	pid    uint32
	secret [4]byte
}

// cancelKeyOf builds a key from a CancelRequest; keys of another length match nothing.
func cancelKeyOf(pid uint32, secret []byte) cancelKey {
	k := cancelKey{pid: pid}
	if len(secret) == len(k.secret) {
		copy(k.secret[:], secret)
	} else {
		k.pid = 0
	}
	return k
}

// cancelTarget is a server's real backend key and address. Immutable.
type cancelTarget struct {
	addr string
	pid  uint32
	key  []byte
}

// registry finds clients by cancel key; it is touched at connect and
// disconnect only.
type registry struct {
	mu sync.Mutex
	m  map[cancelKey]*client
}

func (r *registry) init() { r.m = make(map[cancelKey]*client) }

// add gives cl a fresh, unique key and registers it.
func (r *registry) add(cl *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		k := cancelKey{pid: rand.Uint32()}
		v := rand.Uint32()
		k.secret = [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		if _, taken := r.m[k]; !taken && k.pid != 0 {
			cl.key = k
			r.m[k] = cl
			return
		}
	}
}

func (r *registry) remove(cl *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m[cl.key] == cl {
		delete(r.m, cl.key)
	}
}

func (r *registry) lookup(k cancelKey) *client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[k]
}

// each calls f for every registered client (f must not block).
func (r *registry) each(f func(*client)) {
	r.mu.Lock()
	list := make([]*client, 0, len(r.m))
	for _, cl := range r.m {
		list = append(list, cl)
	}
	r.mu.Unlock()
	for _, cl := range list {
		f(cl)
	}
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

// cancel passes a CancelRequest to the loop of the client whose key it
// carries. An unknown key is ignored, as PostgreSQL does.
func (e *Engine) cancel(k cancelKey) {
	cl := e.clients.lookup(k)
	if cl == nil {
		e.stats.cancelsIgnored.Add(1)
		return
	}
	cl.loop.run(cl.cancelQuery)
}

// cancelQuery runs on the client's loop: it forwards the cancel to the
// server the client holds now, or drops it when the client holds none (its
// query is over; PostgreSQL ignores a cancel for an idle backend too). The
// server cannot go to another client until PostgreSQL has finished with
// the cancel (see server.giveBack), so a cancel never reaches another
// client's query, however late it arrives.
func (cl *client) cancelQuery() {
	s := cl.server
	if cl.state == clClosed || s == nil {
		cl.e.stats.cancelsIgnored.Add(1)
		return
	}
	s.l.cancels++
	cl.e.stats.cancelsForwarded.Add(1)
	t, timeout := s.cancel, cl.e.cfg.Load().General.ConnectTimeout
	go func() {
		if err := sendCancel(t, timeout); err != nil {
			cl.e.log.Warn("cannot forward cancel request", "addr", t.addr, "err", err)
		}
		s.loop.run(s.cancelDone)
	}()
}

// sendCancel delivers a CancelRequest and waits until PostgreSQL closes the
// connection, which it does once it has signalled the backend.
func sendCancel(t *cancelTarget, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", t.addr, timeout)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(codec.AppendCancelRequest(nil, t.pid, t.key)); err != nil {
		return err
	}
	var one [1]byte
	_, _ = c.Read(one[:]) // EOF: done
	return nil
}

// cancelDone runs on the server's loop when a cancel for it is finished: a
// server its client left meanwhile goes back to the pool now.
func (s *server) cancelDone() {
	s.l.cancels--
	if s.l.cancels == 0 && s.state == svCanceling {
		s.giveBack()
	}
}

func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
