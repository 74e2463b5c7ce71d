// Mirroring under change and trouble: runtime exposure (SET, RELOAD), a locked mirror, a mirror past mirror_timeout, a stopped mirror.

package testsuite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// countPhase counts mt_runtime rows of one phase on c.
func countPhase(t *testing.T, c *Cluster, phase string) int64 {
	t.Helper()
	return countRows(t, c, "select count(*) from mt_runtime where phase = $1", phase)
}

// runtimePhase inserts n rows of phase on conn, waits for the mirrors to drain and checks
// that each mirror received want rows of that phase and that SHOW MIRRORS shows exposure x.
func runtimePhase(t *testing.T, s *mirrorSet, p *Proxy, conn, admin *pgx.Conn, phase string, n int, want int64, x float64) {
	t.Helper()
	insertRows(t, conn, n, "insert into mt_runtime(phase) values ($1)", phase)
	rows := s.waitDrained(t, p, admin, 20*time.Second)
	if got := countPhase(t, s.source, phase); got != int64(n) {
		t.Errorf("source has %d rows of phase %s, want %d", got, phase, n)
	}
	for name, c := range s.mirrors() {
		if got := countPhase(t, c, phase); got != want {
			t.Errorf("phase %s: %s has %d rows, want %d", phase, name, got, want)
		}
		if r := rows[name]; r.Exposure != x {
			t.Errorf("phase %s: %s shows exposure %v, want %v", phase, name, r.Exposure, x)
		}
	}
}

// testMirrorRuntimeExposure: SET mirror_exposure and RELOAD change what an already
// connected client mirrors; a broken file is refused and changes nothing.
func testMirrorRuntimeExposure(t *testing.T, s *mirrorSet) {
	cfg := mirrorConfig(t, s)
	cfg.General.MirrorQueue = 1000
	for i := range cfg.Mirroring {
		cfg.Mirroring[i].Exposure = float64p(1)
	}
	p := StartProxy(t, cfg)
	admin := p.MustConnect(t, adminLogin)
	conn := p.MustConnect(t, Alice) // opened before any change, used throughout
	const n = 20
	runtimePhase(t, s, p, conn, admin, "before", n, n, 1)

	mustAdmin(t, admin, "SET mirror_exposure TO '0'")
	runtimePhase(t, s, p, conn, admin, "set0", n, 0, 0)
	mustAdmin(t, admin, "SET mirror_exposure TO '1'")
	runtimePhase(t, s, p, conn, admin, "set1", n, n, 1)

	for i := range cfg.Mirroring {
		cfg.Mirroring[i].Exposure = float64p(0)
	}
	rewriteProxyConfig(t, p, cfg)
	mustAdmin(t, admin, "RELOAD")
	runtimePhase(t, s, p, conn, admin, "reload0", n, 0, 0)

	// A file that would set exposure 1 but has an error: RELOAD fails, exposure stays 0.
	for i := range cfg.Mirroring {
		cfg.Mirroring[i].Exposure = float64p(1)
	}
	rewriteProxyConfig(t, p, cfg)
	path := filepath.Join(p.Dir, "pgdog.toml")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(append([]byte{}, good...), "\n[general\nbroken = \n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	err = adminExec(admin, "RELOAD")
	if err == nil {
		t.Error("RELOAD of a broken pgdog.toml succeeded")
	} else {
		t.Logf("RELOAD of a broken file: %v", err)
	}
	runtimePhase(t, s, p, conn, admin, "broken", n, 0, 0)

	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	mustAdmin(t, admin, "RELOAD")
	runtimePhase(t, s, p, conn, admin, "reload1", n, n, 1)
}

// mustAdmin runs an admin console command and fails t on error.
func mustAdmin(t *testing.T, admin *pgx.Conn, cmd string) {
	t.Helper()
	if err := adminExec(admin, cmd); err != nil {
		t.Fatalf("admin %q: %v", cmd, err)
	}
}

// rssSampler records the highest VmRSS of a process until stopped.
type rssSampler struct {
	stop chan struct{}
	done chan struct{}
	max  int64 // KiB; read after Stop
	err  error
}

func sampleRSS(pid int) *rssSampler {
	r := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			kb, err := rssKB(pid)
			if err != nil {
				r.err = err
				return
			}
			r.max = max(r.max, kb)
			select {
			case <-r.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return r
}

// Stop ends sampling and returns the highest RSS seen, in KiB.
func (r *rssSampler) Stop() (int64, error) {
	close(r.stop)
	<-r.done
	return r.max, r.err
}

// rssLimitKB is the bound on pgdogd's resident memory while a mirror is held up.
const rssLimitKB = 200 << 10

// testMirrorLocked: a lock on mirror1's table stalls its replay; the source is unaffected,
// drops are counted as queue full, memory stays bounded, and mirroring resumes after.
func testMirrorLocked(t *testing.T, s *mirrorSet) {
	cfg := mirrorConfig(t, s)
	cfg.General.MirrorExposure = float64p(1.0)
	cfg.General.MirrorQueue = 16 // mirror1's queues: the lock fills them
	// mirror2 is not locked: its queues hold the whole run, so that only a
	// failure of the isolation between mirrors, not a slow replay on a loaded
	// machine, can make it drop.
	cfg.Mirroring[1].QueueLength = 4096
	p := StartProxy(t, cfg)
	admin := p.MustConnect(t, adminLogin)
	ctx := testCtx(t, 90*time.Second)
	holder := s.m1.MustConnect(t, Alice)
	if _, err := holder.Exec(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, "lock table mt_hold in access exclusive mode"); err != nil {
		t.Fatal(err)
	}
	rss := sampleRSS(p.PID())
	script := pgbenchScript(t, "insert into mt_hold(v) values (:client_id);")
	res, out, err := p.Pgbench(ctx, Alice, "-n", "-c", "8", "-j", "2", "-T", "4", "-R", "300", "-f", script)
	maxKB, rssErr := rss.Stop()
	if err != nil {
		t.Fatalf("source pgbench with a locked mirror: %v\n%s", err, out)
	}
	if rssErr != nil {
		t.Fatal(rssErr)
	}
	held := mustShowMirrors(t, admin)
	m1 := held[mirrorDB1]
	if c1, c2 := m1.QueueCapacity, held[mirrorDB2].QueueCapacity; c1 != 16 || c2 != 4096 {
		t.Fatalf("queue capacities %d and %d, want 16 (mirror_queue) and 4096 (mirror2's queue_length)", c1, c2)
	}
	t.Logf("locked: pgbench %d processed, %d failed, %.0f tps; %s %+v; max RSS %d KiB", res.Processed, res.Failed, res.TPS, mirrorDB1, m1, maxKB)
	if m1.DropQueueFull == 0 || m1.Dropped != m1.DropQueueFull {
		t.Errorf("%s while locked: %+v, want drops for queue full only", mirrorDB1, m1)
	}
	if maxKB > rssLimitKB {
		t.Errorf("pgdogd's RSS reached %d KiB, limit %d KiB", maxKB, rssLimitKB)
	}
	if _, err := holder.Exec(ctx, "rollback"); err != nil {
		t.Fatal(err)
	}
	rows := s.waitDrained(t, p, admin, 30*time.Second)
	r1 := rows[mirrorDB1]
	arrived := countRows(t, s.m1, "select count(*) from mt_hold")
	t.Logf("after the lock: %d rows arrived on %s; %+v", arrived, mirrorDB1, r1)
	if arrived != r1.Mirrored || r1.Mirrored == 0 || r1.Errors != 0 || r1.Dropped != m1.Dropped {
		t.Errorf("%s after the lock: %d rows for %+v; want the queued transactions replayed, one row each, no errors, no new drops",
			mirrorDB1, arrived, r1)
	}
	if r := rows[mirrorDB2]; r.Mirrored != r.Total || r.Dropped != 0 {
		t.Errorf("%s (not locked): %+v, want everything mirrored", mirrorDB2, r)
	}
	expectMirroredAgain(t, s, p, admin, s.m1, mirrorDB1, "mt_hold")
}

// testMirrorTimeout: with mirror_timeout at 1 s, replays stuck behind a lock on mirror1
// give up after about that long, each counted as an error, without marking the mirror
// down; once the lock is gone the next transactions are mirrored on fresh connections.
func testMirrorTimeout(t *testing.T, s *mirrorSet) {
	const timeout = time.Second
	t.Setenv("PGDOG_MIRROR_TIMEOUT", strconv.Itoa(int(timeout.Milliseconds()))) // inherited by pgdogd
	p, _ := startMirrorProxy(t, s, 1.0, 1000)
	admin := p.MustConnect(t, adminLogin)
	ctx := testCtx(t, 60*time.Second)
	holder := s.m1.MustConnect(t, Alice)
	if _, err := holder.Exec(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, "lock table mt_timeout in access exclusive mode"); err != nil {
		t.Fatal(err)
	}
	conn := p.MustConnect(t, Alice)
	start := time.Now()
	insertRows(t, conn, 2, "insert into mt_timeout(v) values (1)")
	var r mirrorRow
	if !waitFor(20*time.Second, func() bool { r = mustShowMirrors(t, admin)[mirrorDB1]; return r.Errors >= 2 }) {
		t.Fatalf("%s: replays behind the lock did not time out: %+v", mirrorDB1, r)
	}
	elapsed := time.Since(start)
	t.Logf("%s: two replays timed out in %v: %+v", mirrorDB1, elapsed.Round(time.Millisecond), r)
	if elapsed < 2*timeout {
		t.Errorf("two replays gave up after %v in all, before 2 x mirror_timeout (%v)", elapsed, timeout)
	}
	if r.Errors != 2 || r.Dropped != 0 || r.Mirrored != 0 {
		t.Errorf("%s after the timeouts: %+v, want 2 errors, nothing dropped or mirrored", mirrorDB1, r)
	}
	if _, err := holder.Exec(ctx, "rollback"); err != nil {
		t.Fatal(err)
	}
	expectMirroredAgain(t, s, p, admin, s.m1, mirrorDB1, "mt_timeout")
	if r := mustShowMirrors(t, admin)[mirrorDB1]; r.Errors != 2 {
		t.Errorf("%s after the lock: %+v, want no error beyond the 2 timeouts", mirrorDB1, r)
	}
	if r := mustShowMirrors(t, admin)[mirrorDB2]; r.Mirrored != r.Total || r.Errors != 0 {
		t.Errorf("%s (not locked): %+v, want everything mirrored", mirrorDB2, r)
	}
}

// expectMirroredAgain runs new transactions through p and checks that all reach dest.
func expectMirroredAgain(t *testing.T, s *mirrorSet, p *Proxy, admin *pgx.Conn, dest *Cluster, name, table string) {
	t.Helper()
	// Fewer transactions than the smallest queue the callers use (16): however
	// slowly the mirror replays them, none can be dropped for a full queue.
	const n = 12
	before := mustShowMirrors(t, admin)[name]
	conn := p.MustConnect(t, Alice)
	insertRows(t, conn, n, fmt.Sprintf("insert into %s(v) values (-1)", table))
	after := s.waitDrained(t, p, admin, 20*time.Second)[name]
	got := countRows(t, dest, fmt.Sprintf("select count(*) from %s where v = -1", table))
	if got != n || after.Mirrored-before.Mirrored != n || after.Dropped != before.Dropped {
		t.Errorf("%s after recovery: %d of %d new rows arrived; mirrored %d -> %d, dropped %d -> %d",
			name, got, n, before.Mirrored, after.Mirrored, before.Dropped, after.Dropped)
	}
	if got := countRows(t, s.source, fmt.Sprintf("select count(*) from %s where v = -1", table)); got != n {
		t.Errorf("source has %d new rows, want %d", got, n)
	}
}

// testMirrorStopped: with mirror2's cluster stopped the source keeps working and drops are
// counted as mirror unavailable; once it is started again, mirroring resumes within seconds.
func testMirrorStopped(t *testing.T, s *mirrorSet) {
	p, _ := startMirrorProxy(t, s, 1.0, 1000)
	admin := p.MustConnect(t, adminLogin)
	ctx := testCtx(t, 90*time.Second)
	// Warm the mirror pools so that pgdogd holds connections that the stop breaks.
	warm := p.MustConnect(t, Alice)
	insertRows(t, warm, 5, "insert into mt_down(v) values (0)")
	s.waitDrained(t, p, admin, 10*time.Second)
	if err := s.m2.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			if err := s.m2.Start(); err != nil {
				t.Errorf("cannot restart %s: %v", mirrorDB2, err)
			}
		}
	}()
	script := pgbenchScript(t, "insert into mt_down(v) values (:client_id);")
	res, out, err := p.Pgbench(ctx, Alice, "-n", "-c", "8", "-j", "2", "-T", "3", "-R", "200", "-f", script)
	if err != nil {
		t.Fatalf("source pgbench with a stopped mirror: %v\n%s", err, out)
	}
	down := s.waitDrained(t, p, admin, 20*time.Second)
	t.Logf("stopped: pgbench %d processed; %s %+v; %s %+v", res.Processed, mirrorDB2, down[mirrorDB2], mirrorDB1, down[mirrorDB1])
	if r := down[mirrorDB2]; r.DropUnavailable == 0 || r.DropQueueFull != 0 || r.DropExposure != 0 {
		t.Errorf("%s while stopped: %+v, want drops for mirror unavailable", mirrorDB2, r)
	}
	if r := down[mirrorDB1]; r.Mirrored != r.Total || r.Dropped != 0 {
		t.Errorf("%s (running): %+v, want everything mirrored", mirrorDB1, r)
	}
	if err := s.m2.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	start := time.Now()
	if !waitResumed(t, s, p, admin) {
		t.Fatalf("%s: no transaction mirrored within %v of the restart: %+v", mirrorDB2, waitLimit, mustShowMirrors(t, admin)[mirrorDB2])
	}
	t.Logf("%s mirrored again %v after its restart", mirrorDB2, time.Since(start).Round(time.Millisecond))
	expectMirroredAgain(t, s, p, admin, s.m2, mirrorDB2, "mt_down")
}

// waitResumed sends marked transactions through p, each waited for until pgdogd has
// settled it (mirrored, dropped or failed on mirror2; see waitDrained), until one is
// mirrored to mirror2, for at most waitLimit; that row must then be on mirror2. (After a
// failure pgdogd drops a mirror's transactions for a second: probing is the only way to
// see it take them again.)
func waitResumed(t *testing.T, s *mirrorSet, p *Proxy, admin *pgx.Conn) bool {
	t.Helper()
	conn := p.MustConnect(t, Alice)
	i := 0
	return waitFor(waitLimit, func() bool {
		i++
		before := mustShowMirrors(t, admin)[mirrorDB2].Mirrored
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "insert into mt_down(v) values ($1)", 1000+i); err != nil {
			t.Fatalf("insert through pgdogd after the restart: %v", err)
		}
		if s.waitDrained(t, p, admin, waitLimit)[mirrorDB2].Mirrored == before {
			return false
		}
		if n := countRows(t, s.m2, "select count(*) from mt_down where v = $1", 1000+i); n != 1 {
			t.Fatalf("%s: mirrored_count grew for the row v = %d, which it has %d times", mirrorDB2, 1000+i, n)
		}
		return true
	})
}
