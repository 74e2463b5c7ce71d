// fakepg_test.go holds a minimal in-process PostgreSQL backend that answers every Query with one canned reply.

package perf

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// fakeBackend accepts trust logins and answers each Query with
// CommandComplete and ReadyForQuery, and the extended protocol's Parse,
// Bind, Execute and Sync with their completions, without allocating per
// message.
type fakeBackend struct {
	ln    net.Listener
	wg    sync.WaitGroup
	reply []byte
}

var (
	parseComplete = []byte{'1', 0, 0, 0, 4}
	bindComplete  = []byte{'2', 0, 0, 0, 4}
	selectDone    = append([]byte{'C', 0, 0, 0, 13}, "SELECT 1\x00"...)
	readyIdle     = []byte{'Z', 0, 0, 0, 5, 'I'}
)

func startFakeBackend(tb testing.TB) *fakeBackend {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("cannot listen: %v", err)
	}
	f := &fakeBackend{ln: ln}
	f.reply = append(f.reply, 'C', 0, 0, 0, 13)
	f.reply = append(f.reply, "SELECT 1\x00"...)
	f.reply = codec.AppendReadyForQuery(f.reply, 'I')
	f.wg.Add(1)
	go f.accept()
	tb.Cleanup(func() { _ = ln.Close(); f.wg.Wait() })
	return f
}

func (f *fakeBackend) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeBackend) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer func() { _ = c.Close() }()
			f.serve(c)
		}()
	}
}

func (f *fakeBackend) serve(c net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if _, err := r.Discard(n - 4); err != nil {
		return
	}
	greet := codec.AppendAuthOK(nil)
	greet = codec.AppendParameterStatus(greet, "server_version", "15.0")
	greet = codec.AppendParameterStatus(greet, "client_encoding", "UTF8")
	greet = codec.AppendBackendKeyData(greet, 1, []byte{1, 2, 3, 4})
	greet = codec.AppendReadyForQuery(greet, 'I')
	if _, err := c.Write(greet); err != nil {
		return
	}
	for {
		if _, err := io.ReadFull(r, hdr[:5]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[1:5]))
		if _, err := r.Discard(n - 4); err != nil {
			return
		}
		var out []byte
		switch hdr[0] {
		case 'X':
			return
		case 'Q':
			out = f.reply
		case 'P':
			out = parseComplete
		case 'B':
			out = bindComplete
		case 'E':
			out = selectDone
		case 'S':
			out = readyIdle
		}
		if out != nil {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}
