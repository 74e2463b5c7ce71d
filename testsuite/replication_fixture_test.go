// The replica set fixture itself: replicas stream, catch up, refuse writes, pause and resume replay, restart, and count their reads.

package testsuite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestReplicaSetFixture(t *testing.T) {
	began := time.Now()
	s := StartReplicaSet(t, 2)
	t.Logf("primary and 2 replicas streaming after %v", time.Since(began).Round(time.Millisecond))
	ctx := testCtx(t, 60*time.Second)
	primary := s.Primary.MustConnect(t, Alice)
	execOrFail(t, primary, "CREATE TABLE repl_probe (id int PRIMARY KEY, note text NOT NULL)",
		"INSERT INTO repl_probe VALUES (1, 'one')")
	s.WaitCaughtUp(t, waitLimit)
	for i := range s.Replicas {
		expectProbe(t, s, i, 1, "one")
	}

	for i, c := range append([]*Cluster{s.Primary}, s.Replicas...) {
		in, err := c.InRecovery(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := i > 0; in != want {
			t.Errorf("cluster %d (port %d): pg_is_in_recovery() = %v, want %v", i, c.Port, in, want)
		}
	}
	_, err := s.Replicas[0].MustConnect(t, Alice).Exec(ctx, "INSERT INTO repl_probe VALUES (99, 'no')")
	if got := sqlState(err); got != "25006" {
		t.Errorf("a write on a replica: error %v (SQLSTATE %q), want SQLSTATE 25006", err, got)
	}

	s.PauseReplay(t, 1)
	execOrFail(t, primary, "INSERT INTO repl_probe VALUES (2, 'two')")
	s.WaitReplicaCaughtUp(t, 0, waitLimit)
	expectProbe(t, s, 0, 2, "two")
	var lag1, lag0 int64
	waitUntil(t, waitLimit, "replica1 (paused) to lag", func() bool { lag1 = s.ReplayLagBytes(t, 1); return lag1 > 0 })
	waitUntil(t, waitLimit, "replica0 to show no lag", func() bool { lag0 = s.ReplayLagBytes(t, 0); return lag0 == 0 })
	t.Logf("replay lag with replica1 paused: replica0 %d bytes, replica1 %d bytes", lag0, lag1)
	expectProbe(t, s, 1, 2, "")
	s.ResumeReplay(t, 1)
	s.WaitCaughtUp(t, waitLimit)
	expectProbe(t, s, 1, 2, "two")

	if err := s.Replicas[0].Stop(); err != nil {
		t.Fatal(err)
	}
	execOrFail(t, primary, "INSERT INTO repl_probe VALUES (3, 'three')")
	s.WaitCaughtUp(t, waitLimit) // replica1 alone: replica0 is stopped
	if err := s.Replicas[0].Start(); err != nil {
		t.Fatal(err)
	}
	s.WaitStreaming(t, waitLimit)
	s.WaitCaughtUp(t, waitLimit)
	expectProbe(t, s, 0, 3, "three")

	checkReadsCounted(ctx, t, s)
}

// checkReadsCounted runs five reads on a new connection to replica0 and checks that its
// xact_commit, and only its, grows by six once the counts are flushed: the backend's start
// commits a transaction of its own.
func checkReadsCounted(ctx context.Context, t *testing.T, s *ReplicaSet) {
	before, err := s.XactCommitsSettled(ctx, SettleQuiet)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := s.Replicas[0].Connect(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := conn.Exec(ctx, "SELECT count(*) FROM repl_probe"); err != nil {
			t.Fatal(err)
		}
	}
	closeQuietly(conn) // a backend flushes its counts as it exits
	waitUntil(t, waitLimit, "replica0's xact_commit to grow by 6", func() bool {
		n, err := s.Replicas[0].XactCommit(ctx)
		return err == nil && n >= before[0]+6
	})
	after, err := s.XactCommitsSettled(ctx, SettleQuiet)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Replicas {
		want := before[i]
		if i == 0 {
			want += 6
		}
		if after[i] != want {
			t.Errorf("%s: xact_commit %d after the reads, want %d (was %d)", ReplicaName(i), after[i], want, before[i])
		}
	}
}

// execOrFail runs each statement on conn and fails t at the first error.
func execOrFail(t *testing.T, conn *pgx.Conn, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := execAll(ctx, conn, stmts); err != nil {
		t.Fatal(err)
	}
}

// expectProbe checks the note of repl_probe's row id on replica i; want "" means no such row.
func expectProbe(t *testing.T, s *ReplicaSet, i, id int, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := s.Replicas[i].Connect(ctx, Alice)
	if err != nil {
		t.Fatalf("%s: %v", ReplicaName(i), err)
	}
	defer closeQuietly(conn)
	var note string
	err = conn.QueryRow(ctx, "SELECT note FROM repl_probe WHERE id = $1", id).Scan(&note)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	if err != nil || note != want {
		t.Errorf("%s: row %d reads %q (error %v), want %q", ReplicaName(i), id, note, err, want)
	}
}
