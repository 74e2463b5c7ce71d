// mirror_memory_test.go: mirroring's process-wide memory bound (mirror_memory_limit): a locked mirror under large transactions, pgdogd's RSS, drops for memory, and the memory given back once the mirror recovers.

package testsuite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	memDest    = "mem_mirror"
	memLimit   = 64 << 20  // mirror_memory_limit
	memTxnCap  = 512 << 10 // the buffer one transaction is held in
	memClients = 8
	memTxns    = 40 // per client while the mirror is locked: 160 MiB of transactions, 2.5 times the limit
	// memMargin is how far above its baseline pgdogd's RSS may stay once the mirror recovered:
	// an eighth of the limit (the buffers held while locked would be the whole limit).
	memMargin = memLimit / 8
)

// memSQL is one transaction: a Query of 500 KiB, recorded in a 512 KiB buffer.
var memSQL = "insert into mt_mem(note) values ('" + strings.Repeat("x", 500<<10) + "')"

// TestMirrorMemory: with the mirror's table locked, clients send large transactions; the
// mirror queues hold at most mirror_memory_limit (the rest is dropped as memory), the source
// never waits, pgdogd's RSS stays within its baseline plus the limit and 10 %, and once the
// lock is gone the held transactions are replayed and the RSS falls back.
func TestMirrorMemory(t *testing.T) {
	t.Setenv("GOTRACEBACK", "all") // inherited by pgdogd
	dest := StartCluster(t)
	for _, c := range []*Cluster{shared, dest} {
		createMemTable(t, c)
	}
	cfg := memoryConfig(dest)
	p := StartProxyWith(t, cfg, nil, fmt.Sprintf("mirror_memory_limit = %d", memLimit))
	admin := p.MustConnect(t, adminLogin)
	clients := make([]*pgx.Conn, memClients)
	for i := range clients {
		clients[i] = p.MustConnect(t, Alice)
	}
	for _, c := range clients { // warm-up: one transaction per client, mirrored at once
		if err := runMemTxns(c, 1); err != nil {
			t.Fatal(err)
		}
	}
	warm := waitMemDrained(t, admin, 30*time.Second)
	baseline := steadyRSS(t, p.PID())
	rss := startRSSSeries(t, p.PID())
	holder := lockMemTable(t, dest)
	loadMem(t, clients)
	held := memRow(t, admin)
	lockedPeak := rss.mark("load done")
	checkHeld(t, warm, held)
	checkRSS(t, "while the mirror was locked", lockedPeak, baseline, memLimit+memLimit/10)
	if _, err := holder.Exec(testCtx(t, 10*time.Second), "rollback"); err != nil {
		t.Fatal(err)
	}
	rss.mark("unlocked")
	after := waitMemDrained(t, admin, 30*time.Second)
	rss.mark("drained")
	checkReplayed(t, dest, held, after)
	settled := rss.waitBelow(baseline+memMargin>>10, 60*time.Second)
	rss.mark("settled")
	t.Logf("RSS (KiB) from the lock on, baseline %d:\n%s", baseline, rss.String())
	checkRSS(t, "a minute after the mirror recovered", settled, baseline, memMargin)
	checkReload(t, p, cfg, admin, clients[0])
}

// checkReload lowers mirror_memory_limit to 256 KiB by RELOAD: a 500 KiB transaction no
// longer fits and is dropped as memory, while a small one is still mirrored.
func checkReload(t *testing.T, p *Proxy, cfg ProxyConfig, admin, client *pgx.Conn) {
	t.Helper()
	rewriteProxyConfig(t, p, cfg)
	if err := addGeneralLines(filepath.Join(p.Dir, "pgdog.toml"), []string{"mirror_memory_limit = 262144"}); err != nil {
		t.Fatal(err)
	}
	mustAdmin(t, admin, "RELOAD")
	before := memRow(t, admin)
	if err := runMemTxns(client, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Exec(testCtx(t, 10*time.Second), "insert into mt_mem(note) values ('small')"); err != nil {
		t.Fatal(err)
	}
	after := waitMemDrained(t, admin, 30*time.Second)
	if after.DropMemory-before.DropMemory != 1 || after.Mirrored-before.Mirrored != 1 {
		t.Errorf("after RELOAD with a 256 KiB limit: %+v, then %+v; want the large transaction dropped as memory, the small one mirrored", before, after)
	}
	p.waitLog(t, `msg="mirror memory limit" bytes=262144`) // the output comes through a pipe
}

// memoryConfig is DefaultConfig mirroring TestDatabase to dest for alice, with an admin console.
func memoryConfig(dest *Cluster) ProxyConfig {
	cfg := DefaultConfig(shared)
	cfg.Users = cfg.Users[:1] // alice only: a mirrored user needs a pool on the mirror
	cfg.Databases = append(cfg.Databases, Database{Name: memDest, Host: dest.Host, Port: dest.Port, DatabaseName: TestDatabase})
	cfg.Users = append(cfg.Users, User{Name: Alice.User, Database: memDest, Password: Alice.Password, PoolSize: 10})
	cfg.Mirroring = []Mirror{{SourceDB: TestDatabase, DestinationDB: memDest, QueueLength: 4096}}
	cfg.General.MirrorSeed = 1
	cfg.Admin = Admin{User: adminLogin.User, Password: adminLogin.Password}
	return cfg
}

// createMemTable creates mt_mem directly on c, empty.
func createMemTable(t *testing.T, c *Cluster) {
	t.Helper()
	ctx := testCtx(t, 15*time.Second)
	conn := c.MustConnect(t, Alice)
	if err := execAll(ctx, conn, []string{"DROP TABLE IF EXISTS mt_mem",
		"CREATE TABLE mt_mem (id bigserial PRIMARY KEY, note text NOT NULL)"}); err != nil {
		t.Fatal(err)
	}
}

// lockMemTable holds an ACCESS EXCLUSIVE lock on mt_mem of c until rolled back (or t ends).
func lockMemTable(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	ctx := testCtx(t, 10*time.Second)
	holder := c.MustConnect(t, Alice)
	for _, sql := range []string{"begin", "lock table mt_mem in access exclusive mode"} {
		if _, err := holder.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	return holder
}

// runMemTxns runs n memSQL transactions on conn, each bounded by 60 s.
func runMemTxns(conn *pgx.Conn, n int) error {
	for i := range n {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		_, err := conn.PgConn().Exec(ctx, memSQL).ReadAll()
		cancel()
		if err != nil {
			return fmt.Errorf("source transaction %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

// loadMem runs memTxns transactions on every client at once; all must succeed.
func loadMem(t *testing.T, clients []*pgx.Conn) {
	t.Helper()
	start := time.Now()
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = runMemTxns(c, memTxns)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d, with the mirror locked: %v", i, err)
		}
	}
	t.Logf("source: %d transactions of %d KiB in %v with the mirror locked", len(clients)*memTxns, len(memSQL)>>10, time.Since(start).Round(time.Millisecond))
}

// checkHeld checks the mirror's counters once the load ran against the locked mirror.
func checkHeld(t *testing.T, warm, held mirrorRow) {
	t.Helper()
	holding := held.Total - held.Mirrored - held.Dropped // queued or being replayed
	t.Logf("after warm-up %+v\nlocked, after the load %+v: %d transactions held", warm, held, holding)
	if got, want := held.Total-warm.Total, int64(memClients*memTxns); got != want {
		t.Errorf("%d transactions counted while locked, want %d (every source transaction)", got, want)
	}
	if held.DropMemory == 0 || held.Dropped-warm.Dropped != held.DropMemory {
		t.Errorf("drops while locked: %+v, want drops for memory only", held)
	}
	if holding <= 0 || holding > memLimit/memTxnCap {
		t.Errorf("%d transactions held, want 1 to %d (mirror_memory_limit / %d KiB)", holding, memLimit/memTxnCap, memTxnCap>>10)
	}
}

// checkReplayed checks that what was held is replayed once the lock is gone, and nothing more.
func checkReplayed(t *testing.T, dest *Cluster, held, after mirrorRow) {
	t.Helper()
	arrived := countRows(t, dest, "select count(*) from mt_mem")
	t.Logf("drained %+v; %d rows on the mirror", after, arrived)
	holding := held.Total - held.Mirrored - held.Dropped
	if after.Mirrored-held.Mirrored != holding || after.Dropped != held.Dropped || after.Errors != 0 {
		t.Errorf("after the lock: %+v, want the %d held transactions mirrored, no new drops, no errors", after, holding)
	}
	if arrived != after.Mirrored {
		t.Errorf("%d rows on the mirror, %d transactions mirrored", arrived, after.Mirrored)
	}
}

// checkRSS checks that an RSS (KiB) stays within baseline plus bound bytes. A pgdogd built
// with the race detector has shadow memory: the bound is only reported then.
func checkRSS(t *testing.T, when string, kb, baseline int64, bound int) {
	t.Helper()
	limit := baseline + int64(bound>>10)
	t.Logf("RSS %s: %d KiB, baseline %d KiB, bound %d KiB", when, kb, baseline, limit)
	if os.Getenv("PGDOGD_RACE") == "1" {
		return
	}
	if kb > limit {
		t.Errorf("pgdogd's RSS %s reached %d KiB, above baseline %d KiB + %d KiB", when, kb, baseline, bound>>10)
	}
}

// memRow returns the SHOW MIRRORS row of alice's mirror to memDest.
func memRow(t *testing.T, admin *pgx.Conn) mirrorRow {
	t.Helper()
	rows, err := showMirrors(testCtx(t, 10*time.Second), admin)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := rows[memDest]
	if !ok {
		t.Fatalf("SHOW MIRRORS has no row for %s: %+v", memDest, rows)
	}
	return r
}

// waitMemDrained polls SHOW MIRRORS until every transaction to memDest is mirrored or
// dropped and none is queued, failing t after limit.
func waitMemDrained(t *testing.T, admin *pgx.Conn, limit time.Duration) mirrorRow {
	t.Helper()
	var r mirrorRow
	if !waitFor(limit, func() bool { r = memRow(t, admin); return r.accounted() }) {
		t.Fatalf("the mirror did not drain within %v: %+v", limit, r)
	}
	return r
}

// steadyRSS returns the median of five RSS readings 100 ms apart, in KiB.
func steadyRSS(t *testing.T, pid int) int64 {
	t.Helper()
	var kbs []int64
	for range 5 {
		kb, err := rssKB(pid)
		if err != nil {
			t.Fatal(err)
		}
		kbs = append(kbs, kb)
		time.Sleep(100 * time.Millisecond)
	}
	slices.Sort(kbs)
	return kbs[2]
}
