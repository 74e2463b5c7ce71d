// accept.go holds pgdogd's own accept loop: it owns the listening socket,
// survives running out of descriptors, and hands each connection to an event loop.

package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Accept back-off after a failure that a retry may cure (out of
// descriptors, of buffer space, of memory): doubling from the first to
// the last, as net/http's Server does.
const (
	acceptBackoffFirst = 5 * time.Millisecond
	acceptBackoffMax   = time.Second
)

// listen opens the client port. gnet never sees this socket: its own
// acceptor stops the whole engine on the first EMFILE.
func listen(host string, port int) (*net.TCPListener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s:%d: %w", host, port, err)
	}
	return ln.(*net.TCPListener), nil
}

// acceptBurst tracks one run of failed accepts, so that it is logged once
// when it starts and once when it ends, with its count.
type acceptBurst struct {
	failures int
	since    time.Time
	delay    time.Duration
}

// failed records a failure and returns how long to wait before the next try.
func (b *acceptBurst) failed(e *Engine, err error, now time.Time) time.Duration {
	e.stats.acceptErrors.Add(1)
	if b.failures == 0 {
		b.since = now
		soft, _ := fileLimit()
		e.log.Warn("cannot accept connections; retrying with back-off until descriptors are free",
			"err", err, "open_files_limit", soft)
	}
	b.failures++
	b.delay = min(max(b.delay*2, acceptBackoffFirst), acceptBackoffMax)
	return b.delay
}

// succeeded ends a burst, if one was running.
func (b *acceptBurst) succeeded(e *Engine, now time.Time) {
	if b.failures == 0 {
		return
	}
	e.log.Info("accepting connections again", "failed_accepts", b.failures, "after", now.Sub(b.since).Round(time.Millisecond))
	*b = acceptBurst{}
}

// acceptLoop accepts clients until the listener is closed. No error stops
// it: a failure is retried after a back-off.
func (e *Engine) acceptLoop(ln *net.TCPListener) {
	var burst acceptBurst
	for {
		c, err := ln.AcceptTCP()
		if err == nil {
			err = e.handOver(c)
		}
		if err == nil {
			burst.succeeded(e, time.Now())
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if !retryable(err) {
			// A connection that failed on its own (reset before accept, for
			// instance) says nothing about the next one.
			e.log.Debug("cannot accept a connection", "err", err)
			continue
		}
		select {
		case <-time.After(burst.failed(e, err, time.Now())):
		case <-e.stopped:
			return
		}
	}
}

// retryable reports whether an accept (or the enrolment after it) failed
// for want of a resource that may come back.
func retryable(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

// handOver enrolls an accepted connection on the least busy loop and waits
// until the loop has it (a wait that also paces accepts to what the loops
// take). The connection is closed on failure.
func (e *Engine) handOver(c *net.TCPConn) error {
	e.clientConns.Add(1) // given back by the client's onClose, or below
	ch, err := e.eng.Register(gnet.NewNetConnContext(context.Background(), c))
	if err != nil {
		_ = c.Close()
		e.clientConns.Add(-1)
		return err
	}
	if r := <-ch; r.Err != nil { // the enrolment closed c
		e.clientConns.Add(-1)
		return r.Err
	}
	return nil
}

// fileLimit returns the open files limit (soft, hard).
func fileLimit() (uint64, uint64) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0
	}
	return l.Cur, l.Max
}

// raiseFileLimit lifts the open files limit to its hard limit and logs it.
func (e *Engine) raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		e.log.Warn("cannot read the open files limit", "err", err)
		return
	}
	if l.Cur < l.Max {
		raised := syscall.Rlimit{Cur: l.Max, Max: l.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			e.log.Warn("cannot raise the open files limit", "soft", l.Cur, "hard", l.Max, "err", err)
		} else {
			l = raised
		}
	}
	e.log.Info("open files limit", "limit", l.Cur, "hard", l.Max)
}
