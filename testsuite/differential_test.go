// Differential protocol test: the same scripted clients against PostgreSQL directly and through pgdogd must receive the same messages.

package testsuite

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// diffClients clients share a pool of diffPoolSize servers in TestDifferential.
	diffClients  = 6
	diffPoolSize = 2
	diffSteps    = 40
	// diffMaxClients bounds the fuzzer's client count: one table each.
	diffMaxClients = 8
	// diffLimit bounds every read and write; above checkout_timeout (5 s) so that a client
	// starved of servers shows pgdogd's error rather than our timeout.
	diffLimit = 8 * time.Second
)

// diffRuns are TestDifferential's fixed runs: every feature, then without splits (which
// break today's pgdogd so early that little else is seen), then plain traffic only.
var diffRuns = []struct {
	name     string
	seed     uint64
	features DiffFeature
}{
	{"all", 69, DiffAll},
	{"no-splits", 214, DiffAll &^ DiffSplits},
	{"plain", 13, 0},
}

// TestDifferential plays fixed-seed scripts against PostgreSQL twice (the two transcripts
// must be identical: the scripts are deterministic and the normalisation sound), then
// through pgdogd with a pool smaller than the client count, and compares per client.
func TestDifferential(t *testing.T) {
	cov := &DiffCoverage{}
	start := time.Now()
	for _, run := range diffRuns {
		t.Run(fmt.Sprintf("%s/seed=%d", run.name, run.seed), func(t *testing.T) {
			o := DiffOptions{Clients: diffClients, Steps: diffSteps, Features: run.features}
			runDifferential(t, run.seed, o, diffPoolSize, cov)
		})
	}
	t.Logf("coverage in %v: %s", time.Since(start).Round(time.Millisecond), cov)
}

// FuzzDifferential takes the seed, client count, steps per client and feature set from the
// fuzz input; pgdogd's pool is a third of the clients.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(func(t *testing.T, seed uint64, clients, steps, features uint8) {
		o := DiffOptions{
			Clients:  2 + int(clients)%(diffMaxClients-1),
			Steps:    5 + int(steps)%60,
			Features: DiffFeature(features) & DiffAll,
		}
		cov := &DiffCoverage{}
		runDifferential(t, seed, o, max(1, o.Clients/3), cov)
		t.Logf("options %+v, coverage: %s", o, cov)
	})
}

// runDifferential generates the scripts of seed, checks the direct side is reproducible and
// compares the run through pgdogd with it.
func runDifferential(t *testing.T, seed uint64, o DiffOptions, poolSize int, cov *DiffCoverage) {
	createDiffTables(t)
	scripts := GenerateDiffScripts(seed, o)
	cov.Add(seed, scripts)
	first := runDiffAgainst(t, shared.Addr(), scripts)
	second := runDiffAgainst(t, shared.Addr(), scripts)
	for i, sc := range scripts {
		if first[i].Failed {
			t.Fatalf("seed %d: direct run of client %d failed (harness or script bug): %s", seed, i, first[i].End)
		}
		if d := CompareDiffTranscripts(sc, first[i], second[i], "direct1", "direct2"); d != "" {
			t.Fatalf("seed %d: two direct runs differ (harness or script bug):\n%s", seed, d)
		}
	}
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = poolSize
	p := StartProxy(t, cfg)
	got := runDiffAgainst(t, p.Addr(), scripts)
	diffs := 0
	for i, sc := range scripts {
		if d := CompareDiffTranscripts(sc, first[i], got[i], "direct", "pgdogd"); d != "" {
			diffs++
			t.Errorf("seed %d: %s", seed, d)
		}
		if leaks := DiffLeaks(got[i]); len(leaks) > 0 {
			t.Errorf("seed %d: client %d saw pgdogd's statement names:\n      %s", seed, i, strings.Join(leaks, "\n      "))
		}
	}
	t.Logf("seed %d: %d of %d clients differ", seed, diffs, len(scripts))
	stopDiffProxy(t, p)
}

// stopDiffProxy kills pgdogd at once: a graceful stop would wait shutdown_timeout for any
// server a defect left linked, and the next run must start with its servers gone.
func stopDiffProxy(t *testing.T, p *Proxy) {
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("pgdogd exited before the end of the run: %v", err)
		return
	}
	if _, err := p.Wait(10 * time.Second); err != nil {
		t.Errorf("pgdogd did not exit after SIGKILL: %v", err)
	}
}

// runDiffAgainst resets the tables and plays the scripts against addr as alice.
func runDiffAgainst(t *testing.T, addr string, scripts []DiffScript) []DiffTranscript {
	t.Helper()
	resetDiffTables(t)
	return RunDiffScripts(addr, Alice, scripts, diffLimit)
}

// createDiffTables creates diff_t0.. once per cluster (they outlive the test, so their OIDs,
// which RowDescription carries, are the same in every run).
func createDiffTables(t *testing.T) {
	t.Helper()
	var stmts []string
	for i := range diffMaxClients {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL DEFAULT 0)", diffTable(i)))
	}
	diffExec(t, stmts)
}

// resetDiffTables gives every table the same ten rows. A lock still held by a session of the
// previous run makes it wait, at most lock_timeout.
func resetDiffTables(t *testing.T) {
	t.Helper()
	stmts := []string{"SET lock_timeout = '10s'"}
	var names []string
	for i := range diffMaxClients {
		names = append(names, diffTable(i))
	}
	stmts = append(stmts, "TRUNCATE "+strings.Join(names, ", "))
	for _, n := range names {
		stmts = append(stmts, "INSERT INTO "+n+" SELECT g, 'seed' || g, g FROM generate_series(1, 10) g")
	}
	diffExec(t, stmts)
}

func diffExec(t *testing.T, stmts []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := shared.Connect(ctx, Alice)
	if err != nil {
		t.Fatalf("cannot connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if err := execAll(ctx, conn, stmts); err != nil {
		t.Fatal(err)
	}
}
