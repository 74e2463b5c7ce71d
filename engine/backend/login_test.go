// login_test.go tests that a server socket from Login is wholly the caller's: no reader of pgconn's is left on it.

package backend

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// hugeStartup is the size of the database name that makes the login's write
// block: far beyond what the sockets of both ends can buffer.
const hugeStartup = 16 << 20

// TestConnectLeavesNoReader reproduces what stalled mirror queues under load.
// pgconn starts a background reader when a write takes over 15 ms; when that
// reader has already buffered the rest of the login, pgconn finishes the
// login from its buffer while the reader sits in a second Read of the socket.
// Login must stop it before handing the socket over: otherwise it takes the
// reply to the first query (for a mirror, the parameter sync), and the
// replay waits for a ReadyForQuery that has already come.
//
// A fake server sends the whole login answer at once, then reads nothing
// until pgconn's reader is parked in its second Read, so the startup
// message (made huge) blocks its write long enough to start the reader.
func TestConnectLeavesNoReader(t *testing.T) {
	ln := smallBufferListener(t)
	srv := make(chan error, 1)
	reading := make(chan struct{})
	go func() { srv <- fakeServer(ln, reading) }()

	addr := ln.Addr().(*net.TCPAddr)
	target := Target{Host: addr.IP.String(), Port: addr.Port, User: "alice", Password: "pw", Database: strings.Repeat("d", hugeStartup), Timeout: 20 * time.Second}
	done := make(chan struct{})
	var (
		nc  net.Conn
		err error
	)
	go func() {
		defer close(done)
		var lr *Conn
		if lr, err = Login(t.Context(), target, NoTLS); err == nil {
			nc = lr.Conn
		}
	}()
	select {
	case <-done:
	case err := <-srv:
		t.Fatalf("fake server ended during login: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("Login did not return")
	}
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	defer nc.Close()
	select {
	case <-reading:
	default:
		t.Fatal("the login's write did not block, so pgconn's background reader never started: nothing was tested")
	}

	if _, err := nc.Write(codec.AppendQuery(nil, "select 1")); err != nil {
		t.Fatalf("cannot send a query: %v", err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := readUntilReady(nc); err != nil {
		t.Fatalf("no reply to the first query on the connection (taken by a reader left behind by the login?): %v", err)
	}
}

// smallBufferListener listens on loopback with a tiny receive buffer, which
// accepted sockets inherit.
func smallBufferListener(t *testing.T) net.Listener {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// fakeServer accepts one connection and answers the login before reading
// it; once pgconn's background reader waits in a Read, it closes reading,
// reads the startup message and answers every Query with
// EmptyQueryResponse and ReadyForQuery.
func fakeServer(ln net.Listener, reading chan<- struct{}) error {
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	login := []byte{'R', 0, 0, 0, 8, 0, 0, 0, 0} // AuthenticationOk
	login = append(login, 'K', 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2)
	login = append(login, 'Z', 0, 0, 0, 5, 'I')
	if _, err := c.Write(login); err != nil {
		return err
	}
	if !waitBackgroundRead(20 * time.Second) {
		return io.ErrNoProgress
	}
	close(reading)
	r := bufio.NewReaderSize(c, 64<<10)
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return err
	}
	if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[:4]))-4); err != nil {
		return err
	}
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil // the client closed
		}
		if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[1:]))-4); err != nil {
			return err
		}
		if hdr[0] == codec.MsgQuery {
			if _, err := c.Write([]byte{'I', 0, 0, 0, 4, 'Z', 0, 0, 0, 5, 'I'}); err != nil {
				return err
			}
		}
	}
}

// waitBackgroundRead waits until a goroutine of pgconn's background reader
// is blocked reading a socket, or the bound passes.
func waitBackgroundRead(bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	buf := make([]byte, 1<<20)
	for time.Now().Before(deadline) {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "[IO wait") && strings.Contains(g, "bgreader.(*BGReader).bgRead") {
				return true
			}
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// readUntilReady reads frames from c until a ReadyForQuery.
func readUntilReady(c net.Conn) error {
	r := bufio.NewReader(c)
	var hdr [5]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[1:]))-4); err != nil {
			return err
		}
		if hdr[0] == codec.MsgReadyForQuery {
			return nil
		}
	}
}
