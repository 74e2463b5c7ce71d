// Replicas through pgdogd: reads routed to streaming replicas and spread across them, writes and transactions on the primary, bans on failure and lag, and recovery.

package testsuite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Replica tests' timings: a check every 200 ms, bans of at least a second.
const (
	replicaCheckMs = 200
	replicaBanMs   = 1000
)

// TestReplicas runs the replica tests against one primary and two streaming replicas.
func TestReplicas(t *testing.T) {
	rs := StartReplicaSet(t, 2)
	ctx := testCtx(t, 60*time.Second)
	if out, err := rs.Primary.PgbenchInit(ctx, Alice, "-s", "1", "-q"); err != nil {
		t.Fatalf("pgbench -i on the primary: %v\n%s", err, out)
	}
	conn := rs.Primary.MustConnect(t, Alice)
	if err := execAll(ctx, conn, []string{"CREATE TABLE rp_writes (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())",
		"CREATE SEQUENCE rp_seq"}); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	rs.WaitCaughtUp(t, 30*time.Second)
	t.Run("Routing", func(t *testing.T) { testReplicaRouting(t, rs) })
	t.Run("Aggressive", func(t *testing.T) { testReplicaAggressive(t, rs) })
	t.Run("Spread", func(t *testing.T) { testReplicaSpread(t, rs) })
	t.Run("ReplicaDown", func(t *testing.T) { testReplicaDown(t, rs) })
	t.Run("Lag", func(t *testing.T) { testReplicaLag(t, rs) })
	t.Run("AllDown", func(t *testing.T) { testReplicasAllDown(t, rs) })
}

// replicaProxy starts pgdogd in front of the set: the primary and both replicas as one
// database, with the admin console, fast health checks and short bans.
func replicaProxy(t testing.TB, rs *ReplicaSet, tune func(*General)) (*Proxy, *pgx.Conn) {
	t.Helper()
	cfg := DefaultConfig(rs.Primary)
	cfg.Databases[0].Role = "primary"
	for _, r := range rs.Replicas {
		cfg.Databases = append(cfg.Databases, Database{Name: TestDatabase, Host: r.Host, Port: r.Port,
			DatabaseName: TestDatabase, Role: "replica"})
	}
	cfg.Admin = Admin{User: adminLogin.User, Password: adminLogin.Password}
	g := &cfg.General
	g.ConnectTimeout, g.HealthcheckInterval, g.HealthcheckTimeout, g.BanTimeout = 1000, replicaCheckMs, 1000, replicaBanMs
	g.LoadBalancingStrategy, g.ReadWriteSplit = "round_robin", "exclude_primary"
	if tune != nil {
		tune(g)
	}
	p := StartProxy(t, cfg)
	return p, p.MustConnect(t, adminLogin)
}

// inRecovery runs sql (which selects pg_is_in_recovery() first) through conn.
func inRecovery(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, mode pgx.QueryExecMode) bool {
	t.Helper()
	var rec bool
	if err := conn.QueryRow(ctx, sql, mode).Scan(&rec); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rec
}

// testReplicaRouting: reads that stand alone go to a replica; writes, explicit
// transactions and reads that lock or call nextval go to the primary.
func testReplicaRouting(t *testing.T, rs *ReplicaSet) {
	p, _ := replicaProxy(t, rs, nil)
	ctx := testCtx(t, 30*time.Second)
	conn := p.MustConnect(t, Alice)
	defer conn.Close(ctx)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		for sql, replica := range map[string]bool{
			"select pg_is_in_recovery()":                                                                      true,
			"SELECT pg_is_in_recovery() FROM pgbench_branches WHERE bid = 1":                                  true,
			"select pg_is_in_recovery() from pgbench_branches where bid = 1 for update":                       false,
			"select pg_is_in_recovery() from (select nextval('rp_seq')) s":                                    false,
			"with w as (insert into rp_writes default values returning id) select pg_is_in_recovery() from w": false,
		} {
			if got := inRecovery(ctx, t, conn, sql, mode); got != replica {
				t.Errorf("%q (mode %v): in recovery %v, want %v", sql, mode, got, replica)
			}
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rec bool
	if err := tx.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&rec); err != nil || rec {
		t.Errorf("a read inside BEGIN ... COMMIT: in recovery %v (%v), want the primary", rec, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "insert into rp_writes default values"); err != nil {
		t.Errorf("a write through pgdogd: %v", err)
	}
	// The client chooses: a comment for one statement, pgdog.role for its session.
	simple := pgx.QueryExecModeSimpleProtocol
	if inRecovery(ctx, t, conn, "/* pgdog_role: primary */ select pg_is_in_recovery()", simple) {
		t.Errorf("a read with /* pgdog_role: primary */ went to a replica")
	}
	for _, step := range []struct {
		set     string
		replica bool
	}{{"SET pgdog.role TO 'primary'", false}, {"RESET pgdog.role", true}} {
		if _, err := conn.Exec(ctx, step.set, simple); err != nil {
			t.Fatalf("%s: %v", step.set, err)
		}
		// The first read may still find the server of the SET, kept while pgdogd reads
		// the session's settings back: the next ones are routed.
		inRecovery(ctx, t, conn, "select pg_is_in_recovery()", simple)
		for range 3 {
			if got := inRecovery(ctx, t, conn, "select pg_is_in_recovery()", simple); got != step.replica {
				t.Errorf("after %s: a read in recovery %v, want %v", step.set, got, step.replica)
			}
		}
	}
}

// settledCommits reads pg_stat_database.xact_commit of TestDatabase on each cluster once
// it stopped moving (PostgreSQL reports a backend's counts about a second after it goes
// idle, or when it exits).
func settledCommits(t *testing.T, cs ...*Cluster) []int64 {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	out := make([]int64, len(cs))
	for i, c := range cs {
		n, err := c.XactCommitSettled(ctx, SettleQuiet)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = n
	}
	return out
}

// testReplicaSpread: pgbench -S through pgdogd with round_robin spreads its
// transactions evenly over the two replicas (the primary's share is checked by Routing:
// its counts move with the fixture's own writes).
func testReplicaSpread(t *testing.T, rs *ReplicaSet) {
	// No health checks during the count: each one's login is a commit on the replica.
	p, _ := replicaProxy(t, rs, func(g *General) { g.HealthcheckInterval = 600000 })
	all := rs.Replicas
	before := settledCommits(t, all...)
	ctx := testCtx(t, 60*time.Second)
	res, out, err := p.Pgbench(ctx, Alice, "-n", "-S", "-M", "simple", "-c", "8", "-j", "2", "-T", "4")
	if err != nil {
		t.Fatalf("pgbench -S through pgdogd: %v\n%s", err, out)
	}
	_ = p.Signal(syscall.SIGTERM) // its servers' backends exit and report their counts
	if _, err := p.Wait(10 * time.Second); err != nil {
		t.Fatalf("pgdogd did not stop: %v", err)
	}
	after := settledCommits(t, all...)
	d := []int64{after[0] - before[0], after[1] - before[1]}
	t.Logf("pgbench -S: %d transactions (%.0f tps); xact_commit deltas on the replicas %d and %d", res.Processed, res.TPS, d[0], d[1])
	even := float64(d[0]+d[1]) / 2
	for i, n := range d {
		if dev := (float64(n) - even) / even; dev > 0.2 || dev < -0.2 {
			t.Errorf("replica %d: %d transactions, %.0f%% off an even share of %.0f", i, n, 100*dev, even)
		}
	}
	if d[0]+d[1] < res.Processed {
		t.Errorf("the replicas committed %d transactions, pgbench ran %d", d[0]+d[1], res.Processed)
	}
}

// poolRow finds the SHOW POOLS row of the pool on port.
func poolRow(t *testing.T, admin *pgx.Conn, port int) map[string]string {
	t.Helper()
	res := mustConsole(t, admin, "SHOW POOLS")
	row, ok := res.find("user", Alice.User, "port", fmt.Sprint(port))
	if !ok {
		t.Fatalf("no SHOW POOLS row for alice on port %d: %v", port, res.rows)
	}
	return row
}

// waitBanned waits until the pool on port is banned (or not) and returns when it saw it.
func waitBanned(t *testing.T, admin *pgx.Conn, port int, banned bool, limit time.Duration) time.Time {
	t.Helper()
	want := map[bool]string{true: "t", false: "f"}[banned]
	waitUntil(t, limit, fmt.Sprintf("the replica on port %d banned=%v", port, banned), func() bool {
		return poolRow(t, admin, port)["banned"] == want
	})
	return time.Now()
}

// readLoad runs a read on each of clients connections in a loop until stop, each client
// reconnecting after an error; it records when each error happened.
type readLoad struct {
	mu     sync.Mutex
	errs   []time.Time
	reads  atomic.Int64
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func startReadLoad(t *testing.T, p *Proxy, clients int) *readLoad {
	ctx, cancel := context.WithCancel(context.Background())
	l := &readLoad{cancel: cancel}
	for c := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var conn *pgx.Conn
			defer func() {
				if conn != nil {
					conn.Close(context.Background())
				}
			}()
			for i := 0; ctx.Err() == nil; i++ {
				if conn == nil {
					var err error
					if conn, err = p.Connect(ctx, Alice); err != nil {
						continue
					}
				}
				var v int64
				err := conn.QueryRow(ctx, "select abalance from pgbench_accounts where aid = $1",
					pgx.QueryExecModeSimpleProtocol, 1+(c*1000+i)%100000).Scan(&v)
				switch {
				case err == nil:
					l.reads.Add(1)
				case ctx.Err() == nil && !errors.Is(err, context.Canceled):
					l.mu.Lock()
					l.errs = append(l.errs, time.Now())
					l.mu.Unlock()
					conn.Close(context.Background())
					conn = nil
				}
			}
		}()
	}
	return l
}

// stop ends the load and returns the errors' times.
func (l *readLoad) stop() []time.Time {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs
}

// testReplicaDown: stopping a replica under 16 clients of reads costs at most the reads
// in flight on it, then none while it is banned; once it is back it is unbanned within
// ban_timeout and a check.
func testReplicaDown(t *testing.T, rs *ReplicaSet) {
	const clients = 16
	p, admin := replicaProxy(t, rs, nil)
	victim := rs.Replicas[0]
	load := startReadLoad(t, p, clients)
	waitUntil(t, 10*time.Second, "reads to flow", func() bool { return load.reads.Load() > 500 })
	stopAt := time.Now()
	if err := victim.Stop(); err != nil {
		load.stop()
		t.Fatalf("cannot stop the replica: %v", err)
	}
	bannedAt := waitBanned(t, admin, victim.Port, true, 10*time.Second)
	readsAtBan := load.reads.Load()
	waitUntil(t, 10*time.Second, "reads to go on while it is banned", func() bool { return load.reads.Load() > readsAtBan+1000 })
	restartAt := time.Now()
	if err := victim.Start(); err != nil {
		load.stop()
		t.Fatalf("cannot start the replica again: %v", err)
	}
	unbannedAt := waitBanned(t, admin, victim.Port, false, 20*time.Second)
	errs := load.stop()
	late := 0
	for _, at := range errs {
		if at.After(bannedAt) {
			late++
		}
	}
	t.Logf("timeline: replica stopped at 0, %d errors, banned after %v (seen by SHOW POOLS), restarted at %v, unbanned %v later; %d reads in all",
		len(errs), bannedAt.Sub(stopAt).Round(time.Millisecond), restartAt.Sub(stopAt).Round(time.Millisecond),
		unbannedAt.Sub(restartAt).Round(time.Millisecond), load.reads.Load())
	if len(errs) > clients {
		t.Errorf("%d reads failed; at most the %d in flight may", len(errs), clients)
	}
	if late > 0 {
		t.Errorf("%d reads failed after the replica was banned", late)
	}
	if limit := time.Duration(replicaBanMs+3*replicaCheckMs)*time.Millisecond + 2*time.Second; unbannedAt.Sub(restartAt) > limit {
		t.Errorf("unbanned %v after the restart, want within ban_timeout and a check (%v with the restart)", unbannedAt.Sub(restartAt), limit)
	}
	rs.WaitCaughtUp(t, 30*time.Second)
}

// testReplicaLag: a replica whose replay is paused past ban_replica_lag is banned for
// lag, and unbanned once it caught up.
func testReplicaLag(t *testing.T, rs *ReplicaSet) {
	p, admin := replicaProxy(t, rs, func(g *General) { g.BanReplicaLag = 500 })
	_ = p
	lagging := rs.Replicas[1]
	rs.PauseReplay(t, 1)
	ctx := testCtx(t, 30*time.Second)
	conn := rs.Primary.MustConnect(t, Alice)
	defer conn.Close(ctx)
	deadline := time.Now().Add(15 * time.Second)
	banned := false
	for !banned && time.Now().Before(deadline) {
		if _, err := conn.Exec(ctx, "insert into rp_writes default values"); err != nil {
			t.Fatal(err)
		}
		row := poolRow(t, admin, lagging.Port)
		banned = row["banned"] == "t"
		if banned && !strings.Contains(row["ban_reason"], "lag") {
			t.Errorf("banned for %q, want replication lag", row["ban_reason"])
		}
		time.Sleep(50 * time.Millisecond) // writes spaced out: the lag grows in time as in bytes
	}
	if !banned {
		t.Fatalf("the replica with replay paused was not banned within 15 s: %v", poolRow(t, admin, lagging.Port))
	}
	if !poolRowBanned(t, admin, rs.Replicas[0].Port, false) {
		t.Errorf("the replica that keeps up was banned too")
	}
	rs.ResumeReplay(t, 1)
	waitBanned(t, admin, lagging.Port, false, 10*time.Second)
}

// poolRowBanned reports whether the pool on port shows banned as asked.
func poolRowBanned(t *testing.T, admin *pgx.Conn, port int, banned bool) bool {
	return poolRow(t, admin, port)["banned"] == map[bool]string{true: "t", false: "f"}[banned]
}

// testReplicasAllDown: with every replica down, reads go to the primary without errors
// once the replicas are banned.
func testReplicasAllDown(t *testing.T, rs *ReplicaSet) {
	p, admin := replicaProxy(t, rs, nil)
	ctx := testCtx(t, 30*time.Second)
	for _, r := range rs.Replicas {
		if err := r.Stop(); err != nil {
			t.Fatalf("cannot stop a replica: %v", err)
		}
	}
	t.Cleanup(func() {
		for _, r := range rs.Replicas {
			if err := r.Start(); err != nil {
				t.Errorf("cannot start a replica again: %v", err)
			}
		}
	})
	conn := p.MustConnect(t, Alice)
	defer conn.Close(ctx)
	// The first reads may find a replica not banned yet: a dead server or a refused login bans it.
	for _, r := range rs.Replicas {
		deadline := time.Now().Add(10 * time.Second)
		for !poolRowBanned(t, admin, r.Port, true) && time.Now().Before(deadline) {
			_, _ = conn.Exec(ctx, "select 1", pgx.QueryExecModeSimpleProtocol)
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i := range 50 {
		if rec := inRecovery(ctx, t, conn, "select pg_is_in_recovery()", pgx.QueryExecModeSimpleProtocol); rec {
			t.Fatalf("read %d went to a replica with every replica banned", i)
		}
	}
}

// testReplicaAggressive: with read_write_strategy = "aggressive", a transaction is routed by
// its first statement after BEGIN: one that starts with a read runs on a replica, one that
// starts with a write on the primary; with "conservative" both run on the primary.
func testReplicaAggressive(t *testing.T, rs *ReplicaSet) {
	for _, strategy := range []string{"aggressive", "conservative"} {
		p, _ := replicaProxy(t, rs, func(g *General) { g.ReadWriteStrategy = strategy })
		ctx := testCtx(t, 30*time.Second)
		conn := p.MustConnect(t, Alice)
		for _, tc := range []struct {
			first   string
			replica bool
		}{
			{"select abalance from pgbench_accounts where aid = 1", strategy == "aggressive"},
			{"insert into rp_writes default values", false},
		} {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, tc.first); err != nil {
				t.Fatalf("%s: %s: %v", strategy, tc.first, err)
			}
			var rec bool
			if err := tx.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&rec); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatalf("%s: COMMIT after %s: %v", strategy, tc.first, err)
			}
			if rec != tc.replica {
				t.Errorf("%s: a transaction starting with %q ran in recovery %v, want %v", strategy, tc.first, rec, tc.replica)
			}
		}
		// A held BEGIN the client ends at once, and a second BEGIN, behave as on PostgreSQL.
		if _, err := conn.Exec(ctx, "BEGIN", pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "ROLLBACK", pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: ROLLBACK of an empty transaction: %v", strategy, err)
		}
		conn.Close(ctx)
	}
}
