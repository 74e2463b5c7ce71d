// console_test.go drives the admin console's connection side: the login, queries answered off the loop one at a time, and what the console refuses.

package engine

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// startupOf is a StartupMessage for user and database.
func startupOf(user, db string) []byte {
	return codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: user}, codec.Param{Name: "database", Value: db})
}

// md5Reply is the PasswordMessage of a client that knows md5Password, for
// the AuthenticationMD5Password request ask.
func md5Reply(t testing.TB, ask []byte) []byte {
	t.Helper()
	if len(ask) != 13 || ask[0] != 'R' || ask[8] != 5 {
		t.Fatalf("not an AuthenticationMD5Password request: %q", ask)
	}
	sum := md5.Sum(append([]byte(md5Password[3:]), ask[9:13]...))
	return frame('p', cs("md5"+hex.EncodeToString(sum[:])))
}

// loginAdmin opens a console session as user with the right password (or a
// wrong one) and returns its client and connection, the greeting not taken.
// The admin console always asks for a password: under md5 here.
func (h *harness) loginAdmin(user string, right bool) (*client, *fakeConn) {
	h.t.Helper()
	old := h.e.cfg.Load()
	cfg := *old
	cfg.General.AuthType = "md5"
	h.e.cfg.Store(&cfg)
	defer h.e.cfg.Store(old)
	c := h.newConn()
	h.e.OnOpen(c)
	h.send(c, startupOf(user, "admin"))
	reply := md5Reply(h.t, c.take())
	if !right {
		reply[len(reply)-2] ^= 1
	}
	h.send(c, reply)
	return c.ctx.(*client), c
}

// connectAdmin opens a console session and takes its greeting.
func (h *harness) connectAdmin() (*client, *fakeConn) {
	h.t.Helper()
	cl, c := h.loginAdmin("admin", true)
	if greeting := c.take(); cl.state != clAdmin || !bytes.HasSuffix(greeting, rfq('I')) {
		h.t.Fatalf("console not logged in: state %s, greeting %q", cl.state, greeting)
	}
	return cl, c
}

// fakeConsole answers each query with a CommandComplete naming it. With a
// gate, each answer waits for a value on it.
type fakeConsole struct {
	gate chan struct{}

	mu      sync.Mutex
	queries []string
}

func (f *fakeConsole) Answer(out []byte, query string) []byte {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	f.queries = append(f.queries, query)
	f.mu.Unlock()
	return append(out, complete("ANSWER "+query)...)
}

func (f *fakeConsole) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...)
}

// answer is what a console client receives for query from fakeConsole.
func answer(query string) []byte { return cat(complete("ANSWER "+query), rfq('I')) }

func TestConsoleLogin(t *testing.T) {
	cases := []struct {
		name  string
		user  string
		right bool
		code  string // the FATAL; "" for a session
	}{
		{"admin with its password", "admin", true, ""},
		{"wrong password", "admin", false, codec.CodeInvalidPassword},
		{"a pool user", "u", true, codec.CodeInvalidPassword},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			cl, cc := h.loginAdmin(c.user, c.right)
			got := cc.take()
			if c.code != "" {
				if code := fatalCode(t, got); code != c.code || !cc.isClosed() || h.e.clients.count() != 0 {
					t.Fatalf("got FATAL %q, closed %v, registered %d; want %s and a close", code, cc.isClosed(), h.e.clients.count(), c.code)
				}
				return
			}
			greeting := cat(codec.AppendAuthOK(nil),
				codec.AppendParameterStatus(nil, "server_version", "15.0 (pgdogd "+Version+")"),
				codec.AppendParameterStatus(nil, "server_encoding", "UTF8"),
				codec.AppendParameterStatus(nil, "client_encoding", "UTF8"),
				codec.AppendParameterStatus(nil, "DateStyle", "ISO, MDY"),
				codec.AppendParameterStatus(nil, "integer_datetimes", "on"),
				codec.AppendParameterStatus(nil, "standard_conforming_strings", "on"),
				codec.AppendBackendKeyData(nil, cl.key.pid, cl.key.secret[:]),
				rfq('I'))
			want(t, "greeting", got, greeting)
			if cl.state != clAdmin || cl.pool != nil || h.e.clients.lookup(cl.key) != cl {
				t.Fatalf("state %s, pool %v, registered %v", cl.state, cl.pool, h.e.clients.lookup(cl.key) == cl)
			}
		})
	}
}

func TestConsoleWithoutConsole(t *testing.T) {
	h := newHarness(t, opts{})
	_, cc := h.connectAdmin()
	h.send(cc, queryMsg("show pools"))
	h.awaitTask()
	got := splitFrames(t, cc.take())
	if len(got) != 2 || errorCode(got[0]) != codec.CodeFeatureNotSupported || !bytes.Equal(got[1], rfq('I')) {
		t.Fatalf("without a console: %q; want ERROR 0A000 and ReadyForQuery", got)
	}
	if !bytes.Contains(got[0], []byte("the admin console is not available")) {
		t.Fatalf("error %q does not say why", got[0])
	}
}

func TestConsoleAnswersOneQueryAtATime(t *testing.T) {
	h := newHarness(t, opts{})
	con := &fakeConsole{gate: make(chan struct{})}
	h.e.SetConsole(con)
	cl, cc := h.connectAdmin()
	// Two queries in one read, a third in another while the first runs.
	h.send(cc, cat(queryMsg("show pools"), queryMsg("show clients;")))
	h.send(cc, queryMsg("show version"))
	if !h.e.sessions.isBusy(cl) || len(cc.take()) != 0 {
		t.Fatal("the console session must be busy and silent while its first query runs")
	}
	if n := cc.InboundBuffered(); n != len(queryMsg("show clients;"))+len(queryMsg("show version")) {
		t.Fatalf("%d bytes left in the buffer, want the two queries after the first", n)
	}
	for i, q := range []string{"show pools", "show clients;", "show version"} {
		con.gate <- struct{}{}
		h.awaitTask()
		want(t, "answer "+q, cc.take(), answer(q))
		if busy := h.e.sessions.isBusy(cl); busy != (i < 2) {
			t.Fatalf("after answer %d: busy %v", i+1, busy)
		}
	}
	if got := con.asked(); strings.Join(got, "|") != "show pools|show clients;|show version" {
		t.Fatalf("console asked %q", got)
	}
	if cc.InboundBuffered() != 0 || cc.isClosed() {
		t.Fatalf("%d bytes left, closed %v", cc.InboundBuffered(), cc.isClosed())
	}
}

func TestConsoleRefusals(t *testing.T) {
	notSupported := codec.AppendErrorResponse(nil, "ERROR", codec.CodeFeatureNotSupported, "the admin console supports the simple query protocol only")
	cases := []struct {
		name   string
		in     []byte
		out    []byte // exactly; nil when only a FATAL is checked
		fatal  string
		closed bool
	}{
		{name: "extended protocol, one error per message, then Sync",
			in:  cat(parseMsg("", "show pools"), bindMsg(""), executeMsg(), syncMsg()),
			out: cat(notSupported, notSupported, notSupported, rfq('I'))},
		{name: "terminate after a refused message",
			in: cat(frame('H'), frame('X')), out: notSupported, closed: true},
		{name: "length shorter than its own field",
			in: []byte{'Q', 0, 0, 0, 3}, fatal: codec.CodeProtocolViolation, closed: true},
		{name: "longer than the console reads",
			in: []byte{'Q', 0, 1, 0, 1}, fatal: codec.CodeProtocolViolation, closed: true},
		{name: "an incomplete query waits",
			in: queryMsg("show pools")[:8]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			con := &fakeConsole{}
			h.e.SetConsole(con)
			cl, cc := h.connectAdmin()
			h.send(cc, c.in)
			got := cc.take()
			if c.fatal != "" {
				if code := fatalCode(t, got); code != c.fatal {
					t.Fatalf("got %q, want FATAL %s", got, c.fatal)
				}
			} else {
				want(t, "answer", got, c.out)
			}
			if cc.isClosed() != c.closed || (cl.state == clClosed) != c.closed {
				t.Fatalf("closed %v (state %s), want %v", cc.isClosed(), cl.state, c.closed)
			}
			if len(con.asked()) != 0 || h.e.sessions.isBusy(cl) {
				t.Fatalf("the console was asked %q", con.asked())
			}
		})
	}
}

func TestConsoleQuerySplitAcrossReads(t *testing.T) {
	h := newHarness(t, opts{})
	con := &fakeConsole{}
	h.e.SetConsole(con)
	_, cc := h.connectAdmin()
	q := queryMsg("show stats")
	h.sendCut(cc, q, 3)
	h.awaitTask()
	want(t, "answer", cc.take(), answer("show stats"))
}

func TestConsoleFloodWhileBusy(t *testing.T) {
	h := newHarness(t, opts{})
	con := &fakeConsole{gate: make(chan struct{})}
	h.e.SetConsole(con)
	cl, cc := h.connectAdmin()
	h.send(cc, queryMsg("show pools"))
	h.send(cc, make([]byte, maxAdminBuffered)) // at the bound: kept
	if cc.isClosed() {
		t.Fatal("closed at maxAdminBuffered")
	}
	h.send(cc, []byte{0}) // one byte more
	if code := fatalCode(t, cc.take()); code != codec.CodeProtocolViolation || !cc.isClosed() {
		t.Fatalf("flood: FATAL %q, closed %v; want 08P01 and a close", code, cc.isClosed())
	}
	// The answer finds the session gone: nothing is written, the session is no longer busy.
	con.gate <- struct{}{}
	h.awaitTask()
	if got := cc.take(); len(got) != 0 || h.e.sessions.isBusy(cl) {
		t.Fatalf("after the session ended: wrote %q, busy %v", got, h.e.sessions.isBusy(cl))
	}
}

func TestConsoleClientGoneBeforeAnswer(t *testing.T) {
	h := newHarness(t, opts{})
	con := &fakeConsole{gate: make(chan struct{})}
	h.e.SetConsole(con)
	cl, cc := h.connectAdmin()
	h.send(cc, cat(queryMsg("show pools"), queryMsg("show servers")))
	h.hangUp(cc)
	if h.e.clients.count() != 0 {
		t.Fatal("the console client is still registered after it hung up")
	}
	con.gate <- struct{}{}
	h.awaitTask()
	if got := cc.take(); len(got) != 0 || h.e.sessions.isBusy(cl) {
		t.Fatalf("wrote %q to a gone client, busy %v", got, h.e.sessions.isBusy(cl))
	}
	if got := con.asked(); len(got) != 1 {
		t.Fatalf("the console ran %q: the query after a hang-up must not run", got)
	}
}

func TestConsoleAnswerAfterLoopsStopped(t *testing.T) {
	h := newHarness(t, opts{})
	con := &fakeConsole{}
	h.e.SetConsole(con)
	cl, cc := h.connectAdmin()
	cl.loop.el = refusingLoop{&fakeLoop{}}
	h.e.sessions.setBusy(cl, true)
	h.e.answerAdmin(cl, "show pools")
	if h.e.sessions.isBusy(cl) || len(cc.take()) != 0 {
		t.Fatal("an answer the loop refused must leave the session not busy, and write nothing")
	}
}
