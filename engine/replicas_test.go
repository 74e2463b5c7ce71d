// replicas_test.go checks the routing of reads: what reads, how a replica is chosen, bans, and the WAL positions of the lag check.

package engine

import (
	"bytes"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// encode encodes frontend messages back to back.
func encode(t *testing.T, msgs ...pgproto3.FrontendMessage) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestReadsOnly(t *testing.T) {
	cl := &client{}
	cl.stmts.named = map[string]*prepared.Stmt{
		"r": {Query: "select * from t where id = $1", Reads: true},
		"w": {Query: "update t set v = 1 where id = $1"},
	}
	sel := &pgproto3.Parse{Query: "select 1"}
	for _, tc := range []struct {
		name  string
		buf   []byte
		reads bool
	}{
		{"simple read", encode(t, &pgproto3.Query{String: "SELECT * FROM t"}), true},
		{"simple write", encode(t, &pgproto3.Query{String: "update t set v = 1"}), false},
		{"read then write in one query", encode(t, &pgproto3.Query{String: "select 1; delete from t"}), false},
		{"begin read only", encode(t, &pgproto3.Query{String: "BEGIN READ ONLY"}), true},
		{"begin", encode(t, &pgproto3.Query{String: "BEGIN"}), false},
		{"extended read", encode(t, sel, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}), true},
		{"extended write", encode(t, &pgproto3.Parse{Query: "insert into t values (1)"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}), false},
		{"no sync yet", encode(t, sel, &pgproto3.Bind{}, &pgproto3.Execute{}), false},
		{"a read then a write before the sync", encode(t, sel, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "update t set v = 2"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}), false},
		{"named read", encode(t, &pgproto3.Bind{PreparedStatement: "r"}, &pgproto3.Execute{}, &pgproto3.Sync{}), true},
		{"named write", encode(t, &pgproto3.Bind{PreparedStatement: "w"}, &pgproto3.Execute{}, &pgproto3.Sync{}), false},
		{"unknown name", encode(t, &pgproto3.Bind{PreparedStatement: "x"}, &pgproto3.Execute{}, &pgproto3.Sync{}), false},
		{"unnamed not parsed here", encode(t, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}), false},
		{"describe only", encode(t, sel, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Sync{}), false},
		{"function call", encode(t, &pgproto3.FunctionCall{Function: 1}), false},
		{"cut frame", encode(t, &pgproto3.Query{String: "select 1"})[:7], false},
	} {
		if got := cl.readsOnly(tc.buf); got != tc.reads {
			t.Errorf("%s: reads %v, want %v", tc.name, got, tc.reads)
		}
	}
}

// replicaFixture is a primary pool with two replica pools under cfg's settings.
func replicaFixture(g config.General) (home *pool, r0, r1 *pool) {
	e := &Engine{}
	e.cfg.Store(&config.Config{General: g})
	home = &pool{e: e}
	r0, r1 = &pool{e: e, home: home}, &pool{e: e, home: home}
	home.replicas = []*pool{r0, r1}
	return home, r0, r1
}

func TestPickRead(t *testing.T) {
	now := time.Now()
	g := config.General{LoadBalancingStrategy: config.BalanceRoundRobin, ReadWriteSplit: config.SplitExcludePrimary, BanTimeout: time.Hour}
	home, r0, r1 := replicaFixture(g)
	seen := map[*pool]int{}
	for range 10 {
		seen[home.pickRead(nil, false)]++
	}
	if seen[r0] != 5 || seen[r1] != 5 {
		t.Errorf("round robin over two replicas: %d and %d of 10, primary %d", seen[r0], seen[r1], seen[home])
	}
	if r0.replica.routed.Load() != 5 {
		t.Errorf("reads counted %d, want 5", r0.replica.routed.Load())
	}
	r0.replica.bannedUntil.Store(now.Add(time.Hour).UnixNano())
	for range 4 {
		if p := home.pickRead(nil, false); p != r1 {
			t.Fatalf("with replica 0 banned, a read went to %p, want replica 1", p)
		}
	}
	if p := home.pickRead(r1, false); p != home {
		t.Errorf("with replica 0 banned and replica 1 excluded: %p, want the primary", p)
	}
	r1.replica.bannedUntil.Store(now.Add(time.Hour).UnixNano())
	if p := home.pickRead(nil, false); p != home {
		t.Errorf("every replica banned: %p, want the primary", p)
	}

	g.ReadWriteSplit = config.SplitIncludePrimary
	home, r0, r1 = replicaFixture(g)
	seen = map[*pool]int{}
	for range 9 {
		seen[home.pickRead(nil, false)]++
	}
	if seen[home] != 3 || seen[r0] != 3 || seen[r1] != 3 {
		t.Errorf("include_primary: %d / %d / %d of 9, want 3 each", seen[home], seen[r0], seen[r1])
	}

	g.ReadWriteSplit = config.SplitPreferPrimary
	home, _, _ = replicaFixture(g)
	if p := home.pickRead(nil, false); p != home {
		t.Errorf("prefer_primary: a read went to a replica")
	}
	if p := home.pickRead(nil, true); p == home {
		t.Errorf("prefer_primary: a read that asks for a replica stayed on the primary")
	}
}

func TestBanAndUnban(t *testing.T) {
	home, r0, _ := replicaFixture(config.General{BanTimeout: time.Hour})
	home.e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	r0.cfg = poolConfig{host: "r0", port: 5432, database: "db", user: "u"}
	r0.ban("health check: refused")
	if !r0.banned() || r0.replica.bans.Load() != 1 {
		t.Fatalf("not banned after ban")
	}
	r0.ban("again") // extends, counts once
	if r0.replica.bans.Load() != 1 || r0.replicaInfo().BanReason != "again" {
		t.Errorf("second ban: %+v", r0.replicaInfo())
	}
	r0.unban()
	if r0.banned() || r0.replica.unbans.Load() != 1 || r0.replicaInfo().Role != config.RoleReplica {
		t.Errorf("after unban: %+v", r0.replicaInfo())
	}
}

func TestParseLSN(t *testing.T) {
	for s, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16<<32 | 0xB374D848, "0/1": 1} {
		if got, err := parseLSN(s); err != nil || got != want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "16", "x/1", "1/zz", "100000000/0"} {
		if _, err := parseLSN(bad); err == nil {
			t.Errorf("parseLSN(%q) accepted", bad)
		}
	}
}

// TestIdleHealthCheck: a server idle longer than idle_healthcheck_interval answers an
// empty query before the client's request reaches it; a fresher one is used at once.
func TestIdleHealthCheck(t *testing.T) {
	h := newHarness(t, opts{})
	next := *h.e.cfg.Load()
	next.General.IdleHealthcheckInterval = time.Minute
	h.e.cfg.Store(&next)
	s, sc := h.addServer()
	_, cc := h.connect()
	s.idleSince = time.Now().Add(-2 * time.Minute)
	h.send(cc, queryMsg("select 1"))
	if got := sc.take(); !bytes.Equal(got, queryMsg(";")) {
		t.Fatalf("the stale server got %q first, want the empty query", got)
	}
	h.send(sc, cat([]byte{'I', 0, 0, 0, 4}, rfq('I'))) // EmptyQueryResponse, ReadyForQuery
	if got := sc.take(); !bytes.Equal(got, queryMsg("select 1")) {
		t.Fatalf("after the check the server got %q, want the client's query", got)
	}
	if out := cc.take(); len(out) != 0 {
		t.Fatalf("the client saw %q of the check", out)
	}
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	if out := cc.take(); !bytes.Equal(out, cat(complete("SELECT 1"), rfq('I'))) {
		t.Fatalf("the client got %q", out)
	}
	h.send(cc, queryMsg("select 2")) // idle for a moment only: no check
	if got := sc.take(); !bytes.Equal(got, queryMsg("select 2")) {
		t.Fatalf("a fresh server got %q, want the query at once", got)
	}
	if n := h.pool.events.idleChecks.Load(); n != 1 {
		t.Fatalf("%d idle checks, want 1", n)
	}
}

func TestRoleSetting(t *testing.T) {
	for _, tc := range []struct {
		stmt, value string
		ok          bool
	}{
		{"SET pgdog.role TO 'primary'", "primary", true},
		{"set session pgdog.role = replica", "replica", true},
		{"SET pgdog.role TO 'Primary'", "primary", true},
		{"RESET pgdog.role", "", true},
		{"reset all", "", true},
		{"SET LOCAL pgdog.role TO 'primary'", "", false},
		{"SET work_mem TO '1MB'", "", false},
		{"SET pgdog.shard TO 1", "", false},
		{"select 1", "", false},
	} {
		v, ok := roleSetting([]byte(tc.stmt))
		if v != tc.value || ok != tc.ok {
			t.Errorf("roleSetting(%q) = %q, %v; want %q, %v", tc.stmt, v, ok, tc.value, tc.ok)
		}
	}
}
