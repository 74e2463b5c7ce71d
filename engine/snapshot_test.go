// snapshot_test.go tests the engine's read-only Snapshot: pools, clients and servers read on the loops, and the counters read without them.

package engine

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	"github.com/pgdogd/pgdogd/engine/prepared"
	"github.com/pgdogd/pgdogd/engine/session"
)

// harnessFor is a harness on an Engine built from cfg; its pool is u@db.
func harnessFor(t testing.TB, cfg *config.Config, log *slog.Logger) *harness {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{t: t, e: e, loop: &fakeLoop{tasks: make(chan func(), 64)}, pool: e.pools.Load().get("u", "db")}
	h.pool.defs = serverParams()
	return h
}

// withPID gives a server the backend process ID PostgreSQL reported for it.
func withPID(s *server, pid uint32) *server {
	s.cancel = &cancelTarget{addr: "127.0.0.1:1", pid: pid, key: []byte{1, 2, 3, 4}}
	return s
}

// scene is a pool of three servers (size 3) at one moment: a client in a
// transaction on one, a client waiting for its query's answer on another, an
// idle client, and the third server idle; an admin session besides.
type scene struct {
	h                       *harness
	idle, inTx, running     *server
	tx, query, quiet, admin *client
}

func newScene(t *testing.T) *scene {
	h := newHarness(t, opts{size: 3})
	sc := &scene{h: h}
	sc.idle, _ = h.addServer()
	sc.running, _ = h.addServer()
	sc.inTx, _ = h.addServer()
	withPID(sc.idle, 1001)
	withPID(sc.running, 1002)
	withPID(sc.inTx, 1003)

	var cc *fakeConn
	sc.tx, cc = h.connect()
	h.send(cc, queryMsg("begin"))
	h.send(sc.inTx.conn.(*fakeConn), cat(complete("BEGIN"), rfq('T')))
	sc.query, cc = h.connect()
	h.send(cc, queryMsg("select 1"))
	// Its startup settings are checked on the idle server, which goes back.
	sc.quiet, _ = h.connect(codec.Param{Name: "application_name", Value: "psql"})
	sc.admin, _ = h.connectAdmin()
	if sc.tx.server != sc.inTx || sc.query.server != sc.running || !h.isIdle(sc.idle) || len(h.idle()) != 1 {
		t.Fatalf("scene not set: tx on %p, query on %p, idle %v", sc.tx.server, sc.query.server, h.idle())
	}
	return sc
}

func (sc *scene) pools() []PoolInfo {
	sc.h.t.Helper()
	r := readBeside(sc.h, Snapshot.Pools)
	if r.err != nil || len(r.infos) != 1 {
		sc.h.t.Fatalf("Pools: %d pools, err %v", len(r.infos), r.err)
	}
	return r.infos
}

func TestSnapshotPools(t *testing.T) {
	sc := newScene(t)
	h := sc.h
	p := sc.pools()[0]
	if p.Database != "db" || p.User != "u" || p.Host != "127.0.0.1" || p.Port != 5432 || p.Mode != config.ModeTransaction ||
		p.ID != h.pool.id || len(p.Mirrors) != 0 {
		t.Fatalf("pool identity: %+v", p)
	}
	got := [...]int{p.Clients, p.ClActive, p.ClWaiting, p.SvActive, p.SvIdleXact, p.SvIdle, p.SvTotal}
	if want := [...]int{3, 3, 0, 2, 1, 1, 3}; got != want {
		t.Fatalf("clients, cl_active, cl_waiting, sv_active, sv_idle_xact, sv_idle, sv_total = %v, want %v", got, want)
	}
	if p.Paused || p.MaxWait != 0 {
		t.Fatalf("paused %v, max wait %v", p.Paused, p.MaxWait)
	}
	received := len(queryMsg("begin")) + len(queryMsg("select 1"))
	sent := len(cat(complete("BEGIN"), rfq('T')))
	if tt := p.Totals; tt.Queries != 2 || tt.Xacts != 0 || tt.Received != uint64(received) || tt.Sent != uint64(sent) || tt.Errors != 0 {
		t.Fatalf("totals %+v; want 2 queries, %d bytes received, %d sent", tt, received, sent)
	}

	// Paused, with a client waiting a minute already.
	h.pool.pause()
	waiting, cc := h.connect()
	h.send(cc, queryMsg("select 2"))
	h.pool.mu.Lock()
	waiting.waitStart = time.Now().Add(-time.Minute)
	h.pool.mu.Unlock()
	p = sc.pools()[0]
	got = [...]int{p.Clients, p.ClActive, p.ClWaiting, p.SvActive, p.SvIdleXact, p.SvIdle, p.SvTotal}
	if want := [...]int{4, 3, 1, 2, 1, 1, 3}; got != want {
		t.Fatalf("paused: clients, cl_active, cl_waiting, sv_active, sv_idle_xact, sv_idle, sv_total = %v, want %v", got, want)
	}
	if !p.Paused || p.MaxWait < time.Minute || p.MaxWait > time.Hour {
		t.Fatalf("paused %v, max wait %v; want paused and a wait of a minute", p.Paused, p.MaxWait)
	}

	// A query inside the transaction: its server is not idle in it while the answer is owed.
	txc, txs := sc.tx.conn.(*fakeConn), sc.inTx.conn.(*fakeConn)
	h.send(txc, queryMsg("select 3"))
	if p = sc.pools()[0]; p.SvActive != 2 || p.SvIdleXact != 0 {
		t.Fatalf("query in a transaction: sv_active %d, sv_idle_xact %d; want 2 and 0", p.SvActive, p.SvIdleXact)
	}
	h.send(txs, cat(complete("SELECT 1"), rfq('T')))
	if p = sc.pools()[0]; p.SvIdleXact != 1 {
		t.Fatalf("answered in a transaction: sv_idle_xact %d, want 1", p.SvIdleXact)
	}

	// The transaction ends: its server is idle (the pool is paused), the totals count it.
	h.send(txc, queryMsg("commit"))
	h.send(txs, cat(complete("COMMIT"), rfq('I')))
	p = sc.pools()[0]
	if p.SvActive != 1 || p.SvIdleXact != 0 || p.SvIdle != 2 || p.Totals.Xacts != 1 || p.Totals.Queries != 4 {
		t.Fatalf("after commit: sv_active %d, sv_idle_xact %d, sv_idle %d, xacts %d, queries %d",
			p.SvActive, p.SvIdleXact, p.SvIdle, p.Totals.Xacts, p.Totals.Queries)
	}
}

func TestSnapshotClients(t *testing.T) {
	sc := newScene(t)
	h := sc.h
	h.pool.pause()
	waiting, cc := h.connect()
	h.send(cc, queryMsg("select 2"))
	h.pool.mu.Lock()
	waiting.waitStart = time.Now().Add(-time.Minute)
	h.pool.mu.Unlock()
	r := readBeside(h, Snapshot.Clients)
	if r.err != nil {
		t.Fatal(r.err)
	}
	byID := map[uint32]ClientInfo{}
	for _, ci := range r.infos {
		byID[ci.ID] = ci
	}
	cases := []struct {
		name          string
		cl            *client
		user, db, st  string
		link          uint32
		app           string
		waits, inTxAt bool
	}{
		{"in a transaction", sc.tx, "u", "db", "active", 1003, "", false, true},
		{"waiting for an answer", sc.query, "u", "db", "active", 1002, "", false, true},
		{"idle", sc.quiet, "u", "db", "idle", 0, "psql", false, false},
		{"waiting for a server", waiting, "u", "db", "waiting", 0, "", true, true},
		{"console", sc.admin, "admin", "admin", "admin", 0, "", false, false},
	}
	if len(r.infos) != len(cases) {
		t.Fatalf("%d clients, want %d: %+v", len(r.infos), len(cases), r.infos)
	}
	for _, c := range cases {
		ci, ok := byID[c.cl.key.pid]
		if !ok {
			t.Errorf("%s: missing", c.name)
			continue
		}
		if ci.User != c.user || ci.Database != c.db || ci.State != c.st || ci.Link != c.link || ci.ApplicationName != c.app ||
			ci.Loop != 0 || ci.TLS != "" || ci.Pinned != "" {
			t.Errorf("%s: %+v", c.name, ci)
		}
		if ci.Remote.String() != c.cl.conn.RemoteAddr().String() || ci.Local.String() != c.cl.conn.LocalAddr().String() ||
			!ci.ConnectedAt.Equal(c.cl.connectedAt) {
			t.Errorf("%s: addresses %v %v, connected at %v", c.name, ci.Remote, ci.Local, ci.ConnectedAt)
		}
		if waits := ci.Wait >= time.Minute && ci.Wait < time.Hour; waits != c.waits || !c.waits && ci.Wait != 0 {
			t.Errorf("%s: wait %v", c.name, ci.Wait)
		}
		if ci.RequestAt.IsZero() == c.inTxAt {
			t.Errorf("%s: request at %v", c.name, ci.RequestAt)
		}
	}
}

func TestSnapshotClientWaitWhileLoginChecksSettings(t *testing.T) {
	h := newHarness(t, opts{})
	s, _ := h.addServer()
	cc := h.newConn()
	h.e.OnOpen(cc)
	h.send(cc, codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: "u"}, codec.Param{Name: "database", Value: "db"},
		codec.Param{Name: "application_name", Value: "psql"}))
	cl := cc.ctx.(*client)
	if cl.state != clParams || cl.server != s {
		t.Fatalf("login: state %s, server linked %v", cl.state, cl.server == s)
	}
	r := readBeside(h, Snapshot.Clients)
	if r.err != nil || len(r.infos) != 1 || r.infos[0].State != "params" {
		t.Fatalf("clients %+v, err %v", r.infos, r.err)
	}
	// The client never waited in the queue: its server was idle.
	knownBug(t, r.infos[0].Wait > time.Hour,
		"SHOW CLIENTS reports a wait of about 292 years for a client whose startup settings are being checked on a server it got at once: ClientInfo.Wait is time.Since(waitStart) for every client in state params, and waitStart is zero unless the client was queued")
	if r.infos[0].Wait != 0 {
		t.Fatalf("wait %v, want 0", r.infos[0].Wait)
	}
}

func TestSnapshotServers(t *testing.T) {
	sc := newScene(t)
	h := sc.h
	r := readBeside(h, Snapshot.Servers)
	if r.err != nil || len(r.infos) != 3 {
		t.Fatalf("servers %+v, err %v", r.infos, r.err)
	}
	byPID := map[uint32]ServerInfo{}
	for _, si := range r.infos {
		byPID[si.PID] = si
	}
	cases := []struct {
		name  string
		pid   uint32
		state string
		tx    byte
		link  uint32
	}{
		{"idle", 1001, "idle", codec.TxIdle, 0},
		{"running a query", 1002, "active", codec.TxIdle, sc.query.key.pid},
		{"in a transaction", 1003, "active", 'T', sc.tx.key.pid},
	}
	for _, c := range cases {
		si, ok := byPID[c.pid]
		if !ok {
			t.Errorf("%s: missing", c.name)
			continue
		}
		if si.User != "u" || si.Database != "db" || si.Host != "127.0.0.1" || si.Port != 5432 || si.State != c.state ||
			si.TxStatus != c.tx || si.Link != c.link || si.Loop != 0 || si.Local == nil {
			t.Errorf("%s: %+v", c.name, si)
		}
	}
}

// TestSnapshotConnCounts: a client's and its server's counters, as the
// pool's: two queries, each its own transaction, one failing; the bytes
// forwarded each way.
func TestSnapshotConnCounts(t *testing.T) {
	h := newHarness(t, opts{})
	_, sc := h.addServer()
	cl, cc := h.connect()
	q1, q2 := queryMsg("select 1"), queryMsg("select x")
	a1, a2 := cat(complete("SELECT 1"), rfq('I')), cat(errorMsg(), rfq('I'))
	h.send(cc, q1)
	h.send(sc, a1)
	h.send(cc, q2)
	h.send(sc, a2)
	clients, servers := readBeside(h, Snapshot.Clients), readBeside(h, Snapshot.Servers)
	if clients.err != nil || servers.err != nil || len(servers.infos) != 1 {
		t.Fatalf("clients %+v, %v; servers %+v, %v", clients.infos, clients.err, servers.infos, servers.err)
	}
	var got ConnCounts
	for _, ci := range clients.infos {
		if ci.ID == cl.key.pid {
			got = ci.Counts
		}
	}
	in, out := uint64(len(q1)+len(q2)), uint64(len(a1)+len(a2))
	if got.Queries != 2 || got.Xacts != 2 || got.Errors != 1 || got.Received != in || got.Sent != out || got.XactTime <= 0 || got.QueryTime <= 0 {
		t.Errorf("client counts %+v; want 2 queries and transactions, 1 error, %d bytes in, %d out", got, in, out)
	}
	sv := servers.infos[0].Counts
	if sv.Queries != 2 || sv.Xacts != 2 || sv.Errors != 1 || sv.Sent != in || sv.Received != out || sv.Wait != 0 {
		t.Errorf("server counts %+v; want 2 queries and transactions, 1 error, %d bytes to it, %d from it", sv, in, out)
	}
}

func TestSnapshotCounters(t *testing.T) {
	h := newHarness(t, opts{})
	cfg := *h.e.cfg.Load()
	cfg.General.PinSessionState = true
	h.e.cfg.Store(&cfg)
	s, sc := h.addServer()
	cl, cc := h.connect()
	h.connect()
	h.connectAdmin()
	snap := h.e.Snapshot()
	if snap.Config() != h.e.cfg.Load() {
		t.Fatal("Config is not the configuration in force")
	}
	if c := snap.Counts(); c != (Counts{Clients: 3, Loops: 1}) {
		t.Fatalf("counts %+v, want 3 clients on 1 loop", c)
	}

	// A prepared statement, prepared and run once.
	h.send(cc, cat(parseMsg("s1", "select 1"), syncMsg()))
	h.send(sc, cat(closeOK, parseOK, rfq('I')))
	h.send(cc, cat(bindMsg("s1"), executeMsg(), syncMsg()))
	h.send(sc, cat(bindOK, complete("SELECT 1"), rfq('I')))
	if ps := snap.Prepared(); ps.Statements != 1 || ps.Parses != 1 || ps.Binds != 1 || ps.Evictions != 0 {
		t.Fatalf("prepared %+v; want one statement, parsed and bound once", ps)
	}
	// cl holds it under its name s1; Memory is the query and the Parse frame.
	want := PreparedStatement{Name: prepared.Name(1), Query: "select 1", UsedBy: 1,
		Memory: len("select 1") + len(codec.AppendParse(nil, prepared.Name(1), []byte("select 1"), []byte{0, 0}))}
	if r := readBeside(h, Snapshot.PreparedStatements); r.err != nil || len(r.infos) != 1 || r.infos[0] != want {
		t.Fatalf("prepared statements %+v, %v; want %+v", r.infos, r.err, want)
	}
	if r := readBeside(h, Snapshot.Clients); r.err != nil || prepCount(r.infos, cl.key.pid) != 1 {
		t.Fatalf("clients %+v, %v; want the client's one prepared statement", r.infos, r.err)
	}
	if r := readBeside(h, Snapshot.Servers); r.err != nil || len(r.infos) != 1 || r.infos[0].PreparedStatements != 1 || r.infos[0].Pool != h.pool.id {
		t.Fatalf("servers %+v, %v; want one of pool %d with the statement prepared", r.infos, r.err, h.pool.id)
	}
	if s.state != svIdle {
		t.Fatalf("server %s after the statement ran", s.state)
	}

	cl.pin(1 << 1)
	pins := snap.Pins()
	if len(pins) != int(session.NumPins) {
		t.Fatalf("%d pin counters, want %d", len(pins), session.NumPins)
	}
	for k, c := range pins {
		want := int64(0)
		if k == 1 {
			want = 1
		}
		if c.Name != session.PinNames[k] || c.N != want {
			t.Errorf("pin %d: %+v, want %s = %d", k, c, session.PinNames[k], want)
		}
	}

	events := snap.Events()
	names := []string{"client_opened", "client_closed", "server_opened", "server_closed", "server_migrated", "checkout_timeout",
		"connect_failure", "auth_failure", "protocol_error", "dirty_server_closed", "cancel_forwarded", "cancel_ignored",
		"server_read_paused", "accept_error", "client_refused_too_many", "client_login_timeout", "client_idle_timeout",
		"client_idle_in_transaction_timeout", "tls_handshake", "tls_handshake_failure"}
	if len(events) != len(names) {
		t.Fatalf("%d events, want %d", len(events), len(names))
	}
	for i, ev := range events {
		want := int64(0)
		if ev.Name == "client_opened" {
			want = 3
		}
		if ev.Name != names[i] || ev.N != want {
			t.Errorf("event %d: %+v, want %s = %d", i, ev, names[i], want)
		}
	}
	h.hangUp(cc)
	if n := counter(snap.Events(), "client_closed"); n != 1 {
		t.Fatalf("client_closed = %d after a hang-up", n)
	}
}

// counter returns the count named name.
func counter(cs []Counter, name string) int64 {
	for _, c := range cs {
		if c.Name == name {
			return c.N
		}
	}
	return -1
}

func TestSnapshotPoolTotals(t *testing.T) {
	h := newHarness(t, opts{})
	_, sc := h.addServer()
	_, cc := h.connect()
	h.send(cc, queryMsg("select 1"))
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	h.send(cc, queryMsg("select x"))
	h.send(sc, cat(errorMsg(), rfq('I')))
	totals := h.e.Snapshot().PoolTotals()
	if len(totals) != 1 || totals[0].ID != h.pool.id || totals[0].Database != "db" || totals[0].User != "u" {
		t.Fatalf("pool totals %+v", totals)
	}
	tt := totals[0].Totals
	received := len(queryMsg("select 1")) + len(queryMsg("select x"))
	sent := len(cat(complete("SELECT 1"), rfq('I'), errorMsg(), rfq('I')))
	if tt.Xacts != 2 || tt.Queries != 2 || tt.Errors != 1 || tt.Received != uint64(received) || tt.Sent != uint64(sent) {
		t.Fatalf("totals %+v; want 2 transactions and queries, 1 error, %d bytes received, %d sent", tt, received, sent)
	}
}

// mirrorConfig is a configuration whose pool u@db mirrors to u@m.
func mirrorConfig() *config.Config {
	return &config.Config{
		General: config.General{Workers: 1, DefaultPoolSize: 4, PoolerMode: config.ModeTransaction, AuthType: "trust",
			PreparedStatements: "disabled", ConnectTimeout: time.Second, CheckoutTimeout: time.Second,
			MirrorMaxTransactionBytes: 4 << 20, MirrorMemoryLimit: 1 << 20, MirrorQueue: 8, MirrorExposure: 1, MirrorTimeout: time.Second},
		Databases: []config.Database{{Name: "db", Host: "127.0.0.1", Port: 5432}, {Name: "m", Host: "127.0.0.2", Port: 5433}},
		Users:     []config.User{{Name: "u", Database: "db", Password: md5Password}, {Name: "u", Database: "m", Password: md5Password}},
		Mirrors:   []config.Mirror{{SourceDB: "db", DestinationDB: "m", QueueLength: 16, Exposure: 0.25}},
		Admin:     config.Admin{Name: "admin", User: "admin", Password: md5Password},
	}
}

// keepMirrorBudget restores the process-wide mirror memory limit when t ends.
func keepMirrorBudget(t *testing.T) {
	prev := mirroring.Memory.Limit()
	t.Cleanup(func() {
		mirroring.Forget()
		mirroring.Memory.SetLimit(prev)
	})
}

func TestSnapshotMirrors(t *testing.T) {
	keepMirrorBudget(t)
	h := harnessFor(t, mirrorConfig(), nil)
	t.Cleanup(func() { close(h.e.mirrorStop) })
	snap := h.e.Snapshot()
	ms := snap.Mirrors()
	if len(ms) != 1 {
		t.Fatalf("mirrors %+v", ms)
	}
	m := ms[0]
	if m.User != "u" || m.Source != "db" || m.Destination != "m" || m.Exposure != 0.25 || m.QueueCapacity != 16 ||
		m.Total != 0 || m.Mirrored != 0 || m.Errors != 0 || m.Queued != 0 || m.Lag != 0 || m.LagP50 != 0 || m.LagP99 != 0 {
		t.Fatalf("mirror %+v", m)
	}
	reasons := DropReasons()
	if len(m.Dropped) != len(reasons) {
		t.Fatalf("drops %+v, want one per reason %v", m.Dropped, reasons)
	}
	for i, d := range m.Dropped {
		if d != (Counter{reasons[i], 0}) {
			t.Errorf("drop %d: %+v, want %s = 0", i, d, reasons[i])
		}
	}
	type result struct {
		infos []PoolInfo
		err   error
	}
	r := beside(h, func() result {
		infos, err := snap.Pools()
		return result{infos, err}
	})
	if r.err != nil || len(r.infos) != 2 || len(r.infos[0].Mirrors) != 1 || len(r.infos[1].Mirrors) != 0 ||
		r.infos[1].Database != "m" || r.infos[1].Host != "127.0.0.2" || r.infos[1].Port != 5433 || r.infos[0].ID == r.infos[1].ID {
		t.Fatalf("pools %+v, err %v", r.infos, r.err)
	}
	if used, limit := snap.MirrorMemory(); used < 0 || limit != 1<<20 {
		t.Fatalf("mirror memory %d of %d, want a limit of mirror_memory_limit (1 MiB)", used, limit)
	}
}

func TestSnapshotPoolsWithSilentLoop(t *testing.T) {
	t.Parallel() // waits loopWait
	h := newHarness(t, opts{})
	h.addServer()
	h.connect()
	h.addLoop(&fakeLoop{tasks: make(chan func(), 8)})
	r := readBeside(h, Snapshot.Pools)
	if r.err != errLoopsSilent || len(r.infos) != 1 || r.infos[0].Clients != 1 || r.infos[0].SvIdle != 1 {
		t.Fatalf("pools %+v, err %v; want the counts of the loop that answered and errLoopsSilent", r.infos, r.err)
	}
}

// readResult is what a Snapshot read returned.
type readResult[T any] struct {
	infos []T
	err   error
}

// prepCount is the prepared statements of the client with process ID pid; -1 when it is missing.
func prepCount(infos []ClientInfo, pid uint32) int {
	for _, ci := range infos {
		if ci.ID == pid {
			return ci.PreparedStatements
		}
	}
	return -1
}

// readBeside runs a Snapshot read, which waits for the loops, beside the
// test, which runs the loops' tasks.
func readBeside[T any](h *harness, read func(Snapshot) ([]T, error)) readResult[T] {
	return beside(h, func() readResult[T] {
		infos, err := read(h.e.Snapshot())
		return readResult[T]{infos, err}
	})
}
