// Streaming replication fixture: a primary Cluster with physical standbys cloned by pg_basebackup, and waits on their replay.

package testsuite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Replicator is the role the replicas stream WAL as: LOGIN REPLICATION, SCRAM password.
var Replicator = Login{User: "replicator", Password: "replicator_pw", Database: "postgres"}

// superAdmin is the superuser on the postgres database: the fixture's own queries go there so
// that they never count in TestDatabase's statistics.
var superAdmin = Super.WithDatabase("postgres")

// pollInterval is how often the fixture re-reads a condition it waits for.
const pollInterval = 50 * time.Millisecond

// ReplicaSetOptions shapes NewReplicaSet.
type ReplicaSetOptions struct {
	Replicas int // number of streaming replicas, at least 1
	// PgbenchScale, when positive, runs "pgbench -i -s PgbenchScale" as Alice on the primary
	// before the replicas are cloned, so they start with the pgbench tables.
	PgbenchScale int
}

// ReplicaSet is a primary and its physical streaming replicas, all on 127.0.0.1. Replica i
// streams with application_name ReplicaName(i). Every cluster has the roles and database of
// NewCluster; the replicas reject writes (SQLSTATE 25006).
type ReplicaSet struct {
	Primary  *Cluster
	Replicas []*Cluster
}

// ReplicaName is the application_name (and cluster_name) of replica i.
func ReplicaName(i int) string { return "replica" + strconv.Itoa(i) }

// StartReplicaSet starts a primary with n streaming replicas, all caught up, that are stopped
// and removed when t ends.
func StartReplicaSet(t testing.TB, n int) *ReplicaSet {
	t.Helper()
	return StartReplicaSetWith(t, ReplicaSetOptions{Replicas: n})
}

// StartReplicaSetWith is StartReplicaSet with options.
func StartReplicaSetWith(t testing.TB, o ReplicaSetOptions) *ReplicaSet {
	t.Helper()
	s, err := NewReplicaSet(o)
	if err != nil {
		t.Fatalf("cannot start replica set: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("PostgreSQL log tails:\n%s", s.LogTails(3000))
		}
		if err := s.Close(); err != nil {
			t.Errorf("cannot close replica set: %v", err)
		}
	})
	return s
}

// NewReplicaSet starts the primary, clones the replicas in parallel with pg_basebackup, starts
// them and waits until each streams and has replayed all the primary's WAL. The caller must
// Close it. On error everything started is stopped and removed, and the error carries the
// log tails.
func NewReplicaSet(o ReplicaSetOptions) (*ReplicaSet, error) {
	if o.Replicas < 1 {
		return nil, fmt.Errorf("a replica set needs at least one replica, not %d", o.Replicas)
	}
	if err := checkReplicationBinaries(PGBin()); err != nil {
		return nil, err
	}
	hba := "host replication " + Replicator.User + " 127.0.0.1/32 scram-sha-256\n"
	p, err := newCluster(primaryConf(o.Replicas), hba)
	if err != nil {
		return nil, fmt.Errorf("cannot start the primary: %w", err)
	}
	s := &ReplicaSet{Primary: p}
	if err := s.preparePrimary(o.PgbenchScale); err != nil {
		return nil, s.abandon(err)
	}
	s.Replicas = make([]*Cluster, o.Replicas)
	errs := make([]error, o.Replicas)
	var wg sync.WaitGroup
	for i := range o.Replicas {
		wg.Go(func() { s.Replicas[i], errs[i] = newReplica(p, ReplicaName(i)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, s.abandon(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.AwaitStreaming(ctx); err != nil {
		return nil, s.abandon(err)
	}
	return s, nil
}

// checkReplicationBinaries is checkBinaries for the client programs the fixture also runs.
func checkReplicationBinaries(bin string) error {
	if err := checkBinaries(bin); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_basebackup")); err != nil {
		msg := fmt.Sprintf("pg_basebackup not found in %s; install postgresql-15 (or set PG_BIN)", bin)
		if os.Getenv("CI") == "true" {
			msg += " [CI=true: integration tests are mandatory]"
		}
		return errors.New(msg)
	}
	return nil
}

// primaryConf is the primary's postgresql.conf addition: WAL for physical standbys, enough
// senders and slots for the replicas plus two pg_basebackup connections each while cloning,
// and WAL kept for a replica that is stopped for a while.
func primaryConf(replicas int) string {
	senders := max(10, 2*replicas+2)
	return fmt.Sprintf(`cluster_name = 'primary'
wal_level = replica
max_wal_senders = %d
max_replication_slots = %d
wal_keep_size = '256MB'
hot_standby = on
`, senders, senders)
}

// preparePrimary creates the Replicator role and, when scale is positive, the pgbench tables.
func (s *ReplicaSet) preparePrimary(scale int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	conn, err := s.Primary.Connect(ctx, superAdmin)
	if err != nil {
		return fmt.Errorf("cannot connect to the primary as superuser: %w", err)
	}
	err = execAll(ctx, conn, []string{fmt.Sprintf("CREATE ROLE %s LOGIN REPLICATION PASSWORD '%s'",
		Replicator.User, Replicator.Password)})
	closeQuietly(conn)
	if err != nil || scale <= 0 {
		return err
	}
	if out, err := s.Primary.PgbenchInit(ctx, Alice, "-q", "-s", strconv.Itoa(scale)); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	return nil
}

// abandon closes what s started and returns err with the log tails.
func (s *ReplicaSet) abandon(err error) error {
	tails := s.LogTails(2000)
	if cerr := s.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return fmt.Errorf("%w\nPostgreSQL log tails:\n%s", err, tails)
}

// Close stops and removes every replica, then the primary; it goes on past errors.
func (s *ReplicaSet) Close() error {
	var errs []error
	for i, r := range s.Replicas {
		if r == nil {
			continue
		}
		if err := r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ReplicaName(i), err))
		}
	}
	if s.Primary != nil {
		if err := s.Primary.Close(); err != nil {
			errs = append(errs, fmt.Errorf("primary: %w", err))
		}
	}
	return errors.Join(errs...)
}

// LogTails returns the last n bytes of every cluster's server log, each under its name.
func (s *ReplicaSet) LogTails(n int) string {
	var b strings.Builder
	if s.Primary != nil {
		fmt.Fprintf(&b, "--- primary (%s):\n%s\n", s.Primary.LogFile, s.Primary.LogTail(n))
	}
	for i, r := range s.Replicas {
		if r != nil {
			fmt.Fprintf(&b, "--- %s (%s):\n%s\n", ReplicaName(i), r.LogFile, r.LogTail(n))
		}
	}
	return b.String()
}

// newReplica clones p into a fresh folder as the standby name, configures and starts it.
func newReplica(p *Cluster, name string) (*Cluster, error) {
	c, err := placeCluster("pgdogd-test-"+name+"-", p.bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.runAs = p.runAs
	if err := c.cloneFrom(p, name); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// cloneFrom runs pg_basebackup from p into c.DataDir (standby.signal included), points the
// copy at its own port, socket folder and name, and starts it.
func (c *Cluster) cloneFrom(p *Cluster, name string) error {
	if err := c.chownToRunAs(c.Dir); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	auth := "password=" + Replicator.Password + " application_name=" + name
	out, err := c.run(ctx, "pg_basebackup", "-D", c.DataDir, "-h", p.Host, "-p", strconv.Itoa(p.Port),
		"-U", Replicator.User, "-d", auth, "-w", "-R", "-X", "stream", "-c", "fast", "--no-sync", "--no-manifest")
	if err != nil {
		return fmt.Errorf("cannot pg_basebackup: %w\n%s", err, out)
	}
	conninfo := fmt.Sprintf("host=%s port=%d user=%s password=%s application_name=%s",
		p.Host, p.Port, Replicator.User, Replicator.Password, name)
	// postgresql.auto.conf is read last, so these win over the primary's copied settings.
	conf := fmt.Sprintf(`
cluster_name = '%s'
port = %d
unix_socket_directories = '%s'
primary_conninfo = '%s'
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = '1s'
wal_retrieve_retry_interval = '200ms'
`, name, c.Port, c.DataDir, strings.ReplaceAll(conninfo, "'", "''"))
	f, err := os.OpenFile(filepath.Join(c.DataDir, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("cannot open postgresql.auto.conf: %w", err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write postgresql.auto.conf: %w", err)
	}
	return c.Start()
}

// poll calls check every pollInterval until it reports done or ctx ends. An error from check
// does not stop the wait (a replica may be restarting); the last one, or the last state,
// explains a timeout.
func poll(ctx context.Context, what string, check func(ctx context.Context) (done bool, state string, err error)) error {
	var last string
	for {
		done, state, err := check(ctx)
		if err == nil && done {
			return nil
		}
		last = state
		if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting for %s: %w (last seen: %s)", what, ctx.Err(), last)
		case <-time.After(pollInterval):
		}
	}
}

// running lists the indexes of the replicas whose postmaster is up.
func (s *ReplicaSet) running() []int {
	var idx []int
	for i, r := range s.Replicas {
		if r.PID() != 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// flushTarget returns an LSN at or past the end of every transaction committed on the primary
// before the call, and makes sure WAL up to it is flushed, hence sent to the replicas: the
// primary's insert position, then a synchronously committed transaction with an xid, whose
// commit flushes everything inserted before it (the clusters run synchronous_commit = off,
// so a commit alone may sit unflushed for a moment).
func (s *ReplicaSet) flushTarget(ctx context.Context) (string, error) {
	conn, err := s.Primary.Connect(ctx, superAdmin)
	if err != nil {
		return "", fmt.Errorf("cannot connect to the primary: %w", err)
	}
	defer closeQuietly(conn)
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn); err != nil {
		return "", fmt.Errorf("cannot read the primary's WAL position: %w", err)
	}
	err = execAll(ctx, conn, []string{"SET synchronous_commit = on", "SELECT txid_current()"})
	return lsn, err
}

// AwaitStreaming waits until every running replica streams from the primary and the primary's
// pg_stat_replication shows it has replayed the WAL written before the call.
func (s *ReplicaSet) AwaitStreaming(ctx context.Context) error {
	target, err := s.flushTarget(ctx)
	if err != nil {
		return err
	}
	conn, err := s.Primary.Connect(ctx, superAdmin)
	if err != nil {
		return fmt.Errorf("cannot connect to the primary: %w", err)
	}
	defer closeQuietly(conn)
	idx := s.running()
	what := fmt.Sprintf("replicas %v to stream and replay up to %s", idx, target)
	return poll(ctx, what, func(ctx context.Context) (bool, string, error) {
		rows, err := conn.Query(ctx, `SELECT application_name, state,
			coalesce(replay_lsn >= $1::pg_lsn, false), coalesce(replay_lsn::text, '')
			FROM pg_stat_replication`, target)
		if err != nil {
			return false, "", err
		}
		seen := map[string]string{}
		ok := map[string]bool{}
		for rows.Next() {
			var name, state, lsn string
			var caught bool
			if err := rows.Scan(&name, &state, &caught, &lsn); err != nil {
				return false, "", err
			}
			seen[name] = state + " at " + lsn
			ok[name] = state == "streaming" && caught
		}
		if err := rows.Err(); err != nil {
			return false, "", err
		}
		for _, i := range idx {
			if !ok[ReplicaName(i)] {
				return false, fmt.Sprintf("pg_stat_replication: %v", seen), nil
			}
		}
		return true, "", nil
	})
}

// CatchUp waits until each listed replica (every running one when none is listed) has
// replayed all the WAL the primary held when CatchUp was called: its
// pg_last_wal_replay_lsn() reaches the primary's position, read on the replica itself.
func (s *ReplicaSet) CatchUp(ctx context.Context, replicas ...int) error {
	if len(replicas) == 0 {
		replicas = s.running()
	}
	target, err := s.flushTarget(ctx)
	if err != nil {
		return err
	}
	for _, i := range replicas {
		r := s.Replicas[i]
		what := fmt.Sprintf("%s to replay up to %s", ReplicaName(i), target)
		err := poll(ctx, what, func(ctx context.Context) (bool, string, error) {
			var caught bool
			var lsn string
			err := r.queryRow(ctx, `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false),
				coalesce(pg_last_wal_replay_lsn()::text, '')`, []any{target}, &caught, &lsn)
			return caught, "replayed up to " + lsn, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// WaitCaughtUp fails t unless every running replica replays, within timeout, all the WAL the
// primary held when WaitCaughtUp was called.
func (s *ReplicaSet) WaitCaughtUp(t testing.TB, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

// WaitReplicaCaughtUp is WaitCaughtUp for replica i alone (the others may be paused).
func (s *ReplicaSet) WaitReplicaCaughtUp(t testing.TB, i int, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.CatchUp(ctx, i); err != nil {
		t.Fatal(err)
	}
}

// WaitStreaming fails t unless, within timeout, every running replica streams again and the
// primary's pg_stat_replication shows it caught up (after a replica's restart, say).
func (s *ReplicaSet) WaitStreaming(t testing.TB, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.AwaitStreaming(ctx); err != nil {
		t.Fatal(err)
	}
}

// PauseReplay pauses WAL replay on replica i: it keeps receiving WAL but applies none, so
// its data and pg_last_wal_replay_lsn() stay put until ResumeReplay.
func (s *ReplicaSet) PauseReplay(t testing.TB, i int) {
	t.Helper()
	s.setReplay(t, i, "pg_wal_replay_pause()", "paused")
}

// ResumeReplay resumes WAL replay on replica i.
func (s *ReplicaSet) ResumeReplay(t testing.TB, i int) {
	t.Helper()
	s.setReplay(t, i, "pg_wal_replay_resume()", "not paused")
}

// setReplay calls fn on replica i and waits until pg_get_wal_replay_pause_state() is want.
// "pause requested" counts as paused: the startup process applies no record after the
// request and only reports "paused" once it next looks, which an idle replica may not do.
func (s *ReplicaSet) setReplay(t testing.TB, i int, fn, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := s.Replicas[i]
	var void string
	if err := r.queryRow(ctx, "SELECT "+fn+"::text", nil, &void); err != nil {
		t.Fatalf("%s: cannot run %s: %v", ReplicaName(i), fn, err)
	}
	err := poll(ctx, ReplicaName(i)+" replay state "+want, func(ctx context.Context) (bool, string, error) {
		var state string
		err := r.queryRow(ctx, "SELECT pg_get_wal_replay_pause_state()", nil, &state)
		return state == want || (want == "paused" && state == "pause requested"), state, err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReplayLagBytes is how far, in bytes of WAL, replica i's replay is behind the primary's
// current write position: pg_wal_lsn_diff(primary pg_current_wal_lsn(), replica
// pg_last_wal_replay_lsn()). It is 0 on a caught-up replica of an idle primary.
func (s *ReplicaSet) ReplayLagBytes(t testing.TB, i int) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var primary string
	if err := s.Primary.queryRow(ctx, "SELECT pg_current_wal_lsn()::text", nil, &primary); err != nil {
		t.Fatalf("cannot read the primary's WAL position: %v", err)
	}
	var lag int64
	err := s.Replicas[i].queryRow(ctx, "SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint",
		[]any{primary}, &lag)
	if err != nil {
		t.Fatalf("%s: cannot read the replay position: %v", ReplicaName(i), err)
	}
	return lag
}

// PgbenchInit runs "pgbench -i -s scale" as Alice on the primary and waits until the running
// replicas have replayed it.
func (s *ReplicaSet) PgbenchInit(t testing.TB, scale int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if out, err := s.Primary.PgbenchInit(ctx, Alice, "-q", "-s", strconv.Itoa(scale)); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

// queryRow runs one query as superuser on c's postgres database, on a connection of its own,
// and scans its single row into dest.
func (c *Cluster) queryRow(ctx context.Context, sql string, args []any, dest ...any) error {
	conn, err := c.Connect(ctx, superAdmin)
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", c.Addr(), err)
	}
	defer closeQuietly(conn)
	return conn.QueryRow(ctx, sql, args...).Scan(dest...)
}

// InRecovery reports pg_is_in_recovery(): true on a replica, false on a primary.
func (c *Cluster) InRecovery(ctx context.Context) (bool, error) {
	var in bool
	err := c.queryRow(ctx, "SELECT pg_is_in_recovery()", nil, &in)
	return in, err
}

// XactCommit returns pg_stat_database.xact_commit of TestDatabase on c: the transactions
// committed there, read-only ones included (so on a replica it counts the reads it served),
// plus one for every backend that connected to TestDatabase (its start-up commits a
// catalog transaction).
//
// The counter lags the transactions. Since PostgreSQL 15 each backend keeps its counts in
// local memory and adds them to the shared statistics at most once a second
// (PGSTAT_MIN_INTERVAL): within about a second once it is idle, at once when it
// disconnects, and, while other backends hold the statistics lock, possibly later (up to a
// minute). pg_stat_force_next_flush() only hastens the backend that calls it, and a test
// going through pgdogd does not choose the backend. So a reader must either close the
// connections that ran the transactions and poll XactCommit until it reaches the expected
// count, or compare values that XactCommitSettled (XactCommitsSettled) returns. The read
// itself runs on the postgres database, on a fresh connection, in a transaction of its own,
// so it neither counts in TestDatabase nor sees a cached statistics snapshot.
func (c *Cluster) XactCommit(ctx context.Context) (int64, error) {
	var n int64
	err := c.queryRow(ctx, "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
		[]any{TestDatabase}, &n)
	if err != nil {
		return 0, fmt.Errorf("cannot read xact_commit on %s: %w", c.Addr(), err)
	}
	return n, nil
}

// SettleQuiet is how long xact_commit must stay put to count as settled: more than a
// backend's one-second flush interval.
const SettleQuiet = 1500 * time.Millisecond

// XactCommitSettled polls XactCommit until it has not changed for quiet (SettleQuiet
// unless the test knows better) and returns it. It only settles while no transactions run.
func (c *Cluster) XactCommitSettled(ctx context.Context, quiet time.Duration) (int64, error) {
	n, err := settle(ctx, quiet, func(ctx context.Context) ([]int64, error) {
		n, err := c.XactCommit(ctx)
		return []int64{n}, err
	})
	if err != nil {
		return 0, fmt.Errorf("xact_commit on %s: %w", c.Addr(), err)
	}
	return n[0], nil
}

// XactCommitsSettled returns every replica's XactCommit (index i for replica i, -1 for a
// stopped one) once none has changed for quiet: the baseline and the result of a test that
// compares how many transactions each replica served.
func (s *ReplicaSet) XactCommitsSettled(ctx context.Context, quiet time.Duration) ([]int64, error) {
	return settle(ctx, quiet, func(ctx context.Context) ([]int64, error) {
		counts := make([]int64, len(s.Replicas))
		for i, r := range s.Replicas {
			counts[i] = -1
			if r.PID() == 0 {
				continue
			}
			n, err := r.XactCommit(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ReplicaName(i), err)
			}
			counts[i] = n
		}
		return counts, nil
	})
}

// settle calls read until its answer has not changed for quiet, and returns that answer.
func settle(ctx context.Context, quiet time.Duration, read func(ctx context.Context) ([]int64, error)) ([]int64, error) {
	last, err := read(ctx)
	if err != nil {
		return nil, err
	}
	since := time.Now()
	for time.Since(since) < quiet {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("counts did not settle: %w (last %v)", ctx.Err(), last)
		case <-time.After(2 * pollInterval):
		}
		now, err := read(ctx)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(now, last) {
			last, since = now, time.Now()
		}
	}
	return last, nil
}
