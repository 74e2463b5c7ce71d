// Mirroring test fixtures: a source and two mirror clusters, the proxy config joining them, and admin-console probes.

package testsuite

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database names the mirroring tests give pgdogd: the source is TestDatabase itself.
const (
	mirrorDB1 = "mirror1"
	mirrorDB2 = "mirror2"
)

// adminLogin reaches pgdogd's admin console with the password mirrorConfig sets.
var adminLogin = Login{User: "admin", Password: "admin_pw", Database: "admin"}

// mirrorTables are created directly on every cluster (never through pgdogd, which would mirror the DDL).
var mirrorTables = []string{
	"CREATE TABLE mt_exp (id bigserial PRIMARY KEY, v int NOT NULL)",
	"CREATE TABLE mt_timing (id bigserial PRIMARY KEY, tag text NOT NULL, step int NOT NULL, ts timestamptz NOT NULL)",
	"CREATE TABLE mt_order (id bigserial PRIMARY KEY, client int NOT NULL, seq int NOT NULL)",
	"CREATE TABLE mt_runtime (id bigserial PRIMARY KEY, phase text NOT NULL)",
	"CREATE TABLE mt_hold (id bigserial PRIMARY KEY, v int NOT NULL)",
	"CREATE TABLE mt_down (id bigserial PRIMARY KEY, v int NOT NULL)",
	"CREATE TABLE mt_timeout (id bigserial PRIMARY KEY, v int NOT NULL)",
}

// mirrorSet is the source cluster and the two mirror clusters, all with the same tables.
type mirrorSet struct {
	source, m1, m2 *Cluster
}

// mirrors returns the two mirror clusters keyed by their pgdogd database name.
func (s *mirrorSet) mirrors() map[string]*Cluster {
	return map[string]*Cluster{mirrorDB1: s.m1, mirrorDB2: s.m2}
}

// all returns the three clusters keyed by their pgdogd database name.
func (s *mirrorSet) all() map[string]*Cluster {
	return map[string]*Cluster{TestDatabase: s.source, mirrorDB1: s.m1, mirrorDB2: s.m2}
}

// startMirrorSet starts three clusters in parallel, initializes pgbench tables on each
// directly and creates mirrorTables. The clusters are closed when t ends.
func startMirrorSet(t *testing.T) *mirrorSet {
	t.Helper()
	var (
		wg       sync.WaitGroup
		clusters [3]*Cluster
		errs     [3]error
	)
	for i := range clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clusters[i], errs[i] = NewCluster()
			if errs[i] == nil {
				errs[i] = prepareMirrorCluster(clusters[i])
			}
		}()
	}
	wg.Wait()
	for _, c := range clusters {
		if c == nil {
			continue
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("PostgreSQL log tail (%s):\n%s", c.LogFile, c.LogTail(3000))
			}
			if err := c.Close(); err != nil {
				t.Errorf("cannot close cluster: %v", err)
			}
		})
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("cannot prepare mirroring clusters: %v", err)
		}
	}
	return &mirrorSet{source: clusters[0], m1: clusters[1], m2: clusters[2]}
}

// prepareMirrorCluster runs pgbench -i and creates mirrorTables as alice.
func prepareMirrorCluster(c *Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := c.PgbenchInit(ctx, Alice, "-s", "1", "-q"); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	conn, err := c.Connect(ctx, Alice)
	if err != nil {
		return fmt.Errorf("cannot connect as alice: %w", err)
	}
	defer conn.Close(ctx)
	return execAll(ctx, conn, mirrorTables)
}

// mirrorConfig is a proxy in front of s.source mirroring TestDatabase to mirror1 and mirror2
// for alice, with the admin console and the metrics endpoint (which waitDrained reads)
// enabled. Callers set queue and exposure keys.
func mirrorConfig(t testing.TB, s *mirrorSet) ProxyConfig {
	dbs := []Database{{Name: TestDatabase, Host: s.source.Host, Port: s.source.Port, DatabaseName: TestDatabase}}
	users := []User{{Name: Alice.User, Database: TestDatabase, Password: Alice.Password, PoolSize: 10}}
	var mirroring []Mirror
	for _, m := range []struct {
		name string
		c    *Cluster
	}{{mirrorDB1, s.m1}, {mirrorDB2, s.m2}} {
		dbs = append(dbs, Database{Name: m.name, Host: m.c.Host, Port: m.c.Port, DatabaseName: TestDatabase})
		users = append(users, User{Name: Alice.User, Database: m.name, Password: Alice.Password, PoolSize: 10})
		mirroring = append(mirroring, Mirror{SourceDB: TestDatabase, DestinationDB: m.name})
	}
	return withMetrics(t, ProxyConfig{
		General: General{
			Workers: 2, DefaultPoolSize: 10, PoolerMode: "transaction", AuthType: "scram",
			CheckoutTimeout: 5000, ConnectTimeout: 2000, ShutdownTimeout: 5000,
			MirrorSeed: 1, // exposure sampling is the same every run: a statistical check cannot flake
		},
		Databases: dbs,
		Mirroring: mirroring,
		Admin:     Admin{User: adminLogin.User, Password: adminLogin.Password},
		Users:     users,
	})
}

// float64p returns a pointer to x, for the exposure keys where 0.0 must be written.
func float64p(x float64) *float64 { return &x }

// rewriteProxyConfig writes cfg over the running proxy's files, keeping its address.
func rewriteProxyConfig(t *testing.T, p *Proxy, cfg ProxyConfig) {
	t.Helper()
	cfg.General.Host, cfg.General.Port = p.Host, p.Port
	if err := writeProxyFiles(p.Dir, cfg); err != nil {
		t.Fatal(err)
	}
}

// mirrorRow is one SHOW MIRRORS row.
type mirrorRow struct {
	Database, User, Destination                  string
	Total, Mirrored, Dropped, Errors, Queue      int64
	DropExposure, DropQueueFull, DropTooLarge    int64
	DropUnavailable, DropSourceFailed, DropLevel int64
	DropMemory                                   int64
	Exposure                                     float64
	QueueCapacity                                int64
}

// accounted reports whether every transaction counted so far has an outcome.
func (r mirrorRow) accounted() bool { return r.Queue == 0 && r.Mirrored+r.Dropped == r.Total }

// showMirrors returns alice's SHOW MIRRORS rows from TestDatabase, keyed by destination.
func showMirrors(ctx context.Context, admin *pgx.Conn) (map[string]mirrorRow, error) {
	rows, err := admin.Query(ctx, "SHOW MIRRORS")
	if err != nil {
		return nil, fmt.Errorf("cannot run SHOW MIRRORS: %w", err)
	}
	defer rows.Close()
	out := map[string]mirrorRow{}
	for rows.Next() {
		vals := map[string]string{}
		for i, fd := range rows.FieldDescriptions() {
			vals[fd.Name] = string(rows.RawValues()[i])
		}
		r, err := parseMirrorRow(vals)
		if err != nil {
			return nil, err
		}
		if r.Database == TestDatabase && r.User == Alice.User {
			out[r.Destination] = r
		}
	}
	return out, rows.Err()
}

// parseMirrorRow reads one SHOW MIRRORS row given as column name -> text.
func parseMirrorRow(v map[string]string) (mirrorRow, error) {
	r := mirrorRow{Database: v["database"], User: v["user"], Destination: v["destination"]}
	ints := []struct {
		col string
		dst *int64
	}{
		{"total_count", &r.Total}, {"mirrored_count", &r.Mirrored}, {"dropped_count", &r.Dropped},
		{"error_count", &r.Errors}, {"queue_length", &r.Queue}, {"dropped_exposure", &r.DropExposure},
		{"dropped_queue_full", &r.DropQueueFull}, {"dropped_too_large", &r.DropTooLarge},
		{"dropped_mirror_unavailable", &r.DropUnavailable}, {"dropped_source_failed", &r.DropSourceFailed},
		{"dropped_level", &r.DropLevel}, {"dropped_memory", &r.DropMemory}, {"queue_capacity", &r.QueueCapacity},
	}
	for _, f := range ints {
		n, err := strconv.ParseInt(v[f.col], 10, 64)
		if err != nil {
			return r, fmt.Errorf("cannot parse SHOW MIRRORS column %s=%q: %w", f.col, v[f.col], err)
		}
		*f.dst = n
	}
	x, err := strconv.ParseFloat(v["exposure"], 64)
	if err != nil {
		return r, fmt.Errorf("cannot parse SHOW MIRRORS exposure %q: %w", v["exposure"], err)
	}
	r.Exposure = x
	return r, nil
}

// mustShowMirrors is showMirrors that fails t unless both mirrors have a row.
func mustShowMirrors(t *testing.T, admin *pgx.Conn) map[string]mirrorRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := showMirrors(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rows[mirrorDB1]; !ok {
		t.Fatalf("SHOW MIRRORS has no row for %s: %+v", mirrorDB1, rows)
	}
	if _, ok := rows[mirrorDB2]; !ok {
		t.Fatalf("SHOW MIRRORS has no row for %s: %+v", mirrorDB2, rows)
	}
	return rows
}

// waitDrained waits until p holds no captured transaction any more, queued, being replayed
// or being recorded (mirror_memory_bytes 0 on its metrics endpoint), and returns SHOW MIRRORS
// then. pgdogd counts a transaction's outcome (mirrored, dropped, or an error) before it gives
// its buffer back, and a transaction dropped at its start never holds one, so once the
// clients' transactions have ended the counters are final. After limit it logs the mirrors'
// sessions, makes p dump its goroutines (SIGQUIT; the dump is in the log printed at cleanup)
// and fails t.
func (s *mirrorSet) waitDrained(t *testing.T, p *Proxy, admin *pgx.Conn, limit time.Duration) map[string]mirrorRow {
	t.Helper()
	var held float64
	if waitFor(limit, func() bool { held = p.metric(t, "mirror_memory_bytes"); return held == 0 }) {
		rows := mustShowMirrors(t, admin)
		for dest, r := range rows {
			if r.Queue != 0 {
				t.Errorf("%s: %d transactions queued with no mirror memory in use: %+v", dest, r.Queue, r)
			}
		}
		return rows
	}
	rows := mustShowMirrors(t, admin)
	for name, c := range s.mirrors() {
		t.Logf("%s sessions:\n%s", name, c.sessions())
	}
	t.Logf("pgdogd sockets (Recv-Q > 0 on a mirror connection means unread replies):\n%s", procSockets(p.PID()))
	if err := p.Signal(syscall.SIGQUIT); err == nil {
		_, _ = p.Wait(5 * time.Second)
	}
	t.Fatalf("mirrors did not drain within %v (mirror_memory_bytes %v): %+v", limit, held, rows)
	return nil
}

// adminExec runs one admin console command and returns its error.
func adminExec(admin *pgx.Conn, cmd string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := admin.Exec(ctx, cmd)
	return err
}

// countRows counts the rows of a query's table directly on c (as alice).
func countRows(t *testing.T, c *Cluster, query string, args ...any) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := c.Connect(ctx, Alice)
	if err != nil {
		t.Fatalf("cannot connect to %s: %v", c.Addr(), err)
	}
	defer conn.Close(ctx)
	n, err := queryInt(ctx, conn, query, args...)
	if err != nil {
		t.Fatalf("%s on %s: %v", query, c.Addr(), err)
	}
	return n
}

// pgbenchScript writes a custom pgbench script into a temp folder and returns its path.
func pgbenchScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.sql")
	if err := os.WriteFile(path, []byte(body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rssKB reads VmRSS of a process from /proc.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("cannot read process status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS line for pid %d", pid)
}

// withinSigma reports whether k successes in n draws of probability p lie within
// 3 standard deviations of n*p, and returns the deviation in sigmas.
func withinSigma(k, n int64, p float64) (bool, float64) {
	sigma := math.Sqrt(float64(n) * p * (1 - p))
	dev := math.Abs(float64(k) - float64(n)*p)
	if sigma == 0 {
		return dev == 0, 0
	}
	return dev <= 3*sigma, dev / sigma
}

// seededDraws counts the exposure draws below x that, with mirror_seed seed, the clients
// with login numbers first to first+clients-1 make in perClient transactions each: pgdogd
// draws once per transaction from rand.NewPCG(mirror_seed, login number) (engine/mirroring.go).
func seededDraws(seed, first uint64, clients, perClient int, x float64) int64 {
	var n int64
	for login := first; login < first+uint64(clients); login++ {
		r := rand.New(rand.NewPCG(seed, login))
		for range perClient {
			if r.Float64() < x {
				n++
			}
		}
	}
	return n
}

// insertRows runs n autocommit inserts of sql (with args) on conn.
func insertRows(t *testing.T, conn *pgx.Conn, n int, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("insert %d of %d (%s): %v", i+1, n, sql, err)
		}
	}
}

// sessions describes alice's backends on c (state, wait, query), for failure reports.
func (c *Cluster) sessions() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.Psql(ctx, Super, "-c", "select pid, state, wait_event_type, wait_event, "+
		"now() - xact_start as xact_age, left(query, 80) as query from pg_stat_activity where usename = 'alice' order by xact_start")
	if err != nil {
		return fmt.Sprintf("(cannot list sessions: %v) %s", err, out)
	}
	return out
}

// procSockets lists the TCP sockets of process pid with their queues (ss -tnp), for failure reports.
func procSockets(pid int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ss", "-tnp").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(cannot run ss: %v)", err)
	}
	var b strings.Builder
	tag := fmt.Sprintf("pid=%d,", pid)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "State") || strings.Contains(line, tag) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
