// bridge.go holds the relay between a TLS connection and a socketpair, whose
// other end an event loop reads as plaintext.

package tlsedge

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// relayBuffer is each direction's copy buffer: one TLS record's plaintext.
const relayBuffer = 16 << 10

var buffers = sync.Pool{New: func() any { b := make([]byte, relayBuffer); return &b }}

// Bridge relays the plaintext of secure to a new socketpair and returns the
// pair's other end, for the caller to enroll on an event loop. Two
// goroutines copy, one per direction; when either side ends, both
// connections are closed (closing the returned end ends the relay). done,
// when not nil, runs once the relay is over.
func Bridge(secure net.Conn, done func()) (*net.UnixConn, error) {
	near, far, err := socketpair()
	if err != nil {
		return nil, err
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = secure.Close()
			_ = near.Close()
		})
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); relay(near, secure); stop() }()
	go func() { defer wg.Done(); relay(secure, near); stop() }()
	go func() {
		wg.Wait()
		if done != nil {
			done()
		}
	}()
	return far, nil
}

// relay copies src to dst until either fails or src ends.
func relay(dst io.Writer, src io.Reader) {
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	buf := *bp
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// socketpair makes a connected pair of Unix stream sockets.
func socketpair() (a, b *net.UnixConn, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot make a socketpair: %w", err)
	}
	if a, err = fileConn(fds[0]); err != nil {
		_ = syscall.Close(fds[1])
		return nil, nil, err
	}
	if b, err = fileConn(fds[1]); err != nil {
		_ = a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

// fileConn wraps a socket descriptor; the descriptor itself is closed.
func fileConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), "socketpair")
	c, err := net.FileConn(f)
	_ = f.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot use a socketpair: %w", err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("cannot use a socketpair: not a Unix socket")
	}
	return uc, nil
}
