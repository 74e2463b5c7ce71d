// forward_timing_test.go benchmarks one request's round trip through the engine's forwarding path.

package perf

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/config"
)

// proxyFixture is an in-process engine in front of a fake backend.
type proxyFixture struct {
	addr string
}

func startProxy(tb testing.TB, backendPort int) *proxyFixture {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	dir := tb.TempDir()
	cfgPath, usersPath := filepath.Join(dir, "pgdog.toml"), filepath.Join(dir, "users.toml")
	writeFile(tb, cfgPath, fmt.Sprintf(`[general]
host = "127.0.0.1"
port = %d
workers = 1
default_pool_size = 1
min_pool_size = 0
auth_type = "trust"
[[databases]]
name = "bench"
host = "127.0.0.1"
port = %d
[admin]
password = "admin"
`, port, backendPort))
	writeFile(tb, usersPath, "[[users]]\nname = \"bench\"\ndatabase = \"bench\"\npassword = \"bench\"\n")
	cfg, err := config.Load(cfgPath, usersPath)
	if err != nil {
		tb.Fatalf("config: %v", err)
	}
	e, err := engine.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = e.Run() }()
	select {
	case <-e.Booted():
	case <-time.After(30 * time.Second): // generous: booting takes milliseconds
		tb.Fatal("engine did not boot within 30 s")
	}
	tb.Cleanup(func() {
		_ = e.Shutdown(tb.Context())
	})
	return &proxyFixture{addr: fmt.Sprintf("127.0.0.1:%d", port)}
}

func writeFile(tb testing.TB, path, body string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// rawClient speaks just enough protocol to log in with trust and run queries.
type rawClient struct {
	c     net.Conn
	buf   []byte
	query []byte
}

func dialRaw(tb testing.TB, addr string) *rawClient {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	rc := &rawClient{c: c, buf: make([]byte, 64<<10)}
	start := codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: "bench"}, codec.Param{Name: "database", Value: "bench"})
	if _, err := c.Write(start); err != nil {
		tb.Fatal(err)
	}
	if err := rc.untilReady(); err != nil {
		tb.Fatalf("login: %v", err)
	}
	rc.query = codec.AppendQuery(nil, "select 1")
	return rc
}

// untilReady reads frames until ReadyForQuery; an ErrorResponse is an error.
func (rc *rawClient) untilReady() error {
	have := 0
	for {
		n, err := rc.c.Read(rc.buf[have:])
		if err != nil {
			return err
		}
		have += n
		off := 0
		for {
			typ, size, complete, err := codec.NextFrame(rc.buf[off:have], len(rc.buf))
			if err != nil {
				return err
			}
			if !complete {
				break
			}
			switch typ {
			case 'E':
				_, _, msg := codec.ErrorFields(rc.buf[off+5 : off+size])
				return fmt.Errorf("server error: %s", msg)
			case 'Z':
				return nil
			}
			off += size
		}
		copy(rc.buf, rc.buf[off:have])
		have -= off
	}
}

// roundTrip sends one Query and waits for its ReadyForQuery.
func (rc *rawClient) roundTrip() error {
	return rc.send(rc.query)
}

// send writes a request and waits for its ReadyForQuery.
func (rc *rawClient) send(req []byte) error {
	if _, err := rc.c.Write(req); err != nil {
		return err
	}
	return rc.untilReady()
}

// extendedRequest builds Parse (when parse), Bind, Execute and Sync for
// statement name ("" for the unnamed statement).
func extendedRequest(name string, parse bool) []byte {
	var b []byte
	frame := func(typ byte, body []byte) {
		b = append(b, typ)
		b = binary.BigEndian.AppendUint32(b, uint32(len(body)+4))
		b = append(b, body...)
	}
	if parse {
		frame('P', append(append([]byte(name), 0), "select 1\x00\x00\x00"...))
	}
	frame('B', append(append([]byte{0}, name...), 0, 0, 0, 0, 0, 0, 0))
	frame('E', []byte{0, 0, 0, 0, 0})
	frame('S', nil)
	return b
}

func setupRoundTrip(tb testing.TB) *rawClient {
	be := startFakeBackend(tb)
	px := startProxy(tb, be.port())
	rc := dialRaw(tb, px.addr)
	for i := 0; i < 100; i++ { // warm up: the server is dialed and pooled
		if err := rc.roundTrip(); err != nil {
			tb.Fatal(err)
		}
	}
	binary.BigEndian.PutUint32(rc.buf[:4], 0)
	return rc
}

// BenchmarkForwardRoundTrip measures one Query and its reply through the
// proxy, including the checkout and release of a transaction-mode server.
// Its allocations count every goroutine in the process: client, proxy loops
// and the fake backend.
func BenchmarkForwardRoundTrip(b *testing.B) {
	rc := setupRoundTrip(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := rc.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardExtended measures Bind/Execute/Sync of a named statement
// (prepared once) through the proxy: statement cache, rename and forward.
func BenchmarkForwardExtended(b *testing.B) {
	rc := setupRoundTrip(b)
	if err := rc.send(extendedRequest("s1", true)); err != nil {
		b.Fatal(err)
	}
	req := extendedRequest("s1", false)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := rc.send(req); err != nil {
			b.Fatal(err)
		}
	}
}
