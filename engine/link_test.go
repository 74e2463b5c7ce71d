// link_test.go holds table tests of the link alone: sync points, own batches, COPY, owed replies, and the transitions it refuses.

package engine

import (
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// runLinkSteps plays a script of space-separated steps on l. A step is one of:
//
//	attach, detach, close     pairing
//	Q S P B D C E F H d c f   a client frame of that type (sentFrame)
//	own                       a sync point of pgdogd's own (sentOwn)
//	Z<status>                 a ReadyForQuery answering the client (ZI, ZT, ZE)
//	z<status>                 a ReadyForQuery answering pgdogd (or nobody)
//	copy<G|H|W>, copyEnded    the server's COPY replies
//	=flags                    what must hold now: owes, idle, own (ownReply)
//	                          and the state's name; all other flags false
func runLinkSteps(t *testing.T, l *link, cl *client, steps string) {
	t.Helper()
	for i, st := range strings.Fields(steps) {
		switch {
		case st == "attach":
			l.attach(cl)
		case st == "detach":
			l.detach()
		case st == "close":
			l.close()
		case st == "own":
			l.sentOwn()
		case st == "copyEnded":
			l.copyEnded()
		case strings.HasPrefix(st, "copy"):
			l.copyResponse(st[4])
		case st[0] == 'Z' || st[0] == 'z':
			if got := l.readyForQuery(st[1]); got != (st[0] == 'z') {
				t.Fatalf("step %d %s: readyForQuery returned own=%v", i, st, got)
			}
		case st[0] == '=':
			checkLink(t, l, i, st[1:])
		case len(st) == 1:
			l.sentFrame(st[0])
		default:
			t.Fatalf("bad step %q", st)
		}
	}
}

// checkLink compares the link with the flags of a "=" step.
func checkLink(t *testing.T, l *link, i int, flags string) {
	t.Helper()
	want := map[string]bool{}
	for _, f := range strings.Split(flags, ",") {
		want[f] = true
	}
	got := map[string]bool{"owes": l.owes(), "idle": l.idle(), "own": l.ownReply(), l.state.String(): true}
	for _, f := range []string{"owes", "idle", "own", l.state.String()} {
		if got[f] != want[f] {
			t.Fatalf("step %d: want %q, got owes=%v idle=%v own=%v state=%s (sent %d, recv %d)",
				i, flags, l.owes(), l.idle(), l.ownReply(), l.state, l.sent, l.recv)
		}
	}
	if l.recv > l.sent {
		t.Fatalf("step %d: recv %d > sent %d", i, l.recv, l.sent)
	}
}

func TestLinkSequences(t *testing.T) {
	cases := []struct{ name, steps string }{
		{"simple query", "=idle,free attach =idle,linked Q =owes,linked ZI =idle,linked detach =idle,free"},
		{"extended batch", "attach P =owes,linked B D E =owes,linked H =owes,linked S =owes,linked ZI =idle,linked"},
		{"pipelined syncs", "attach P B E S P B E S =owes,linked ZI =owes,linked ZI =idle,linked"},
		{"query while a reply is in flight", "attach Q Q =owes,linked ZI =owes,linked Q ZI ZI =idle,linked"},
		{"transaction keeps the server", "attach Q ZT =linked Q ZE =linked Q ZI =idle,linked"},
		{"own batch first", "attach own =owes,own,linked Q =owes,own,linked zI =owes,linked ZI =idle,linked"},
		{"own batches around the client's", "attach own Q own =own,owes,linked zI =owes,linked ZI =own,owes,linked zI =idle,linked"},
		{"own batch after the client left", "attach Q ZI detach own =owes,own,free zI =idle,free"},
		{"nothing owed: nobody's reply", "attach zI =idle,linked Q ZI zT =idle,linked"},
		{"unsynced batch at detach", "attach P B detach =owes,free"},
		{"copy in", "attach Q copyG =owes,copy_in d d =owes,copy_in c =owes,linked ZI =idle,linked"},
		{"copy in failed by the client", "attach Q copyG f =owes,linked ZI =idle,linked"},
		{"copy out", "attach Q copyH =owes,copy_out copyEnded =owes,linked ZI =idle,linked"},
		{"copy both ended by ReadyForQuery", "attach Q copyW =owes,copy_both d ZI =idle,linked"},
		{"copy nobody asked for", "Q copyG =owes,free ZI =idle,free"},
		{"copy data and flush owe nothing", "attach d c H F =owes,linked ZI =idle,linked"},
		{"client leaves mid-copy", "attach Q copyG detach =owes,free"},
		{"close", "attach Q close =owes,closed close =owes,closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s server
			s.l.init(&s.stmts)
			runLinkSteps(t, &s.l, &client{}, c.steps)
		})
	}
}

func TestLinkIdleNeedsBothStreamsAtFrameBoundary(t *testing.T) {
	var s server
	s.l.init(&s.stmts)
	cl := &client{rd: codec.NewWalker(0, codec.TypeSet{})}
	s.l.attach(cl)
	if _, err := cl.rd.Next(frame('d', make([]byte, 100))[:20]); err != nil {
		t.Fatal(err)
	}
	if s.l.idle() {
		t.Fatal("idle while the client's frame is half read")
	}
	cl.rd.Reset()
	if _, err := s.l.rd.Next(frame('D', make([]byte, 100))[:20]); err != nil {
		t.Fatal(err)
	}
	if s.l.idle() {
		t.Fatal("idle while the server's frame is half read")
	}
	s.l.rd.Reset()
	if !s.l.idle() {
		t.Fatal("not idle with both streams at a boundary")
	}
}

func TestLinkRefusesImpossibleMoves(t *testing.T) {
	cases := []struct {
		name  string
		steps string
	}{
		{"attach twice", "attach attach"},
		{"detach a free link", "detach"},
		{"attach a closed link", "close attach"},
		{"detach a closed link", "attach close detach"},
		{"copy in twice", "attach Q copyG copyG"},
		{"copy out during copy in", "attach Q copyG copyH"},
		{"a frame type that is no request", "attach X"},
		{"a startup-phase frame", "attach p"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "BUG: ") {
					t.Fatalf("want a BUG panic, got %q", msg)
				}
			}()
			var s server
			s.l.init(&s.stmts)
			runLinkSteps(t, &s.l, &client{}, c.steps)
		})
	}
}

func TestLinkTransitionTable(t *testing.T) {
	allowed := map[[2]linkState]bool{}
	for _, m := range [][2]linkState{
		{lkFree, lkLinked}, {lkFree, lkClosed},
		{lkLinked, lkFree}, {lkLinked, lkCopyIn}, {lkLinked, lkCopyOut}, {lkLinked, lkCopyBoth}, {lkLinked, lkClosed},
		{lkCopyIn, lkLinked}, {lkCopyIn, lkFree}, {lkCopyIn, lkClosed},
		{lkCopyOut, lkLinked}, {lkCopyOut, lkFree}, {lkCopyOut, lkClosed},
		{lkCopyBoth, lkLinked}, {lkCopyBoth, lkFree}, {lkCopyBoth, lkClosed},
		{lkClosed, lkClosed},
	} {
		allowed[m] = true
	}
	for from := range numLinkStates {
		for to := range numLinkStates {
			l := link{state: from}
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				l.to(to)
				return false
			}()
			if panicked == allowed[[2]linkState{from, to}] {
				t.Errorf("%s -> %s: panicked %v", from, to, panicked)
			}
		}
	}
}

// newTestLink returns a server's link attached to a fresh client.
func newTestLink() (*server, *client) {
	s := &server{}
	s.l.init(&s.stmts)
	cl := &client{}
	s.l.attach(cl)
	return s, cl
}

// oweClientParse records a client's named Parse of st, as prepareParse does.
func oweClientParse(s *server, cl *client, name string, st *prepared.Stmt) {
	cl.stmts.define(name, st)
	s.stmts.Add(st.ID)
	s.l.oweParse(parseEntry{id: st.ID, owner: cl, name: name, st: st})
	s.l.sentFrame(codec.MsgParse)
}

func TestLinkParseQueueAcrossFailedBatches(t *testing.T) {
	s, cl := newTestLink()
	st1, st2, st3 := &prepared.Stmt{ID: 1}, &prepared.Stmt{ID: 2}, &prepared.Stmt{ID: 3}
	// Batch 0: an injected Parse, then the client's "b"; batch 1: the client's "c".
	s.stmts.Add(1)
	s.l.oweParse(parseEntry{drop: true, id: 1, st: st1})
	oweClientParse(s, cl, "b", st2)
	s.l.sentFrame(codec.MsgSync)
	oweClientParse(s, cl, "c", st3)
	s.l.sentFrame(codec.MsgSync)

	if e, ok := s.l.parseComplete(); !ok || !e.drop || e.st != st1 {
		t.Fatalf("first ParseComplete answered %+v, %v; want the injected Parse", e, ok)
	}
	// "b" fails: ErrorResponse, then ReadyForQuery without its ParseComplete.
	if s.l.readyForQuery('I') {
		t.Fatal("the client's ReadyForQuery taken for pgdogd's")
	}
	if s.stmts.Has(2) || cl.stmts.named["b"] != nil {
		t.Fatal("a Parse skipped after an error still counts as prepared")
	}
	if !s.stmts.Has(1) {
		t.Fatal("an answered Parse was undone")
	}
	if e, ok := s.l.parseComplete(); !ok || e.drop || e.name != "c" {
		t.Fatalf("the next batch's ParseComplete answered %+v, %v; want the client's c", e, ok)
	}
	s.l.readyForQuery('I')
	if _, ok := s.l.parseComplete(); ok || len(s.l.parses) != 0 || cl.stmts.named["c"] != st3 {
		t.Fatalf("queue not empty or c lost: %+v", s.l.parses)
	}
}

func TestLinkParseQueueWholeBatchFailed(t *testing.T) {
	s, cl := newTestLink()
	oweClientParse(s, cl, "a", &prepared.Stmt{ID: 1})
	s.l.oweParse(parseEntry{owner: cl}) // the unnamed statement
	s.stmts.unnamedBy = cl
	s.l.sentFrame(codec.MsgSync)
	s.l.readyForQuery('E')
	if s.stmts.Has(1) || cl.stmts.named["a"] != nil || s.stmts.unnamedBy != nil {
		t.Fatalf("a failed batch left statements behind: set %v, named %v, unnamed %p", s.stmts.IDs(), cl.stmts.named, s.stmts.unnamedBy)
	}
}

func TestLinkCloseQueueAcrossFailedBatches(t *testing.T) {
	s, _ := newTestLink()
	s.l.oweClose(false) // batch 0: the client's Close, skipped after an error
	s.l.sentFrame(codec.MsgClose)
	s.l.sentFrame(codec.MsgSync)
	s.l.oweClose(true) // batch 1: pgdogd's Close, then the client's
	s.l.oweClose(false)
	s.l.sentFrame(codec.MsgSync)
	s.l.readyForQuery('I')
	if !s.l.closeComplete() {
		t.Fatal("a CloseComplete of pgdogd's Close would reach the client")
	}
	if s.l.closeComplete() {
		t.Fatal("the client's CloseComplete would be hidden")
	}
	if s.l.closeComplete() {
		t.Fatal("a CloseComplete nothing owes is hidden")
	}
}

func TestLinkDropQueue(t *testing.T) {
	s, cl := newTestLink()
	st1, st2, st3 := &prepared.Stmt{ID: 1}, &prepared.Stmt{ID: 2}, &prepared.Stmt{ID: 3}
	// "deallocate a; deallocate b" in one Query: a takes effect, b fails.
	s.l.oweDrop(dropEntry{owner: cl, removed: map[string]*prepared.Stmt{"a": st1}})
	s.l.oweDrop(dropEntry{owner: cl, removed: map[string]*prepared.Stmt{"b": st2}})
	s.l.oweDrop(dropEntry{}) // a name that is not the client's
	s.l.sentFrame(codec.MsgQuery)
	s.l.dropDone()
	s.l.readyForQuery('I')
	if cl.stmts.named["a"] != nil || cl.stmts.named["b"] != st2 {
		t.Fatalf("after one drop of two: named %v", cl.stmts.named)
	}
	// A refused drop does not take back a name defined again since.
	cl.stmts.forget("b")
	s.l.oweDrop(dropEntry{owner: cl, removed: map[string]*prepared.Stmt{"b": st2, "c": st3}})
	s.l.sentFrame(codec.MsgQuery)
	cl.stmts.define("b", st1)
	s.l.readyForQuery('I')
	if cl.stmts.named["b"] != st1 || cl.stmts.named["c"] != st3 {
		t.Fatalf("undo: named %v", cl.stmts.named)
	}
	// A failed batch's drop is settled; the next batch's CommandComplete is its own.
	s.l.oweDrop(dropEntry{owner: cl, removed: map[string]*prepared.Stmt{"c": st3}})
	cl.stmts.forget("c")
	s.l.sentFrame(codec.MsgQuery)
	s.l.oweDrop(dropEntry{owner: cl, removed: map[string]*prepared.Stmt{"b": st1}})
	cl.stmts.forget("b")
	s.l.sentFrame(codec.MsgQuery)
	s.l.readyForQuery('I')
	s.l.dropDone()
	s.l.readyForQuery('I')
	if cl.stmts.named["c"] != st3 || cl.stmts.named["b"] != nil || len(s.l.drops) != 0 {
		t.Fatalf("across batches: named %v, drops %v", cl.stmts.named, s.l.drops)
	}
}
