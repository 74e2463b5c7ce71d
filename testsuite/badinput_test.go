// Malformed client input: bad frame lengths and garbage get 08P01 and a close; SSLRequest gets 'N'.

package testsuite

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// be32 encodes v big-endian.
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestBadInput(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Plain = true // an SSLRequest is refused: no TLS, whatever the suite's mode
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	innocent := innocentClient(t, p)

	const v3 = 196608
	preAuth := map[string][]byte{
		"startup length 2":          be32(2),
		"startup length 0x7fffffff": cat(be32(0x7fffffff), be32(v3)),
		"http request":              []byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
		"unterminated parameters":   cat(be32(12), be32(v3), []byte("abcd")),
	}
	for name, payload := range preAuth {
		t.Run(name, func(t *testing.T) {
			r, err := RawDial(p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			expectProtocolViolation(t, r, payload)
		})
	}
	postAuth := map[string][]byte{
		"query length 2":          cat([]byte{'Q'}, be32(2)),
		"query length 0x7fffffff": cat([]byte{'Q'}, be32(0x7fffffff), []byte("select 1")),
	}
	for name, payload := range postAuth {
		t.Run(name, func(t *testing.T) {
			r, err := rawStartup(t, p.Addr(), Alice)
			if err != nil {
				t.Fatalf("startup: %v", err)
			}
			expectProtocolViolation(t, r, payload)
		})
	}
	t.Run("ssl request", func(t *testing.T) { expectSSLRefused(t, p) })

	// The innocent client is still served after all the bad input: a few more of its
	// queries succeed (each failure is reported as it happens).
	after := innocent.ok.Load()
	if !waitFor(waitLimit, func() bool { return innocent.ok.Load() >= after+3 || innocent.failed.Load() > 0 }) {
		t.Errorf("innocent client: no query answered within %v after the bad input", waitLimit)
	}
	if ok, failed := innocent.stop(); ok == 0 || failed != 0 {
		t.Errorf("innocent client: %d queries ok, %d failed", ok, failed)
	}
	if !p.Alive() {
		t.Fatal("pgdogd died on bad input")
	}
	conn := p.MustConnect(t, Alice)
	if n, err := queryInt(ctx, conn, "select 5"); err != nil || n != 5 {
		t.Fatalf("new client after bad input: %d, %v", n, err)
	}
}

// innocent is a client running checkable queries in the background: ok and failed count
// them; stop ends it and returns both counts.
type innocent struct {
	ok, failed atomic.Int64
	stop       func() (ok, failed int64)
}

// innocentClient runs checkable queries through p until stop is called.
func innocentClient(t *testing.T, p *Proxy) *innocent {
	conn := p.MustConnect(t, Alice)
	ctx := testCtx(t, 60*time.Second)
	quit := make(chan struct{})
	in := &innocent{}
	okCount, errCount := &in.ok, &in.failed
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			if n, err := queryInt(ctx, conn, "select $1::int * 2", i); err != nil || n != int64(2*i) {
				errCount.Add(1)
				t.Errorf("innocent client query %d: %d, %v", i, n, err)
				return
			}
			okCount.Add(1)
		}
	}()
	in.stop = func() (int64, int64) {
		close(quit)
		wg.Wait()
		return okCount.Load(), errCount.Load()
	}
	return in
}

// expectProtocolViolation writes payload and wants ErrorResponse 08P01 followed by a close.
func expectProtocolViolation(t *testing.T, r *RawConn, payload []byte) {
	t.Helper()
	if _, err := r.Write(payload); err != nil {
		t.Fatalf("cannot write: %v", err)
	}
	pgErr, err := r.ReadError(3 * time.Second)
	if err != nil {
		t.Fatalf("no ErrorResponse: %v", err)
	}
	if pgErr.Code != "08P01" {
		t.Errorf("SQLSTATE %s (%s), want 08P01", pgErr.Code, pgErr.Message)
	}
	if err := r.ExpectClosed(3 * time.Second); err != nil {
		t.Error(err)
	}
}

// expectSSLRefused sends SSLRequest, wants exactly 'N', then a normal startup on the same socket.
func expectSSLRefused(t *testing.T, p *Proxy) {
	r, err := RawDial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Write(cat(be32(8), be32(80877103))); err != nil {
		t.Fatal(err)
	}
	_ = r.SetReadDeadline(time.Now().Add(3 * time.Second))
	var b [1]byte
	if _, err := io.ReadFull(r.Conn, b[:]); err != nil || b[0] != 'N' {
		t.Fatalf("SSLRequest answer %q, %v; want 'N'", b[:], err)
	}
	if err := r.Startup(Alice, nil); err != nil {
		t.Fatalf("startup after SSL refusal: %v", err)
	}
	rows, err := r.SimpleQuery("select 'plain'", 5*time.Second)
	if err != nil || fmt.Sprint(rows) != "[[plain]]" {
		t.Fatalf("query after SSL refusal: %v, %v", rows, err)
	}
}
