// replay.go holds the replay of one captured transaction on a destination connection, with its timing.

package mirror

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// ErrBadReply is returned when the destination sends something that is not
// a PostgreSQL message.
var ErrBadReply = errors.New("mirror: malformed message from destination")

// ErrTrailing is returned when the destination sent more than the requests
// asked for: the connection's state is unknown and it must not be reused.
var ErrTrailing = errors.New("mirror: unexpected bytes after the last ReadyForQuery")

// ErrTimeout is returned when the destination stayed silent for the
// Replayer's Timeout while a reply was owed, or did not take a request for
// that long: the connection's state is unknown and it must be closed.
var ErrTimeout = errors.New("mirror: destination did not answer in time")

// Deadliner is a connection whose reads and writes can be bounded, as a
// net.Conn's.
type Deadliner interface {
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// Replayer replays transactions on one blocking connection. It keeps its
// read buffer between transactions; it is used by one goroutine.
type Replayer struct {
	// Timeout bounds every read and write of a replay on a connection that
	// is a Deadliner: each waits at most Timeout from its own start, so a
	// reply that keeps arriving is never cut, while a destination that
	// never answers fails the replay with ErrTimeout. Zero: no bound.
	Timeout time.Duration
	dl      Deadliner // the connection being replayed on, when it has deadlines

	// Clock, when set, replaces time.Now for the replay's timing (tests
	// give a virtual clock that their Sleeper advances).
	Clock func() time.Time

	// Rewrite, when set, turns a request into what is sent (for instance to
	// make prepared statements exist on the destination). It appends to dst
	// and returns it; dst is the Replayer's own buffer, reused per batch.
	// It is given a request a frame (or a part of a large frame) at a time.
	Rewrite func(dst, req []byte) []byte
	wbuf    []byte       // what is to be written, at most about keepWrite bytes
	pieces  codec.Walker // where the requests stand, as they are put in wbuf

	rbuf    []byte
	have    int          // bytes in rbuf not read yet (less than a frame header)
	reqs    codec.Walker // where the requests stand: a frame may span records
	replies codec.Walker // where the replies stand: every reply is streamed, whatever its size
	owed    []byte       // in the order sent: sync points not answered yet ('Q' Query or FunctionCall, 'S' Sync) and 'c' where COPY data ended
	copyIn  bool         // the destination takes COPY data and the end of it is not sent yet: Syncs are ignored
	errors  int

	// Compare, when set, makes Replay record how each statement ended
	// (Outcomes), for the comparison with the source.
	Compare bool
	// TimeEach, with Compare, sends each request alone, once the replies to
	// the previous one are in, as the client did, so that each outcome's
	// latency is its statement's own: coalesced requests run back to back on
	// the destination, their replies arrive in one read, and the first
	// statement would be charged the time of all (the others nothing). It
	// costs a write and a read per request.
	TimeEach    bool
	outcomes    []byte
	stmtStart   time.Time // when the statement being answered began: sent, or the previous one ended
	outstanding bool      // a request was sent and its ReadyForQuery has not come
	readAt      time.Time // when the replies in rbuf arrived
}

// Outcomes returns the outcome records (outcome.go) of the last Replay with
// Compare set. The slice is valid until the next Replay.
func (r *Replayer) Outcomes() []byte { return r.outcomes }

// readyOnly reads ReadyForQuery whole: the transaction is over only once the stream stands
// after it.
var readyOnly = codec.Types(codec.MsgReadyForQuery)

// outcomeTypes are the replies read whole when comparing: their tag or SQLSTATE is recorded.
var outcomeTypes = codec.Types(codec.MsgReadyForQuery, codec.MsgCommandComplete, codec.MsgErrorResponse,
	codec.MsgEmptyQueryResponse, codec.MsgPortalSuspended)

// maxWholeReply bounds a reply read whole for its outcome; a larger one is streamed and
// its outcome recorded without its tag.
const maxWholeReply = 1 << 20

// NewReplayer returns a Replayer with a 64 KiB read buffer.
func NewReplayer() *Replayer { return &Replayer{rbuf: make([]byte, readBuf)} }

// readBuf is the read buffer a Replayer keeps; one reply read whole may grow it for a
// replay, up to maxWholeReply (makeRoom), and it is made small again after.
const readBuf = 64 << 10

// Result is what one replay observed.
type Result struct {
	Requests int           // records sent
	Errors   int           // ErrorResponses from the destination
	MaxLate  time.Duration // how far behind its recorded offset the latest request went out
}

// Sleeper waits; tests substitute it. nil means time.Sleep.
type Sleeper func(time.Duration)

// Coalesce is the window within which consecutive requests are sent in one
// write: a request due less than Coalesce after the first of a batch goes
// out with it, up to Coalesce early. Sub-millisecond gaps are the source's
// own round trips; sending them one write each would cost the mirror a
// syscall and a wake-up per request while adding no realism.
const Coalesce = time.Millisecond

// Replay sends each record of txn at its offset from start: records due
// within Coalesce of each other go out in one write, and so do all the
// records already overdue, so a late replay catches up at once and lateness
// never accumulates. Before each batch it reads and discards the replies
// owed so far, as the client had its answers before going on; that read
// usually returns about when the next request is due, so the wait costs no
// timer; the last replies are read as they come (with Compare and TimeEach
// set, every request is a batch of its own). Errors from the
// destination are counted, not returned; a returned error means the
// connection is unusable (ErrTimeout when Timeout passed).
func (r *Replayer) Replay(c io.ReadWriter, txn []byte, start time.Time, sleep Sleeper) (Result, error) {
	if sleep == nil {
		sleep = time.Sleep
	}
	var res Result
	// Nothing read on another connection carries over.
	r.errors, r.have, r.owed, r.copyIn = 0, 0, r.owed[:0], false
	r.reqs.Reset()
	r.pieces.Reset()
	r.wbuf = r.wbuf[:0]
	r.replies.Reset()
	r.outcomes, r.outstanding = r.outcomes[:0], false
	if r.Compare {
		r.replies.SetWhole(outcomeTypes)
	} else {
		r.replies.SetWhole(readyOnly)
	}
	r.dl, _ = c.(Deadliner)
	defer func() { r.dl = nil }()
	if r.dl != nil && r.Timeout <= 0 {
		// No bound: clear any left by an earlier replay on this connection.
		_ = r.dl.SetReadDeadline(time.Time{})
		_ = r.dl.SetWriteDeadline(time.Time{})
	}
	for buf := txn; len(buf) > 0; {
		at, _, _, ok := NextRecord(buf)
		if !ok {
			break
		}
		if err := r.drain(c, true); err != nil {
			return res, err
		}
		now := r.now().Sub(start)
		if d := at - now; d > 0 {
			sleep(d)
			now = at
		} else if -d > res.MaxLate {
			res.MaxLate = -d
		}
		horizon := max(at+Coalesce, now)
		for first := true; len(buf) > 0; first = false {
			next, req, n, ok := NextRecord(buf)
			if !ok || (next > horizon || r.Compare && r.TimeEach) && !first {
				break
			}
			buf = buf[n:]
			if err := r.add(c, req); err != nil {
				return res, err
			}
			r.countAnswered(req)
			res.Requests++
		}
		if err := r.flush(c); err != nil {
			return res, err
		}
	}
	err := r.drain(c, false)
	if len(r.rbuf) > readBuf && r.have == 0 {
		r.rbuf = make([]byte, readBuf) // a large reply's room is not kept by an idle goroutine
	}
	res.Errors = r.errors
	if err == nil && (r.have > 0 || !r.replies.AtBoundary()) {
		err = ErrTrailing
	}
	return res, err
}

// keepWrite bounds what a batch puts in the write buffer before writing it: a large
// request is never copied whole, and a replayer keeps no more than about this much for
// its writes, whatever the size of the transactions it replayed.
const keepWrite = 64 << 10

// add puts req in the batch, rewritten, one piece of a frame at a time (a whole frame, or
// the part of a frame that req holds), a piece larger than keepWrite keepWrite bytes at a
// time; the buffer is written out first when the next piece would take it past keepWrite.
func (r *Replayer) add(c io.Writer, req []byte) error {
	for len(req) > 0 {
		p, err := r.pieces.Next(req)
		n := len(p.Bytes)
		if err != nil || n == 0 {
			r.pieces.Reset() // not frames, or a header cut by the record's end: sent as they are
			n = len(req)
		}
		for piece := req[:n]; len(piece) > 0; {
			k := min(len(piece), keepWrite)
			if len(r.wbuf)+k > keepWrite {
				if err := r.flush(c); err != nil {
					return err
				}
			}
			if r.Rewrite != nil {
				r.wbuf = r.Rewrite(r.wbuf, piece[:k])
			} else {
				r.wbuf = append(r.wbuf, piece[:k]...)
			}
			piece = piece[k:]
		}
		req = req[n:]
	}
	return nil
}

// flush writes what the buffer holds. A buffer that a rewrite grew well past keepWrite is
// not kept.
func (r *Replayer) flush(c io.Writer) error {
	if len(r.wbuf) == 0 {
		return nil
	}
	err := r.write(c)
	r.wbuf = r.wbuf[:0]
	if cap(r.wbuf) > 2*keepWrite {
		r.wbuf = nil
	}
	return err
}

// now reads the replay's clock.
func (r *Replayer) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

// countAnswered records the Query, Sync and FunctionCall frames in a
// request: each is answered by one ReadyForQuery, except a Sync the
// destination ignores because it takes COPY data.
func (r *Replayer) countAnswered(req []byte) {
	for off := 0; off < len(req); {
		p, err := r.reqs.Next(req[off:])
		if err != nil || len(p.Bytes) == 0 {
			r.reqs.Reset() // not a frame: the capture holds what the client sent, which the source refused
			return
		}
		off += len(p.Bytes)
		if !p.First {
			continue
		}
		switch p.Type {
		case codec.MsgQuery, codec.MsgFunctionCall:
			r.owed = append(r.owed, 'Q')
		case codec.MsgSync:
			if !r.copyIn {
				r.owed = append(r.owed, 'S')
			}
		case codec.MsgCopyDone, codec.MsgCopyFail:
			if !r.copyIn {
				r.owed = append(r.owed, 'c') // a COPY not answered yet may end here
			}
			r.copyIn = false
		}
	}
}

// drain reads replies until no ReadyForQuery is owed. With copyStops, a
// CopyInResponse or CopyBothResponse also ends it: the copy data is in the
// next records.
func (r *Replayer) drain(c io.Reader, copyStops bool) error {
	for r.pending() {
		stop, err := r.consume(copyStops)
		if err != nil || stop {
			return err
		}
		if !r.pending() {
			return nil
		}
		n, err := r.read(c)
		if n == 0 && err != nil {
			return err
		}
		r.have += n
	}
	return nil
}

// read reads into the free part of rbuf within Timeout.
func (r *Replayer) read(c io.Reader) (int, error) {
	if r.dl != nil && r.Timeout > 0 {
		if err := r.dl.SetReadDeadline(time.Now().Add(r.Timeout)); err != nil {
			return 0, fmt.Errorf("cannot set a read deadline: %w", err)
		}
	}
	if r.have == len(r.rbuf) {
		r.makeRoom()
	}
	n, err := c.Read(r.rbuf[r.have:])
	if r.Compare && n > 0 {
		r.readAt = r.now()
	}
	return n, r.timedOut(err)
}

// makeRoom runs when the read buffer is full of one reply held whole for its outcome: the
// buffer grows to take it, or, past maxWholeReply, the reply is streamed.
func (r *Replayer) makeRoom() {
	held := r.replies.Held()
	if held > maxWholeReply || held == 0 {
		r.replies.SetWhole(readyOnly)
		return
	}
	grown := make([]byte, held)
	copy(grown, r.rbuf[:r.have])
	r.rbuf = grown
}

// write sends wbuf within Timeout.
func (r *Replayer) write(c io.Writer) error {
	if r.dl != nil && r.Timeout > 0 {
		if err := r.dl.SetWriteDeadline(time.Now().Add(r.Timeout)); err != nil {
			return fmt.Errorf("cannot set a write deadline: %w", err)
		}
	}
	if r.Compare && !r.outstanding {
		r.stmtStart, r.outstanding = r.now(), true
	}
	_, err := c.Write(r.wbuf)
	return r.timedOut(err)
}

// timedOut turns a deadline's expiry into ErrTimeout, keeping the cause.
func (r *Replayer) timedOut(err error) error {
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w (%v): %w", ErrTimeout, r.Timeout, err)
	}
	return err
}

// consume reads the replies in the read buffer, streaming every frame; it
// keeps only a header cut by the end of the buffer.
func (r *Replayer) consume(copyStops bool) (stop bool, err error) {
	off := 0
	for r.pending() && off < r.have && !stop {
		p, ferr := r.replies.Next(r.rbuf[off:r.have])
		if ferr != nil {
			return false, ErrBadReply
		}
		if len(p.Bytes) == 0 {
			break
		}
		off += len(p.Bytes)
		if p.First {
			if r.Compare {
				r.observe(&p)
			}
			stop = r.reply(p.Type) && copyStops
		}
	}
	copy(r.rbuf, r.rbuf[off:r.have])
	r.have -= off
	return stop, nil
}

// pending reports whether a ReadyForQuery is owed.
func (r *Replayer) pending() bool { return bytes.ContainsAny(r.owed, "QS") }

// reply handles the type of one reply; it reports whether the destination
// now takes COPY data.
func (r *Replayer) reply(typ byte) (copying bool) {
	switch typ {
	case codec.MsgReadyForQuery:
		// The oldest sync point is answered (with the COPY ends before it).
		i := bytes.IndexAny(r.owed, "QS")
		r.owed = r.owed[:copy(r.owed, r.owed[i+1:])]
		r.copyIn = false
	case codec.MsgErrorResponse:
		r.errors++
		r.copyIn = false
	case codec.MsgCopyInResponse, codec.MsgCopyBothResponse:
		r.copyStarted()
		return true
	}
	return false
}

// copyStarted handles a CopyInResponse: the Syncs sent after the message
// that began the COPY (libpq sends Execute and Sync before any data) and
// before the end of its data are ignored by the destination.
func (r *Replayer) copyStarted() {
	i := bytes.IndexAny(r.owed, "QS")
	if i >= 0 && r.owed[i] == 'Q' {
		i++ // the Query that began the COPY is answered after it
	}
	kept, ended := max(i, 0), false
	for j := kept; j < len(r.owed); j++ {
		switch k := r.owed[j]; {
		case ended || k == 'Q':
			r.owed[kept] = k
			kept++
		case k == 'c':
			ended = true // the data ended here: later Syncs count
		}
	}
	r.owed = r.owed[:kept]
	r.copyIn = !ended
}

// observe records the outcome a reply carries: a statement's end, or a sync point.
func (r *Replayer) observe(p *codec.Piece) {
	switch {
	case p.Type == codec.MsgReadyForQuery:
		r.outcomes = append(r.outcomes, SyncPoint)
		r.outstanding = false
		r.replies.SetWhole(outcomeTypes) // a reply streamed for its size does not change the next ones
	case IsOutcome(p.Type):
		lat := max(r.readAt.Sub(r.stmtStart), 0)
		r.stmtStart = r.readAt
		frame := p.Bytes
		if !p.Whole() {
			frame = frame[:codec.HeaderLen] // streamed for its size: recorded without its tag
		}
		r.outcomes = AppendOutcome(r.outcomes, frame, lat)
	}
}
