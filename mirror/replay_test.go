// replay_test.go checks record encoding, the replay of captured transactions against a scripted destination, and its timeout.

package mirror

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

func TestRecordsRoundTrip(t *testing.T) {
	var buf []byte
	buf = AppendRecord(buf, 0, []byte("first"))
	h := RecordHeaderFor(300*time.Millisecond, len("second")) // header and bytes appended apart, as the capture does
	buf = append(buf, h[:]...)
	buf = append(buf, "second"...)
	buf = AppendRecord(buf, time.Second, nil)
	want := []struct {
		at  time.Duration
		req string
	}{{0, "first"}, {300 * time.Millisecond, "second"}, {time.Second, ""}}
	for i, w := range want {
		at, req, n, ok := NextRecord(buf)
		if !ok || at != w.at || string(req) != w.req {
			t.Fatalf("record %d = (%v, %q, %v), want (%v, %q)", i, at, req, ok, w.at, w.req)
		}
		buf = buf[n:]
	}
	if _, _, _, ok := NextRecord(buf); ok {
		t.Fatal("a record after the last one")
	}
	if _, _, _, ok := NextRecord([]byte{0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1}); ok {
		t.Fatal("a truncated record was accepted")
	}
}

// scriptedDest answers Query and Sync with ReadyForQuery, queries containing
// "fail" with an ErrorResponse first, and "copy" with CopyInResponse (then
// CommandComplete after CopyDone). It records what it received.
func scriptedDest(t *testing.T, c net.Conn, got *bytes.Buffer, done chan<- struct{}) {
	defer close(done)
	r := bufio.NewReader(c)
	var hdr [5]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		body := make([]byte, int(binary.BigEndian.Uint32(hdr[1:]))-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		got.Write(hdr[:])
		got.Write(body)
		var out []byte
		switch hdr[0] {
		case 'Q':
			q := string(body)
			switch {
			case strings.Contains(q, "fail"):
				out = codec.AppendErrorResponse(out, "ERROR", "42P01", "no such table")
				out = codec.AppendReadyForQuery(out, 'I')
			case strings.Contains(q, "copy"):
				out = append(out, 'G', 0, 0, 0, 7, 0, 0, 0)
			default:
				out = codec.AppendReadyForQuery(out, 'I')
			}
		case 'c':
			out = codec.AppendReadyForQuery(out, 'I')
		case 'S':
			out = codec.AppendReadyForQuery(out, 'I')
		}
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

// startScripted connects a pipe to a scriptedDest; got collects what it
// received and done closes when it has stopped (after the pipe is closed).
func startScripted(t *testing.T) (net.Conn, *bytes.Buffer, chan struct{}) {
	a, b := net.Pipe()
	got := &bytes.Buffer{}
	done := make(chan struct{})
	go scriptedDest(t, b, got, done)
	return a, got, done
}

// virtualClock is a replay clock that moves only when the replay sleeps,
// so timing tests do not depend on how busy the machine is.
type virtualClock struct {
	t     time.Time
	slept []time.Duration
}

func newVirtualClock() *virtualClock { return &virtualClock{t: time.Unix(1e9, 0)} }

func (c *virtualClock) now() time.Time { return c.t }

func (c *virtualClock) sleep(d time.Duration) {
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
}

func TestReplayTimingErrorsAndCopy(t *testing.T) {
	a, got, done := startScripted(t)

	var txn []byte
	txn = AppendRecord(txn, 0, codec.AppendQuery(nil, "begin"))
	txn = AppendRecord(txn, 300*time.Millisecond, codec.AppendQuery(nil, "select fail"))
	txn = AppendRecord(txn, 400*time.Millisecond, codec.AppendQuery(nil, "copy t from stdin"))
	copyData := append([]byte{'d', 0, 0, 0, 8}, "1\t2\n"...)
	copyData = append(copyData, 'c', 0, 0, 0, 4)
	txn = AppendRecord(txn, 450*time.Millisecond, copyData)
	txn = AppendRecord(txn, 500*time.Millisecond, codec.AppendQuery(nil, "commit"))

	clock := newVirtualClock()
	start := clock.now()
	r := NewReplayer()
	r.Clock = clock.now
	res, err := r.Replay(a, txn, start, clock.sleep)
	slept := clock.slept
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	_ = a.Close()
	<-done
	if res.Requests != 5 || res.Errors != 1 {
		t.Fatalf("result = %+v, want 5 requests and 1 error", res)
	}
	if len(slept) != 4 {
		t.Fatalf("slept %d times (%v), want 4", len(slept), slept)
	}
	if elapsed := clock.now().Sub(start); elapsed != 500*time.Millisecond {
		t.Fatalf("replay took %v, want 500ms: every record at its offset", elapsed)
	}
	want := string(bytes.Join([][]byte{
		codec.AppendQuery(nil, "begin"), codec.AppendQuery(nil, "select fail"),
		codec.AppendQuery(nil, "copy t from stdin"), copyData, codec.AppendQuery(nil, "commit"),
	}, nil))
	if got.String() != want {
		t.Fatalf("destination received %q\nwant %q", got.String(), want)
	}
}

func TestReplayLateSendsAtOnce(t *testing.T) {
	a, _, done := startScripted(t)
	var txn []byte
	txn = AppendRecord(txn, 0, codec.AppendQuery(nil, "select 1"))
	txn = AppendRecord(txn, 100*time.Millisecond, codec.AppendQuery(nil, "select 2"))
	slept := 0
	// The replay starts a second late: no record may wait, and the overdue
	// records go out together.
	cc := &countingConn{Conn: a}
	clock := newVirtualClock()
	r := NewReplayer()
	r.Clock = clock.now
	res, err := r.Replay(cc, txn, clock.now().Add(-time.Second), func(time.Duration) { slept++ })
	_ = a.Close()
	<-done
	if err != nil || slept != 0 {
		t.Fatalf("err=%v slept=%d, want no sleep", err, slept)
	}
	if res.MaxLate != time.Second {
		t.Fatalf("MaxLate = %v, want 1s", res.MaxLate)
	}
	if cc.writes != 1 {
		t.Fatalf("%d writes for two overdue requests, want 1", cc.writes)
	}
}

func TestReplayExtendedPipeline(t *testing.T) {
	a, _, done := startScripted(t)
	// Parse/Bind/Execute then Sync in separate records: one ReadyForQuery.
	parse := []byte{'P', 0, 0, 0, 8, 0, 's', 0, 0}
	parse = append(parse[:5], 0, 'x', 0, 0, 0)
	binary.BigEndian.PutUint32(parse[1:5], uint32(len(parse)-1))
	var txn []byte
	txn = AppendRecord(txn, 0, parse)
	txn = AppendRecord(txn, time.Millisecond, codec.AppendSync(nil))
	res, err := NewReplayer().Replay(a, txn, time.Now(), nil)
	_ = a.Close()
	<-done
	if err != nil || res.Requests != 2 || res.Errors != 0 {
		t.Fatalf("res=%+v err=%v", res, err)
	}
}

// countingConn counts the writes that reach the destination.
type countingConn struct {
	net.Conn
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes++
	return c.Conn.Write(p)
}

func TestReplayCoalescesCloseRequests(t *testing.T) {
	for _, compare := range []bool{false, true} {
		testReplayCoalesces(t, compare)
	}
}

// testReplayCoalesces replays four requests, three of them within Coalesce: in two writes,
// or with compare and TimeEach (each request's reply timed on its own) in four.
func testReplayCoalesces(t *testing.T, compare bool) {
	a, got, done := startScripted(t)
	var txn []byte
	txn = AppendRecord(txn, 0, codec.AppendQuery(nil, "begin"))
	txn = AppendRecord(txn, 200*time.Microsecond, codec.AppendQuery(nil, "select 1"))
	txn = AppendRecord(txn, 500*time.Microsecond, codec.AppendQuery(nil, "select 2"))
	txn = AppendRecord(txn, 20*time.Millisecond, codec.AppendQuery(nil, "commit"))
	cc := &countingConn{Conn: a}
	clock := newVirtualClock()
	r := NewReplayer()
	r.Clock = clock.now
	r.Compare, r.TimeEach = compare, compare
	res, err := r.Replay(cc, txn, clock.now(), clock.sleep)
	_ = a.Close()
	<-done
	if err != nil || res.Requests != 4 {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if want := map[bool]int{false: 2, true: 4}[compare]; cc.writes != want {
		t.Fatalf("compare %v: %d writes, want %d: three requests within %v, then one 20ms later", compare, cc.writes, want, Coalesce)
	}
	if n := bytes.Count(r.Outcomes(), []byte{SyncPoint}); compare && n != 4 {
		t.Fatalf("%d sync points recorded, want 4", n)
	}
	if !strings.HasSuffix(got.String(), string(codec.AppendQuery(nil, "commit"))) {
		t.Fatalf("destination got %q", got.String())
	}
}

// silentDest listens on loopback and accepts one connection, which it reads
// to the end without ever answering. It returns the client side and a
// channel closed once the first request byte arrived.
func silentDest(t *testing.T) (net.Conn, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	arrived := make(chan struct{})
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var one [1]byte
		if _, err := io.ReadFull(c, one[:]); err != nil {
			return
		}
		close(arrived)
		_, _ = io.Copy(io.Discard, c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("cannot dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, arrived
}

// checkTimeout checks that a replay bounded by timeout failed with
// ErrTimeout, keeping the deadline's error, within the bound and some slack.
func checkTimeout(t *testing.T, err error, elapsed, timeout time.Duration) {
	t.Helper()
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Replay error %v, want ErrTimeout wrapping os.ErrDeadlineExceeded", err)
	}
	if elapsed < timeout || elapsed > timeout+5*time.Second {
		t.Fatalf("Replay returned after %v, want just after the %v timeout", elapsed, timeout)
	}
}

// TestReplayTimeoutSilentDestination: a destination that takes the request
// but never answers fails the replay with ErrTimeout once Timeout passed;
// the same Replayer then replays the next transaction on another connection.
func TestReplayTimeoutSilentDestination(t *testing.T) {
	c, arrived := silentDest(t)
	const timeout = 300 * time.Millisecond
	r := NewReplayer()
	r.Timeout = timeout
	txn := AppendRecord(nil, 0, codec.AppendQuery(nil, "select 1"))
	txn = AppendRecord(txn, 0, codec.AppendQuery(nil, "select 2"))
	start := time.Now()
	res, err := r.Replay(c, txn, start, nil)
	checkTimeout(t, err, time.Since(start), timeout)
	if res.Requests != 2 {
		t.Fatalf("result %+v, want both requests sent", res)
	}
	<-arrived

	a, _, done := startScripted(t)
	res, err = r.Replay(a, AppendRecord(nil, 0, codec.AppendQuery(nil, "select 3")), time.Now(), nil)
	_ = a.Close()
	<-done
	if err != nil || res.Requests != 1 || res.Errors != 0 {
		t.Fatalf("next replay after a timeout: %+v %v, want it replayed", res, err)
	}
}

// TestReplayTimeoutDestinationNotReading: a destination that does not even
// read blocks the write; the write is bounded too.
func TestReplayTimeoutDestinationNotReading(t *testing.T) {
	a, b := net.Pipe() // a write on a pipe waits for a read on the other end
	defer a.Close()
	defer b.Close()
	const timeout = 200 * time.Millisecond
	r := NewReplayer()
	r.Timeout = timeout
	start := time.Now()
	_, err := r.Replay(a, AppendRecord(nil, 0, codec.AppendQuery(nil, "select 1")), start, nil)
	checkTimeout(t, err, time.Since(start), timeout)
}

// TestReplayNoTimeoutClearsDeadline: without Timeout, a deadline left on
// the connection (by an earlier bounded replay) does not cut the replay.
func TestReplayNoTimeoutClearsDeadline(t *testing.T) {
	a, _, done := startScripted(t)
	_ = a.SetDeadline(time.Now()) // already expired
	res, err := NewReplayer().Replay(a, AppendRecord(nil, 0, codec.AppendQuery(nil, "select 1")), time.Now(), nil)
	_ = a.Close()
	<-done
	if err != nil || res.Requests != 1 {
		t.Fatalf("res=%+v err=%v, want the replay unbounded", res, err)
	}
}

// copyDest plays PostgreSQL's extended-protocol COPY FROM STDIN: Execute
// answers CopyInResponse, Syncs received while taking COPY data are
// ignored, CopyDone answers CommandComplete, and a Query answers a 200 KB
// DataRow (larger than the replayer's read buffer) and ReadyForQuery.
func copyDest(c net.Conn, done chan<- struct{}) {
	defer close(done)
	r := bufio.NewReader(c)
	var hdr [5]byte
	copying := false
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[1:]))-4); err != nil {
			return
		}
		var out []byte
		switch hdr[0] {
		case 'E':
			out, copying = append(out, 'G', 0, 0, 0, 7, 0, 0, 0), true
		case 'c':
			out, copying = append(out, 'C', 0, 0, 0, 9, 'C', 'O', 'P', 'Y', 0), false
		case 'S':
			if !copying {
				out = codec.AppendReadyForQuery(out, 'I')
			}
		case 'Q':
			row := make([]byte, 200<<10)
			out = append(out, 'D', 0, 0, 0, 0)
			binary.BigEndian.PutUint32(out[1:], uint32(4+len(row)))
			out = append(out, row...)
			out = codec.AppendReadyForQuery(out, 'I')
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// TestReplayCopyEarlySync replays libpq's COPY FROM STDIN through the
// extended protocol (Execute and Sync before any data, a Sync after
// CopyDone: one ReadyForQuery in all), then a reply larger than the read
// buffer: the replay ends, neither waiting for a ReadyForQuery that never
// comes nor stumbling over the big frame.
func TestReplayCopyEarlySync(t *testing.T) {
	a, b := net.Pipe()
	done := make(chan struct{})
	go copyDest(b, done)
	defer func() { _ = a.Close(); <-done }()
	exec := []byte{'P', 0, 0, 0, 6, 0, 0, 'B', 0, 0, 0, 8, 0, 0, 0, 0, 'E', 0, 0, 0, 9, 0, 0, 0, 0, 0}
	exec = codec.AppendSync(exec)
	data := append([]byte{'d', 0, 0, 0, 8}, "1\t2\n"...)
	data = codec.AppendSync(append(data, 'c', 0, 0, 0, 4))
	var txn []byte
	// All due at once: sent in one write, before any reply is read.
	txn = AppendRecord(txn, 0, exec)
	txn = AppendRecord(txn, 0, data)
	txn = AppendRecord(txn, 0, codec.AppendQuery(nil, "select big"))
	r := NewReplayer()
	r.Timeout = 5 * time.Second
	res, err := r.Replay(a, txn, time.Now(), func(time.Duration) {})
	if err != nil || res.Requests != 3 || res.Errors != 0 {
		t.Fatalf("Replay = %+v, %v; want 3 requests, no error", res, err)
	}
	if len(r.owed) != 0 || r.copyIn {
		t.Fatalf("after the replay: owed %q, copyIn %v", r.owed, r.copyIn)
	}
	// Every reply was read: nothing is left for the next transaction.
	_ = a.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := a.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after the replay the destination still had %d bytes (%v) to read", n, err)
	}
}

// pieceLog is a Rewrite that copies requests unchanged and records the pieces it was given.
type pieceLog struct{ pieces [][]byte }

func (l *pieceLog) rewrite(dst, req []byte) []byte {
	l.pieces = append(l.pieces, bytes.Clone(req))
	return append(dst, req...)
}

// maxWriteConn records the largest write that reaches the destination.
type maxWriteConn struct {
	net.Conn
	largest int
}

func (c *maxWriteConn) Write(p []byte) (int, error) {
	c.largest = max(c.largest, len(p))
	return c.Conn.Write(p)
}

// startScriptedTCP is startScripted over loopback TCP, whose buffers let the destination
// answer while a large batch is still being written.
func startScriptedTCP(t *testing.T) (net.Conn, *bytes.Buffer, chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	got, done := &bytes.Buffer{}, make(chan struct{})
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(done)
			return
		}
		defer c.Close()
		scriptedDest(t, c, got, done)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("cannot dial: %v", err)
	}
	return c, got, done
}

// TestReplayLargeRequestsInPieces: a transaction of large frames and of many small ones,
// its records cut anywhere, reaches the destination unchanged, while the replayer never
// holds more than about keepWrite bytes to write: the rewrite gets small frames whole and
// large ones in pieces of at most keepWrite bytes.
func TestReplayLargeRequestsInPieces(t *testing.T) {
	big := codec.AppendQuery(nil, "select '"+strings.Repeat("x", 300<<10)+"'")
	var smalls []byte
	for i := 0; len(smalls) < 3*keepWrite; i++ {
		smalls = codec.AppendQuery(smalls, "select "+strings.Repeat("1", i%50))
	}
	stream := append(append(bytes.Clone(big), smalls...), big...)
	cuts := []int{0, 100 << 10, len(big) + 7, len(stream) - 70000, len(stream)}
	var txn []byte
	for i := 1; i < len(cuts); i++ {
		txn = AppendRecord(txn, 0, stream[cuts[i-1]:cuts[i]])
	}
	a, got, done := startScriptedTCP(t)
	conn := &maxWriteConn{Conn: a}
	log := &pieceLog{}
	r := NewReplayer()
	r.Rewrite = log.rewrite
	res, err := r.Replay(conn, txn, time.Now(), nil)
	_ = a.Close()
	<-done
	if err != nil || res.Requests != 4 {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if !bytes.Equal(got.Bytes(), stream) {
		t.Fatalf("destination got %d bytes, want the %d sent", got.Len(), len(stream))
	}
	if conn.largest > keepWrite || cap(r.wbuf) > 2*keepWrite {
		t.Fatalf("largest write %d, write buffer kept %d; want at most %d", conn.largest, cap(r.wbuf), keepWrite)
	}
	checkPieces(t, log.pieces, stream, cuts)
}

// checkPieces checks the pieces the rewrite was given: together they are the stream, each
// lies within one frame and holds at most keepWrite bytes, and a frame of at most keepWrite
// bytes that no record cut is given whole.
func checkPieces(t *testing.T, pieces [][]byte, stream []byte, cuts []int) {
	t.Helper()
	var frames [][2]int // start and end of each frame
	for off := 0; off < len(stream); {
		typ, size, complete, err := codec.NextFrame(stream[off:], 1<<30)
		if err != nil || !complete || typ != codec.MsgQuery {
			t.Fatalf("the test's stream at %d: %v", off, err)
		}
		frames = append(frames, [2]int{off, off + size})
		off += size
	}
	starts := map[int]int{} // piece start -> length
	off, f := 0, 0
	for _, p := range pieces {
		for frames[f][1] <= off {
			f++
		}
		if len(p) > keepWrite || off+len(p) > frames[f][1] || !bytes.Equal(p, stream[off:off+len(p)]) {
			t.Fatalf("piece at %d (%d bytes): not the stream's next bytes within frame %v, or above %d", off, len(p), frames[f], keepWrite)
		}
		starts[off] = len(p)
		off += len(p)
	}
	if off != len(stream) {
		t.Fatalf("the pieces hold %d bytes, the stream %d", off, len(stream))
	}
	for _, fr := range frames {
		cut := slices.ContainsFunc(cuts, func(c int) bool { return c > fr[0] && c < fr[1] })
		if size := fr[1] - fr[0]; size <= keepWrite && !cut && starts[fr[0]] != size {
			t.Fatalf("frame %v (%d bytes) given as a piece of %d bytes, want it whole", fr, size, starts[fr[0]])
		}
	}
}
