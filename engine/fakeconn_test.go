// fakeconn_test.go holds a fake gnet connection and loop, and a harness that runs an Engine's clients and servers on them without sockets.

package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/session"
)

// fakeLoop is a gnet.EventLoop whose tasks wait in a queue until the test runs them.
type fakeLoop struct {
	tasks chan func()
}

func (l *fakeLoop) Register(context.Context, net.Addr) (<-chan gnet.RegisteredResult, error) {
	panic("not used by the engine under test")
}

func (l *fakeLoop) Enroll(context.Context, net.Conn) (<-chan gnet.RegisteredResult, error) {
	return nil, errors.New("fake loop: no enrolment")
}

func (l *fakeLoop) Execute(ctx context.Context, r gnet.Runnable) error {
	l.tasks <- func() { _ = r.Run(ctx) }
	return nil
}

func (l *fakeLoop) Schedule(context.Context, gnet.Runnable, time.Duration) error {
	return errors.New("fake loop: no scheduling")
}

func (l *fakeLoop) Close(c gnet.Conn) error { return c.Close() }

// fakeConn is a gnet.Conn with an inbound buffer the test fills and a
// record of everything written. Peek, Discard and InboundBuffered behave as
// gnet's: Discard(n) with n <= 0 drops everything. Slices handed out by Peek
// are overwritten at Discard and at the end of each read, as gnet reuses
// its buffers, so a use after either shows up as garbage.
type fakeConn struct {
	loop     *fakeLoop
	fd       int
	ctx      any
	in       []byte
	peeked   [][]byte
	outbound int // what OutboundBuffered reports

	mu       sync.Mutex // AsyncWrite and Close may come from other goroutines
	out      []byte
	closed   bool
	onClosed bool // the harness ran OnClose for it
}

func (c *fakeConn) Peek(n int) ([]byte, error) {
	if n > len(c.in) {
		return nil, io.ErrShortBuffer
	}
	if n <= 0 {
		n = len(c.in)
	}
	b := bytes.Clone(c.in[:n])
	c.peeked = append(c.peeked, b)
	return b, nil
}

func (c *fakeConn) Discard(n int) (int, error) {
	c.poison()
	total := len(c.in)
	if n >= total || n <= 0 { // gnet's rule, trap included
		c.in = c.in[:0]
		return total, nil
	}
	c.in = c.in[n:]
	return n, nil
}

func (c *fakeConn) Next(n int) ([]byte, error) {
	b, err := c.Peek(n)
	if err == nil {
		c.in = c.in[len(b):]
	}
	return b, err
}

// poison overwrites the slices Peek handed out: they are no longer valid.
func (c *fakeConn) poison() {
	for _, b := range c.peeked {
		for i := range b {
			b[i] = 0xEE
		}
	}
	c.peeked = c.peeked[:0]
}

func (c *fakeConn) InboundBuffered() int { return len(c.in) }

func (c *fakeConn) Read(p []byte) (int, error) {
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *fakeConn) WriteTo(io.Writer) (int64, error)  { panic("not used by the engine") }
func (c *fakeConn) ReadFrom(io.Reader) (int64, error) { panic("not used by the engine") }

func (c *fakeConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = append(c.out, p...)
	return len(p), nil
}

func (c *fakeConn) Writev(bs [][]byte) (int, error) {
	n := 0
	for _, b := range bs {
		m, _ := c.Write(b)
		n += m
	}
	return n, nil
}

func (c *fakeConn) AsyncWrite(b []byte, cb gnet.AsyncCallback) error {
	_, _ = c.Write(b)
	if cb != nil {
		return cb(c, nil)
	}
	return nil
}

func (c *fakeConn) AsyncWritev(bs [][]byte, cb gnet.AsyncCallback) error {
	_, _ = c.Writev(bs)
	if cb != nil {
		return cb(c, nil)
	}
	return nil
}

func (c *fakeConn) SendTo([]byte, net.Addr) (int, error) { return 0, errors.New("fake conn: not UDP") }
func (c *fakeConn) Flush() error                         { return nil }
func (c *fakeConn) OutboundBuffered() int                { return c.outbound }
func (c *fakeConn) Fd() int                              { return c.fd }
func (c *fakeConn) Dup() (int, error)                    { return -1, errors.New("fake conn: no descriptor") }
func (c *fakeConn) SetReadBuffer(int) error              { return nil }
func (c *fakeConn) SetWriteBuffer(int) error             { return nil }
func (c *fakeConn) SetLinger(int) error                  { return nil }
func (c *fakeConn) SetKeepAlivePeriod(time.Duration) error {
	return nil
}
func (c *fakeConn) SetKeepAlive(bool, time.Duration, time.Duration, int) error { return nil }
func (c *fakeConn) SetNoDelay(bool) error                                      { return nil }
func (c *fakeConn) Context() any                                               { return c.ctx }
func (c *fakeConn) SetContext(ctx any)                                         { c.ctx = ctx }
func (c *fakeConn) EventLoop() gnet.EventLoop                                  { return c.loop }
func (c *fakeConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6432}
}
func (c *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000 + c.fd}
}
func (c *fakeConn) Wake(gnet.AsyncCallback) error              { panic("not used by the engine") }
func (c *fakeConn) CloseWithCallback(gnet.AsyncCallback) error { return c.Close() }
func (c *fakeConn) SetDeadline(time.Time) error                { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error            { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error           { return nil }

func (c *fakeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// isClosed reports whether the engine closed the connection.
func (c *fakeConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// take returns what was written to the connection since the last take.
func (c *fakeConn) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.out
	c.out = nil
	return b
}

// harness is an Engine with one loop and one pool (user "u", database "db").
type harness struct {
	t     testing.TB
	e     *Engine
	loop  *fakeLoop
	pool  *pool
	conns []*fakeConn
}

// opts are a harness's settings.
type opts struct {
	mode     config.Mode         // default transaction
	prepared config.PreparedMode // prepared_statements; default "extended"
	size     int                 // pool size; default 4
}

// md5Password is a password in PostgreSQL's md5 form: cheap to parse.
const md5Password = "md5" + "0123456789abcdef0123456789abcdef"

func newHarness(t testing.TB, o opts) *harness {
	if o.mode == "" {
		o.mode = config.ModeTransaction
	}
	if o.prepared == "" {
		o.prepared = "extended"
	}
	if o.size == 0 {
		o.size = 4
	}
	cfg := &config.Config{
		General: config.General{Workers: 1, DefaultPoolSize: o.size, PoolerMode: o.mode, AuthType: "trust",
			PreparedStatements: o.prepared, ConnectTimeout: time.Second, CheckoutTimeout: time.Second},
		Databases: []config.Database{{Name: "db", Host: "127.0.0.1", Port: 5432}},
		Users:     []config.User{{Name: "u", Database: "db", Password: md5Password}},
		Admin:     config.Admin{Name: "admin", User: "admin", Password: md5Password},
	}
	e, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{t: t, e: e, loop: &fakeLoop{tasks: make(chan func(), 64)}, pool: e.pools.Load().get("u", "db")}
	h.pool.defs = serverParams()
	return h
}

// serverParams are what a fresh fake server reports.
func serverParams() session.Params {
	var ps session.Params
	for _, kv := range [][2]string{{"server_version", "16.0"}, {"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"}} {
		p := session.NewParam(kv[0], kv[1])
		p.Display = kv[0]
		ps = append(ps, p)
	}
	return ps
}

func (h *harness) newConn() *fakeConn {
	c := &fakeConn{loop: h.loop, fd: 100 + len(h.conns)}
	h.conns = append(h.conns, c)
	return c
}

// addServer enrols a server that is already connected and authenticated,
// as dial does; it lands in the pool's idle stack (or goes to a waiter).
func (h *harness) addServer() (*server, *fakeConn) {
	p := h.pool
	s := &server{pool: p, state: svConnecting, pausedFd: -1, created: time.Now(),
		cancel: &cancelTarget{addr: "127.0.0.1:1", pid: 4242, key: []byte{1, 2, 3, 4}}}
	s.l.init(&s.stmts)
	s.params = serverParams()
	p.mu.Lock()
	p.total++
	p.mu.Unlock()
	c := h.newConn()
	c.ctx = s
	h.e.OnOpen(c)
	return s, c
}

// connect opens a client with startup parameters ps and logs it in; its greeting is taken.
func (h *harness) connect(ps ...codec.Param) (*client, *fakeConn) {
	c := h.newConn()
	h.e.OnOpen(c)
	cl := c.ctx.(*client)
	ps = append([]codec.Param{{Name: "user", Value: "u"}, {Name: "database", Value: "db"}}, ps...)
	h.send(c, codec.AppendStartupMessage(nil, 3, 0, ps...))
	if cl.state == clParams && cl.server != nil {
		// Startup settings go to a server first: it accepts them.
		sc := cl.server.conn.(*fakeConn)
		sc.take()
		h.send(sc, codec.AppendReadyForQuery(nil, 'I'))
	}
	greeting := c.take()
	if cl.state != clIdle || !bytes.HasSuffix(greeting, codec.AppendReadyForQuery(nil, 'I')) {
		h.t.Fatalf("client not logged in: state %s, greeting %q", cl.state, greeting)
	}
	return cl, c
}

// send delivers b to c as one read and runs what gnet would after it.
func (h *harness) send(c *fakeConn, b []byte) {
	c.in = append(c.in, b...)
	if h.e.OnTraffic(c) == gnet.Close {
		_ = c.Close()
	}
	c.poison()
	h.settle()
}

// hangUp is the peer closing c.
func (h *harness) hangUp(c *fakeConn) {
	_ = c.Close()
	h.settle()
}

// settle runs OnClose for every connection closed since, as gnet does after a callback.
func (h *harness) settle() {
	for again := true; again; {
		again = false
		for _, c := range h.conns {
			if c.isClosed() && !c.onClosed {
				c.onClosed = true
				h.e.OnClose(c, nil)
				again = true
			}
		}
	}
}

// runTasks runs the loop tasks queued so far.
func (h *harness) runTasks() {
	for {
		select {
		case f := <-h.loop.tasks:
			f()
			h.settle()
		default:
			return
		}
	}
}

// idle returns the pool's idle stack of the loop.
func (h *harness) idle() []*server {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	if len(h.pool.idle) == 0 {
		return nil
	}
	return append([]*server(nil), h.pool.idle[0]...)
}

// isIdle reports whether s is in the idle stack.
func (h *harness) isIdle(s *server) bool {
	for _, x := range h.idle() {
		if x == s {
			return true
		}
	}
	return false
}

// frame builds a typed frame from its body parts.
func frame(typ byte, parts ...[]byte) []byte {
	n := 4
	for _, p := range parts {
		n += len(p)
	}
	b := []byte{typ, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// cs is a NUL-terminated string.
func cs(s string) []byte { return append([]byte(s), 0) }

func parseMsg(name, sql string) []byte {
	return codec.AppendParse(nil, name, []byte(sql), []byte{0, 0})
}
func bindMsg(stmt string) []byte   { return frame('B', cs(""), cs(stmt), []byte{0, 0, 0, 0, 0, 0}) }
func describeS(name string) []byte { return frame('D', []byte{'S'}, cs(name)) }
func closeS(name string) []byte    { return codec.AppendClose(nil, 'S', name) }
func executeMsg() []byte           { return frame('E', cs(""), []byte{0, 0, 0, 0}) }
func syncMsg() []byte              { return codec.AppendSync(nil) }
func queryMsg(sql string) []byte   { return codec.AppendQuery(nil, sql) }
func rfq(status byte) []byte       { return codec.AppendReadyForQuery(nil, status) }
func complete(tag string) []byte   { return frame('C', cs(tag)) }
func errorMsg() []byte             { return codec.AppendErrorResponse(nil, "ERROR", "XX000", "failed") }

// Replies without a body.
var (
	parseOK = frame(codec.MsgParseComplete)
	bindOK  = frame(codec.MsgBindComplete)
	closeOK = frame(codec.MsgCloseComplete)
)

// cat joins frames.
func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// splitFrames cuts a stream into its frames; it fails on a malformed or cut one.
func splitFrames(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		_, size, complete, err := codec.NextFrame(b, 0)
		if err != nil || !complete {
			t.Fatalf("malformed stream at %q: complete %v, err %v", b, complete, err)
		}
		out = append(out, b[:size])
		b = b[size:]
	}
	return out
}
