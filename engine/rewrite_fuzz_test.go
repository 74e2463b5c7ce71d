// rewrite_fuzz_test.go holds the fuzzers of the prepared statement rewrite: client frames and model server replies split anywhere, with invariants and a differential against a direct session.

package engine

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// fuzzRun drives two clients and two servers of one harness from fuzz input.
type fuzzRun struct {
	t       *testing.T
	h       *harness
	in      []byte // fuzz input not read yet
	clients []*fuzzClient
	servers []*fuzzServer
	cur     int  // the client whose frames are being built
	fine    bool // client reads end at every frame end: each Bind and Describe is checked
	// differential: the clients behave as drivers do, so what they receive
	// and their statement names must be those of a direct session.
	differential bool
	trace        []string // what was done, for failure messages
	// sabotage: clients may type shared names (to drop them, or as their
	// own statements' names), which pgdogd's view of the servers cannot
	// follow: the view is not checked, nor the names clients receive.
	sabotage bool
}

// fuzzClient is a client, and the same requests sent straight to a model.
type fuzzClient struct {
	cl        *client
	c         *fakeConn
	pending   []byte // frames built, not sent yet
	open      bool   // an extended-protocol batch is not synced yet
	unnamed   bool   // the client prepared an unnamed statement
	direct    *pgModel
	want, got []byte // the direct session's replies; pgdogd's
}

// fuzzServer is a server and the model behind it.
type fuzzServer struct {
	s   *server
	c   *fakeConn
	m   *pgModel
	all []byte // everything pgdogd sent it
	fed int    // how much of all the model has read
	// checked is how much of all was looked at for Bind and Describe frames.
	checked int
}

func newFuzzRun(t *testing.T, in []byte, differential bool) *fuzzRun {
	h := newHarness(t, opts{size: 2})
	r := &fuzzRun{t: t, h: h, in: in, differential: differential}
	for range 2 {
		s, c := h.addServer()
		r.servers = append(r.servers, &fuzzServer{s: s, c: c, m: newPGModel()})
	}
	for range 2 {
		cl, c := h.connect()
		r.clients = append(r.clients, &fuzzClient{cl: cl, c: c, direct: newPGModel()})
	}
	mode := r.byte()
	r.fine, r.sabotage = mode&1 == 1, mode&2 == 2
	return r
}

// fatalf fails the run, with its trace.
func (r *fuzzRun) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf(format+"\ntrace:\n%s", append(args, strings.Join(r.trace, "\n"))...)
}

// note adds a line to the trace.
func (r *fuzzRun) note(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf(format, args...))
}

// byte reads the next input byte; 0 once the input is exhausted.
func (r *fuzzRun) byte() byte {
	if len(r.in) == 0 {
		return 0
	}
	b := r.in[0]
	r.in = r.in[1:]
	return b
}

func (r *fuzzRun) pick(list []string) string { return list[int(r.byte())%len(list)] }

// pickTyped picks from a list whose last entry names a shared statement,
// which clients type only in a sabotage run.
func (r *fuzzRun) pickTyped(list []string) string {
	if !r.sabotage {
		list = list[:len(list)-1]
	}
	return r.pick(list)
}

// add queues frames of the current client.
func (r *fuzzRun) add(frames ...[]byte) {
	fc := r.clients[r.cur]
	for _, f := range frames {
		r.note("client %d queues %q", r.cur, f)
		switch f[0] {
		case codec.MsgParse, codec.MsgBind, codec.MsgDescribe, codec.MsgClose, codec.MsgExecute:
			fc.open = true
		case codec.MsgSync:
			fc.open = false
		}
		fc.pending = append(fc.pending, f...)
	}
}

// collect moves what pgdogd wrote to the fake connections into the run's records.
func (r *fuzzRun) collect() {
	for _, fc := range r.clients {
		fc.got = append(fc.got, fc.c.take()...)
	}
	for _, fs := range r.servers {
		fs.all = append(fs.all, fs.c.take()...)
	}
}

// flush sends a client's pending frames: one read cut at cut, and in fine
// mode a read ending at every frame end.
func (r *fuzzRun) flush(fc *fuzzClient, cut byte) {
	b := fc.pending
	fc.pending = nil
	if len(b) == 0 {
		return
	}
	fc.want = append(fc.want, fc.direct.feed(b)...)
	ends := []int{int(cut) % (len(b) + 1), len(b)}
	frames := splitFrames(r.t, b)
	if r.fine {
		at := 0
		for _, f := range frames {
			at += len(f)
			ends = append(ends, at)
		}
	}
	slices.Sort(ends)
	prev := 0
	for _, end := range slices.Compact(ends) {
		if end > prev {
			r.clientRead(fc, b[prev:end], frameEndingAt(frames, end))
			prev = end
		}
	}
}

// frameEndingAt returns the frame of a stream that ends at offset end, or nil.
func frameEndingAt(frames [][]byte, end int) []byte {
	at := 0
	for _, f := range frames {
		if at += len(f); at == end {
			return f
		}
	}
	return nil
}

// clientRead delivers one read of a client; in fine mode, a Bind or
// Describe it completes must reach the server under the shared name of the
// client's statement, or as typed when the client has no such statement.
func (r *fuzzRun) clientRead(fc *fuzzClient, b, completed []byte) {
	r.collect()
	var name string
	var known *prepared.Stmt
	check := r.fine && completed != nil && (fc.cl.state == clActive || fc.cl.state == clIdle) &&
		(completed[0] == codec.MsgBind || completed[0] == codec.MsgDescribe && completed[5] == 'S')
	if check {
		name = frameStmtName(completed)
		known = fc.cl.stmts.named[name]
	}
	r.note("client %d read %q", slices.Index(r.clients, fc), b)
	r.h.send(fc.c, b)
	r.collect()
	if !check {
		return
	}
	got, ok := r.lastNamedFrame()
	switch {
	case !ok:
		r.fatalf("%q reached no server", completed)
	case name != "" && known != nil && got != known.Name:
		r.fatalf("statement %q of the client reached the server as %q, not %q", name, got, known.Name)
	case (name == "" || known == nil) && got != name:
		r.fatalf("%q, unknown to the client, reached the server as %q", name, got)
	}
}

// frameStmtName returns the statement a whole Bind or Describe 'S' frame names.
func frameStmtName(f []byte) string {
	body := f[codec.HeaderLen:]
	if f[0] == codec.MsgBind {
		_, body, _ = prepared.CString(body)
	} else {
		body = body[1:]
	}
	name, _, _ := prepared.CString(body)
	return string(name)
}

// lastNamedFrame returns the statement name of the last Bind or Describe
// 'S' the servers received since the last look.
func (r *fuzzRun) lastNamedFrame() (string, bool) {
	name, found := "", false
	for _, fs := range r.servers {
		for fs.checked < len(fs.all) {
			_, size, complete, _ := codec.NextFrame(fs.all[fs.checked:], 0)
			if !complete {
				break
			}
			f := fs.all[fs.checked : fs.checked+size]
			if f[0] == codec.MsgBind || f[0] == codec.MsgDescribe && f[5] == 'S' {
				name, found = frameStmtName(f), true
			}
			fs.checked += size
		}
	}
	return name, found
}

// answer has server si's model answer what it received, the replies cut in two reads at cut.
func (r *fuzzRun) answer(si int, cut byte) {
	fs := r.servers[si]
	r.collect()
	in := fs.all[fs.fed:]
	fs.fed = len(fs.all)
	replies := fs.m.feed(in)
	r.note("server %d received %q", si, in)
	k := int(cut) % (len(replies) + 1)
	for _, b := range [][]byte{replies[:k], replies[k:]} {
		if len(b) > 0 {
			r.note("server %d read %q", si, b)
			r.h.send(fs.c, b)
		}
	}
	r.collect()
}

// quiesce sends every pending frame and has the servers answer until
// nothing is in flight, then checks the invariants of a quiet system.
func (r *fuzzRun) quiesce() {
	for range 100 {
		for _, fc := range r.clients {
			r.flush(fc, 0)
		}
		r.collect()
		busy := false
		for si, fs := range r.servers {
			if fs.fed < len(fs.all) {
				busy = true
				r.answer(si, 0)
			}
		}
		if !busy {
			break
		}
	}
	r.checkQuiet()
}

// checkQuiet checks a quiet system: servers hold no half frame and no
// statement pgdogd does not know of; clients got no shared name and, in a
// differential run, what a direct session gets.
func (r *fuzzRun) checkQuiet() {
	for i, fs := range r.servers {
		if fs.m.pending() {
			r.fatalf("server %d was left half a frame: %q", i, fs.m.in)
		}
		if fs.s.l.owes() || r.sabotage {
			continue // a batch is open: the view settles at its ReadyForQuery
		}
		for _, id := range fs.s.stmts.IDs() {
			if _, ok := fs.m.named[prepared.Name(id)]; !ok {
				r.fatalf("pgdogd believes server %d has %s; it has %v", i, prepared.Name(id), slices.Sorted(maps.Keys(fs.m.named)))
			}
		}
	}
	for i, fc := range r.clients {
		if fc.cl.state == clClosed {
			r.fatalf("client %d was closed: %q", i, fc.got)
		}
		if !r.sabotage && bytes.Contains(fc.got, []byte(prepared.Prefix)) {
			r.fatalf("client %d received a shared name: %q", i, fc.got)
		}
		if r.differential {
			r.compare(i, fc)
		}
	}
}

// knownCleanupDefect is the reported defect of TestDuplicateParseRefusedByServer:
// after pgdogd's cleanup batch an idle client keeps its server.
func knownCleanupDefect(cl *client) bool {
	return cl.cap.inTx && cl.server.l.idle()
}

// compare checks a client against its direct session: the same replies
// and, between batches, the same statement names and
// no server held outside a transaction.
func (r *fuzzRun) compare(i int, fc *fuzzClient) {
	// Errors are compared without their SQLSTATE: which of two faults
	// PostgreSQL reports first may differ (a Bind pipelined after a Parse
	// that fails in an aborted transaction finds a shared statement:
	// 25P02, where straight it finds none: 26000).
	got, want := normalize(splitFrames(r.t, fc.got), false), normalize(splitFrames(r.t, fc.want), false)
	if !bytes.Equal(got, want) {
		r.fatalf("client %d received, through pgdogd:\n %q\nstraight from the server:\n %q", i, got, want)
	}
	if fc.open {
		return
	}
	if fc.direct.tx == codec.TxIdle && fc.cl.server != nil && !knownCleanupDefect(fc.cl) {
		r.fatalf("client %d is idle and keeps its server", i)
	}
	have := slices.Sorted(maps.Keys(fc.cl.stmts.named))
	if direct := slices.Sorted(maps.Keys(fc.direct.named)); !slices.Equal(have, direct) {
		r.fatalf("client %d has statements %v through pgdogd, %v straight", i, have, direct)
	}
}

// checkLinks checks every link's counters and queues, and the pairing:
// what is owed belongs to batches sent and not answered yet.
func (r *fuzzRun) checkLinks() {
	for i, fs := range r.servers {
		l := &fs.s.l
		ok := l.recv <= l.sent && l.parseAt <= len(l.parses) && l.closeAt <= len(l.closes) && l.dropAt <= len(l.drops) && l.cancels == 0
		for _, e := range l.parses[min(l.parseAt, len(l.parses)):] {
			ok = ok && e.batch >= l.recv && e.batch <= l.sent
		}
		for _, e := range l.closes[min(l.closeAt, len(l.closes)):] {
			ok = ok && e.batch >= l.recv && e.batch <= l.sent
		}
		for _, e := range l.drops[min(l.dropAt, len(l.drops)):] {
			ok = ok && e.batch >= l.recv && e.batch <= l.sent
		}
		if !ok || l.cl != nil && l.cl.server != fs.s {
			r.fatalf("server %d: link inconsistent: sent %d recv %d parses %d@%d closes %d@%d drops %d@%d",
				i, l.sent, l.recv, len(l.parses), l.parseAt, len(l.closes), l.closeAt, len(l.drops), l.dropAt)
		}
	}
	for i, fc := range r.clients {
		if s := fc.cl.server; s != nil && s.l.cl != fc.cl {
			r.fatalf("client %d linked to a server linked elsewhere", i)
		}
	}
}

// Alphabets of the fuzzers.
var (
	rewriteNames = []string{"s1", "s2", "s3", "", "s1", "s2", "", "__pgdogd_1"} // the last one only with sabotage
	rewriteSQL   = []string{"select 1", "select 2", "select bogus", "begin", "commit", "rollback", "deallocate s1",
		"DEALLOCATE PREPARE s2", "deallocate all", "discard all", "select 1; deallocate all", "",
		"deallocate s1; deallocate s2", "deallocate __pgdogd_1"}
	dropStatements = []string{"deallocate s1", "DEALLOCATE PREPARE s2", `deallocate "s3"`, "deallocate all",
		"DEALLOCATE PREPARE ALL", "discard all", "Discard All", "deallocate s9", "select 1", "select bogus", "begin", "commit", "rollback"}
	preparedSQL = []string{"select 1", "select 2", "deallocate all", "discard all", "select bogus", "begin", "DEALLOCATE PREPARE ALL"}
)

// rewriteStep plays one operation of FuzzRewrite: any frame, in any order.
func (r *fuzzRun) rewriteStep(op byte) {
	switch op % 12 {
	case 0:
		r.parse()
	case 1:
		r.add(bindMsg(r.bindName()), executeMsg())
	case 2:
		r.add(describeS(r.pickTyped(rewriteNames)))
	case 3:
		r.add(closeS(r.pickTyped(rewriteNames)))
	case 4:
		r.add(executeMsg())
	case 5:
		r.add(syncMsg())
	case 6:
		r.add(queryMsg(r.pickTyped(rewriteSQL)))
	case 7:
		r.add(frame(codec.MsgDescribe, []byte{'P', 0}), frame(codec.MsgFlush))
	case 8:
		r.flush(r.clients[r.cur], r.byte())
	case 9:
		r.answer(int(r.byte())%2, r.byte())
	case 10:
		r.cur ^= 1
	case 11:
		if b := r.byte(); b&1 == 1 {
			r.servers[b>>1&1].m.failNext = true
		} else {
			r.quiesce()
		}
	}
	r.checkLinks()
}

// parse adds a Parse. One that drops statements is executed at once: for
// pgdogd it takes effect when parsed or bound, not when it runs, so a
// statement prepared in between would be believed present (see
// TestStatementsPreparedBetweenBindAndExecuteOfDeallocateAll); and
// DEALLOCATE name is unnamed (see TestNamedDeallocateStatementRunTwice).
func (r *fuzzRun) parse() {
	name, sql := r.pickTyped(rewriteNames), r.pickTyped(rewriteSQL)
	if deallocatesName(sql) {
		name = ""
	}
	r.clients[r.cur].unnamed = r.clients[r.cur].unnamed || name == ""
	r.add(parseMsg(name, sql))
	if strings.Contains(strings.ToLower(sql), "deallocate") || strings.Contains(strings.ToLower(sql), "discard") {
		r.add(bindMsg(name), executeMsg())
	}
}

// deallocatesName reports whether sql holds a DEALLOCATE of one statement.
func deallocatesName(sql string) bool {
	for _, st := range statements(sql) {
		w := strings.Fields(strings.ToLower(st))
		if w[0] == "deallocate" && w[len(w)-1] != "all" {
			return true
		}
	}
	return false
}

// bindName picks the statement of a Bind, always followed by its Execute:
// for pgdogd DEALLOCATE ALL takes effect at its Bind (see
// TestStatementsPreparedBetweenBindAndExecuteOfDeallocateAll). The unnamed
// statement is bound only by a client that prepared one (see
// TestUnnamedStatementOfAnotherClient).
func (r *fuzzRun) bindName() string {
	if name := r.pickTyped(rewriteNames); name != "" || r.clients[r.cur].unnamed {
		return name
	}
	return "s1"
}

// await has the current client wait for the answers to all it sent, as a
// driver outside pipeline mode does: pipelined after a request that fails,
// pgdogd gets requests wrong (see TestParseAgainAfterFailedParseInPipeline,
// TestDeallocatePipelinedAfterFailedParse,
// TestDeallocateAllPipelinedAfterRefusedOne,
// TestBindPipelinedAfterRefusedDiscardAll and
// TestBatchPipelinedAfterFailedBatchWithInjection).
func (r *fuzzRun) await() {
	fc := r.clients[r.cur]
	r.flush(fc, r.byte())
	for range 100 {
		r.collect()
		si := slices.IndexFunc(r.servers, func(fs *fuzzServer) bool { return fs.s == fc.cl.server })
		if si < 0 || r.servers[si].fed == len(r.servers[si].all) {
			return
		}
		r.answer(si, 0)
	}
}

// deallocStep plays one operation of FuzzDeallocate: what drivers send.
func (r *fuzzRun) deallocStep(op byte) {
	name := r.pick([]string{"s1", "s2", "s3"})
	if op%9 < 5 {
		r.await()
	}
	switch op % 9 {
	case 0:
		r.add(queryMsg(r.dropQuery()))
	case 1:
		r.add(parseMsg(name, r.pick(preparedSQL)), syncMsg())
	case 2: // DEALLOCATE name only unnamed (see TestNamedDeallocateStatementRunTwice)
		sql := r.pick(append(preparedSQL, dropStatements...))
		if r.byte()&1 == 1 || deallocatesName(sql) || txControl(sql) {
			name = "" // a prepared COMMIT: see TestUnnamedDeallocateInjectsBeforeItsParse
		}
		r.add(parseMsg(name, sql), bindMsg(name), executeMsg(), syncMsg())
	case 3:
		r.add(bindMsg(name), executeMsg(), syncMsg())
	case 4:
		r.add(closeS(name), syncMsg())
	case 5:
		r.flush(r.clients[r.cur], r.byte())
	case 6:
		r.answer(int(r.byte())%2, r.byte())
	case 7:
		r.cur ^= 1
	case 8:
		r.quiesce()
	}
	r.checkLinks()
}

// dropQuery builds a simple Query of one or two statements, most of them
// DEALLOCATE or DISCARD.
func (r *fuzzRun) dropQuery() string {
	sql := r.pick(dropStatements)
	if b := r.byte(); b&1 == 1 {
		if next := dropStatements[int(b>>1)%len(dropStatements)]; !deallocatesName(sql) || !deallocatesName(next) {
			sql += "; " + next // not two names: see TestDeallocateTwoNamesOfOneStatement
		}
	}
	if deallocatesName(sql) && r.clients[r.cur].direct.tx == codec.TxFailed {
		sql = "rollback" // see TestDeallocateAfterCommitOfAbortedTransaction
	}
	return sql
}

// maxFuzzInput bounds an input's operations, so that each run stays short.
const maxFuzzInput = 512

func FuzzRewrite(f *testing.F) {
	f.Add([]byte{1, 0, 0, 1, 0, 5, 8, 0, 9, 0, 0, 10, 1, 0, 5, 8, 3, 9, 1, 0})
	f.Add([]byte{0, 6, 10, 6, 8, 0, 9, 0, 7, 11, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		r := newFuzzRun(t, in, false)
		for len(r.in) > 0 {
			r.rewriteStep(r.byte())
		}
		r.quiesce()
	})
}

func FuzzDeallocate(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 8, 0, 3, 0, 8})
	f.Add([]byte{1, 2, 1, 1, 0, 8, 7, 0, 0, 5, 6, 0, 8})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		r := newFuzzRun(t, in, true)
		for len(r.in) > 0 {
			r.deallocStep(r.byte())
		}
		r.quiesce()
	})
}
