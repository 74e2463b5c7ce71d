// mirrorlink.go holds one client's queue to one mirror and the goroutine that replays it.

package engine

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	"github.com/pgdogd/pgdogd/engine/prepared"
	"github.com/pgdogd/pgdogd/engine/session"
	"github.com/pgdogd/pgdogd/mirror"
)

// mirrorLink is a single-producer (the client's loop) single-consumer (its
// goroutine) queue of transactions for one mirror.
type mirrorLink struct {
	e      *Engine
	dest   *mirrorDest
	ring   *mirror.Ring[txn]
	exited chan struct{}   // closed when the goroutine is gone
	limit  int             // the mirror's queue length; the ring grows toward it (producer only)
	cur    *mirrorConn     // the destination connection being replayed on (consumer only)
	rw     codec.Walker    // where the rewrite stands in the captured frames (consumer only)
	sql    []byte          // the parameter sync query, reused (consumer only)
	rec    []byte          // that query as a record, reused (consumer only)
	cmp    mirror.Comparer // pairs the statements of both sides (consumer only)
}

// newMirrorLink starts a queue and its goroutine. With after set, the
// goroutine waits for the previous queue's goroutine, so order holds across
// a queue replacement.
func newMirrorLink(e *Engine, d *mirrorDest, capacity int, after <-chan struct{}) *mirrorLink {
	l := &mirrorLink{e: e, dest: d, ring: mirror.NewRing[txn](max(capacity, 1)), exited: make(chan struct{})}
	go l.run(after)
	return l
}

// push queues t without blocking; false when the queue is full.
func (l *mirrorLink) push(t txn) bool {
	if !l.ring.Push(t) {
		return false
	}
	l.dest.stats.queued.Add(1)
	return true
}

// run replays queued transactions in order until the client is gone and
// the queue drained. A sleeping goroutine costs no CPU.
func (l *mirrorLink) run(after <-chan struct{}) {
	defer close(l.exited)
	if after != nil {
		<-after
	}
	r := mirror.NewReplayer()
	r.Rewrite = l.rewrite
	l.cmp.Lookup = l.statementText
	for l.ring.Wait(l.e.mirrorStop) {
		for {
			t, ok := l.ring.Pop()
			if !ok {
				break
			}
			l.dest.stats.queued.Add(-1)
			l.replay(r, t)
			t.buf.Release()
			mirroring.MaybeTrim(l.e.log)
		}
	}
	l.ring.Drain(func(t txn) { // shutting down: what is left is dropped
		l.dest.stats.queued.Add(-1)
		l.dest.drop(mirroring.DropUnavailable)
		t.buf.Release()
	})
}

// rewrite makes prepared statements exist on the connection being replayed on.
func (l *mirrorLink) rewrite(dst, req []byte) []byte {
	return prepared.RewriteForMirror(l.e.stmts, &l.cur.stmts, &l.rw, dst, req)
}

// replay runs one transaction on a connection of the destination pool.
func (l *mirrorLink) replay(r *mirror.Replayer, t txn) {
	d := l.dest
	if d.down(time.Now()) {
		d.drop(mirroring.DropUnavailable)
		return
	}
	s, err := d.dest.acquireBlocking(time.Now().Add(d.dest.checkoutTimeout()))
	if err != nil {
		if err != errPoolExhausted {
			d.markDown() // cannot connect: drop at the source for a while
		}
		d.drop(mirroring.DropUnavailable)
		return
	}
	l.cur = s
	l.rw.Reset()
	base := l.e.cfg.Load().General.MirrorTimeout
	r.Timeout = base
	ok := l.syncParams(r, s, t.params)
	if !ok {
		d.stats.errors.Add(1)
		d.dest.releaseBlocking(s, false)
		d.drop(mirroring.DropUnavailable)
		return
	}
	// No statement ran longer on the source than the whole transaction: a
	// mirror silent for mirror_timeout beyond that is taken as hung.
	r.Timeout = base + t.duration()
	r.Compare = t.compared
	r.TimeEach = t.compared && rand.Float64() < l.e.cfg.Load().General.MirrorStatsTiming
	res, err := r.Replay(s.nc, t.requests(), time.Now(), nil)
	if err == nil && t.compared {
		l.e.insight.Observe(d.destDB, l.cmp.Compare(t.requests(), t.outcomes(), r.Outcomes(), r.TimeEach), time.Now())
	}
	r.Compare, r.TimeEach = false, false
	d.stats.errors.Add(int64(res.Errors))
	d.stats.maxLateNanos.Store(int64(res.MaxLate))
	if err != nil || res.Errors > 0 && s.stmts.Len() > 0 {
		// An error may have left a statement unprepared: start the next
		// transaction on a fresh connection rather than guess.
		d.dest.releaseBlocking(s, false)
		if err != nil {
			d.stats.errors.Add(1)
			if !errors.Is(err, mirror.ErrBadReply) && !errors.Is(err, mirror.ErrTrailing) && !errors.Is(err, mirror.ErrTimeout) {
				d.markDown() // the connection broke: the mirror may be down
			}
			return
		}
	} else {
		d.dest.releaseBlocking(s, true)
	}
	d.stats.mirrored.Add(1)
	lag := time.Since(t.end)
	d.stats.lagNanos.Store(int64(lag))
	d.stats.lag.Observe(lag)
}

// syncParams gives the mirror connection the client's settings, as link does
// for a source server.
func (l *mirrorLink) syncParams(r *mirror.Replayer, s *mirrorConn, want session.Params) bool {
	q, after, ok := session.AppendSettingsQuery(l.sql[:0], s.params, want, l.dest.dest.params())
	s.params = after
	if !ok {
		return true
	}
	l.sql = q
	l.rec = mirror.AppendRecord(l.rec[:0], 0, q)
	res, err := r.Replay(s.nc, l.rec, time.Now(), nil)
	if err != nil || res.Errors > 0 {
		s.params = nil
		return false
	}
	return true
}

// statementText returns the text of a statement prepared under a shared name, for the
// comparison of a transaction that binds it without parsing it.
func (l *mirrorLink) statementText(name []byte) []byte {
	if st := l.e.stmts.ByName(name); st != nil {
		return []byte(st.Query)
	}
	return nil
}
