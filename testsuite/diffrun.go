// Differential protocol test: the runner that plays scripts concurrently against an address and records what each client receives.

package testsuite

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// diffSplitPause is the pause between the writes of a split batch. It only makes it likely
// that the reader sees the pieces apart; no outcome may depend on it.
const diffSplitPause = 2 * time.Millisecond

// diffLeavePause is how long a leaving client waits between its last write and closing, so
// that a proxy has likely forwarded what it wrote before it sees the close. The transcripts
// never depend on it.
const diffLeavePause = 20 * time.Millisecond

// DiffEntry is one backend message a client received, whole, and the step it answered.
type DiffEntry struct {
	Step  int
	Frame []byte
}

// DiffTranscript is what one client received after startup, normalised: BackendKeyData is
// dropped and process ids are zeroed.
type DiffTranscript struct {
	Client  int
	Msgs    []DiffEntry
	End     string // "done", "left at step N", or what went wrong and where
	Failed  bool   // End is a failure (closed by the peer, a timeout, a write error)
	Startup []byte // the raw bytes of the startup exchange, for the leak check
}

func (tr *DiffTranscript) fail(step int, format string, args ...any) {
	tr.End = fmt.Sprintf("step %d: ", step) + fmt.Sprintf(format, args...)
	tr.Failed = true
}

// RunDiffScripts plays every script on its own connection to addr, all at once, and returns
// the transcripts in script order. limit bounds every read and write.
func RunDiffScripts(addr string, l Login, scripts []DiffScript, limit time.Duration) []DiffTranscript {
	out := make([]DiffTranscript, len(scripts))
	var wg sync.WaitGroup
	for i := range scripts {
		wg.Go(func() { out[i] = runDiffClient(addr, l, scripts[i], limit) })
	}
	wg.Wait()
	return out
}

// teeConn keeps a copy of what is read while on is set.
type teeConn struct {
	net.Conn
	on  bool
	buf []byte
}

func (c *teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.on {
		c.buf = append(c.buf, p[:n]...)
	}
	return n, err
}

// diffPlayer plays one script on one connection.
type diffPlayer struct {
	conn  net.Conn
	rd    *bufio.Reader
	limit time.Duration
	tr    *DiffTranscript
}

func runDiffClient(addr string, l Login, sc DiffScript, limit time.Duration) DiffTranscript {
	tr := DiffTranscript{Client: sc.Client}
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		tr.fail(-1, "cannot dial: %v", err)
		return tr
	}
	defer c.Close()
	tee := &teeConn{Conn: c, on: true}
	rc := &RawConn{Conn: tee, FE: pgproto3.NewFrontend(tee, c)}
	if err := rc.Startup(l, nil); err != nil {
		tr.fail(-1, "startup failed: %v", err)
		return tr
	}
	tee.on, tr.Startup = false, tee.buf
	if n := len(tee.buf); n < 6 || !bytes.Equal(tee.buf[n-6:n-1], []byte{'Z', 0, 0, 0, 5}) {
		tr.fail(-1, "startup read past its ReadyForQuery")
		return tr
	}
	p := &diffPlayer{conn: c, rd: bufio.NewReaderSize(c, 64<<10), limit: limit, tr: &tr}
	for i, st := range sc.Steps {
		if !p.play(i, st) {
			return tr
		}
		if st.Leave != LeaveNone {
			tr.End = fmt.Sprintf("left at step %d (%s)", i, st.Leave)
			return tr
		}
	}
	tr.End = "done"
	return tr
}

// diffWriter writes one step's bytes on its own goroutine, so that a large batch never
// deadlocks against large answers.
type diffWriter struct {
	copyGo chan struct{} // closed by the reader at CopyInResponse
	done   chan struct{} // closed by the reader when the step's reading is over
	result chan error
}

func (p *diffPlayer) startWriter(st DiffStep) *diffWriter {
	w := &diffWriter{copyGo: make(chan struct{}), done: make(chan struct{}), result: make(chan error, 1)}
	go func() {
		b := st.Batch
		if st.Leave == LeaveInBatch {
			b = b[:st.Cut]
		}
		err := p.write(b, st.Splits)
		if err == nil && len(st.Copy) > 0 && st.Leave != LeaveInBatch {
			select {
			case <-w.copyGo:
			case <-w.done:
			}
			select { // CopyInResponse wins when both happened: the data is then always sent
			case <-w.copyGo:
				cp := st.Copy
				if st.Leave == LeaveInCopy {
					cp = cp[:st.Cut]
				}
				err = p.write(cp, st.CopySplits)
			default:
			}
		}
		w.result <- err
	}()
	return w
}

// write sends buf in one Write per piece between the splits, pausing between pieces.
func (p *diffPlayer) write(buf []byte, splits []DiffSplit) error {
	prev := 0
	for _, s := range append(splits, DiffSplit{At: len(buf)}) {
		if s.At <= prev || s.At > len(buf) {
			continue
		}
		if prev > 0 {
			time.Sleep(diffSplitPause)
		}
		_ = p.conn.SetWriteDeadline(time.Now().Add(p.limit))
		if _, err := p.conn.Write(buf[prev:s.At]); err != nil {
			return err
		}
		prev = s.At
	}
	return nil
}

// play runs step i: writes it, reads its answers, waits for the writer. It returns false
// when the session cannot go on.
func (p *diffPlayer) play(i int, st DiffStep) bool {
	w := p.startWriter(st)
	ok := true
	if st.Leave != LeaveInBatch && st.Leave != LeaveTerminate {
		ok = p.read(i, st, w)
	}
	close(w.done)
	select {
	case err := <-w.result:
		if err != nil && ok {
			p.tr.fail(i, "cannot write: %v", err)
			return false
		}
		if st.Leave != LeaveNone && st.Leave != LeaveAfter {
			time.Sleep(diffLeavePause)
		}
	case <-time.After(p.limit):
		if ok {
			p.tr.fail(i, "writer stuck for %v", p.limit)
		}
		return false
	}
	return ok
}

// read records the step's answers until its end condition.
func (p *diffPlayer) read(i int, st DiffStep, w *diffWriter) bool {
	ready, until, copying := 0, 0, false
	for {
		_ = p.conn.SetReadDeadline(time.Now().Add(p.limit))
		frame, err := readDiffFrame(p.rd)
		if err != nil {
			what := "read failed"
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				what = "connection closed by the server"
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				what = fmt.Sprintf("no answer within %v (hang)", p.limit)
			}
			p.tr.fail(i, "%s: %v", what, err)
			return false
		}
		switch frame[0] {
		case 'K':
			continue // BackendKeyData: a process id and key, different by nature
		case 'A':
			clear(frame[5:9]) // NotificationResponse: the sender's process id
		}
		p.tr.Msgs = append(p.tr.Msgs, DiffEntry{Step: i, Frame: frame})
		switch {
		case frame[0] == 'G' && !copying:
			copying = true
			close(w.copyGo)
			if st.Leave == LeaveInCopy {
				return true
			}
		case frame[0] == 'Z':
			ready++
		case frame[0] == 'E' && st.Ready == 0:
			return true // after Flush: the server skips the rest until a Sync
		}
		if st.Ready > 0 && ready >= st.Ready {
			return true
		}
		if st.Ready == 0 && strings.IndexByte(st.Until, frame[0]) >= 0 {
			if until++; until >= st.UntilN {
				return true
			}
		}
	}
}

// readDiffFrame reads one whole backend message.
func readDiffFrame(rd *bufio.Reader) ([]byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(rd, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > 1<<30 {
		return nil, fmt.Errorf("backend message %q with length %d", hdr[0], n)
	}
	frame := make([]byte, 1+n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(rd, frame[5:]); err != nil {
		return nil, err
	}
	return frame, nil
}
