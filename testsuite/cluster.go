// Package testsuite holds real-PostgreSQL integration tests for pgdogd and the harness they use.
//
// This file holds Cluster: a throwaway PostgreSQL cluster (initdb, start, stop, roles, database).
package testsuite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPGBin is where the PostgreSQL 15 binaries live unless PG_BIN says otherwise.
const DefaultPGBin = "/usr/lib/postgresql/15/bin"

// Names and passwords created in every cluster.
const (
	SuperUser     = "postgres"
	SuperPassword = "postgres_pw"
	TestDatabase  = "pgdogd_test"
)

// Alice authenticates to PostgreSQL with SCRAM-SHA-256 and owns TestDatabase.
var Alice = Login{User: "alice", Password: "alice_pw", Database: TestDatabase}

// Bob logs in to PostgreSQL with md5: his password is stored as an md5 hash.
var Bob = Login{User: "bob", Password: "bob_pw", Database: TestDatabase}

// Super is the cluster's superuser on TestDatabase.
var Super = Login{User: SuperUser, Password: SuperPassword, Database: TestDatabase}

// Cluster is a running (or stopped) PostgreSQL cluster owned by one test or test binary.
type Cluster struct {
	Endpoint
	Dir     string // root folder, removed by Close
	DataDir string
	LogFile string
	bin     string
	runAs   string // OS user to run initdb/postgres as; empty when not root
	pid     int    // postmaster PID while started
	// extraConf and extraHBA are appended to postgresql.conf and pg_hba.conf by writeConfig.
	extraConf, extraHBA string
}

// PGBin returns the folder holding initdb, pg_ctl and postgres.
func PGBin() string {
	if b := os.Getenv("PG_BIN"); b != "" {
		return b
	}
	return DefaultPGBin
}

// checkBinaries fails with an actionable message when PostgreSQL is not installed.
func checkBinaries(bin string) error {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			msg := fmt.Sprintf("PostgreSQL 15 binaries not found in %s; install postgresql-15 (or set PG_BIN)", bin)
			if os.Getenv("CI") == "true" {
				msg += " [CI=true: integration tests are mandatory]"
			}
			return errors.New(msg)
		}
	}
	return nil
}

// StartCluster creates and starts a cluster that is stopped and removed when t ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := NewCluster()
	if err != nil {
		t.Fatalf("cannot start PostgreSQL cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("PostgreSQL log tail (%s):\n%s", c.LogFile, c.LogTail(4000))
		}
		if err := c.Close(); err != nil {
			t.Errorf("cannot close cluster: %v", err)
		}
	})
	return c
}

// NewCluster runs initdb in a fresh /tmp folder, starts PostgreSQL and creates the test roles
// and database. The caller must Close it.
func NewCluster() (*Cluster, error) { return newCluster("", "") }

// newCluster is NewCluster with extraConf appended to postgresql.conf and extraHBA to
// pg_hba.conf before the first start.
func newCluster(extraConf, extraHBA string) (*Cluster, error) {
	bin := PGBin()
	if err := checkBinaries(bin); err != nil {
		return nil, err
	}
	c, err := placeCluster("pgdogd-test-", bin)
	if err != nil {
		return nil, err
	}
	c.extraConf, c.extraHBA = extraConf, extraHBA
	if os.Geteuid() == 0 {
		c.runAs = "postgres"
	}
	if err := c.initialize(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// placeCluster makes a cluster's folder (named from prefix) and picks its port; nothing runs yet.
func placeCluster(prefix, bin string) (*Cluster, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, fmt.Errorf("cannot create cluster folder: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Cluster{
		Endpoint: Endpoint{Host: "127.0.0.1", Port: port},
		Dir:      dir,
		DataDir:  filepath.Join(dir, "data"),
		LogFile:  filepath.Join(dir, "postgres.log"),
		bin:      bin,
	}, nil
}

// initialize runs initdb, writes the configuration, starts the server and creates roles.
func (c *Cluster) initialize() error {
	if err := c.chownToRunAs(c.Dir); err != nil {
		return err
	}
	pwfile := filepath.Join(c.Dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(SuperPassword+"\n"), 0o600); err != nil {
		return fmt.Errorf("cannot write password file: %w", err)
	}
	if err := c.chownToRunAs(pwfile); err != nil {
		return err
	}
	out, err := c.run(context.Background(), "initdb", "-D", c.DataDir, "-U", SuperUser,
		"--pwfile="+pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return fmt.Errorf("cannot initdb: %w\n%s", err, out)
	}
	if err := c.writeConfig(); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	return c.createRoles()
}

// writeConfig appends the test settings to postgresql.conf and replaces pg_hba.conf.
func (c *Cluster) writeConfig() error {
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 600
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
`, c.Port, c.DataDir) + c.extraConf
	f, err := os.OpenFile(filepath.Join(c.DataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("cannot open postgresql.conf: %w", err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write postgresql.conf: %w", err)
	}
	// Order matters: bob must hit the md5 line before the catch-all scram line.
	hba := "local all all scram-sha-256\n" +
		"host all " + Bob.User + " 127.0.0.1/32 md5\n" +
		"host all all 127.0.0.1/32 scram-sha-256\n" + c.extraHBA
	if err := os.WriteFile(filepath.Join(c.DataDir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("cannot write pg_hba.conf: %w", err)
	}
	return nil
}

// createRoles creates alice (SCRAM), bob (md5) and the test database owned by alice.
func (c *Cluster) createRoles() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := c.Connect(ctx, Login{User: SuperUser, Password: SuperPassword, Database: "postgres"})
	if err != nil {
		return fmt.Errorf("cannot connect as superuser: %w", err)
	}
	stmts := []string{
		"SET password_encryption = 'scram-sha-256'",
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", Alice.User, Alice.Password),
		"SET password_encryption = 'md5'",
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", Bob.User, Bob.Password),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", TestDatabase, Alice.User),
	}
	err = execAll(ctx, conn, stmts)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	conn, err = c.Connect(ctx, Super)
	if err != nil {
		return fmt.Errorf("cannot connect to %s as superuser: %w", TestDatabase, err)
	}
	defer conn.Close(ctx)
	return execAll(ctx, conn, []string{"GRANT ALL ON SCHEMA public TO " + Bob.User})
}

// execAll runs each statement in order and stops at the first error.
func execAll(ctx context.Context, conn *pgx.Conn, stmts []string) error {
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("cannot run %q: %w", s, err)
		}
	}
	return nil
}

// Start starts the postmaster and waits until it accepts connections.
func (c *Cluster) Start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := c.run(ctx, "pg_ctl", "-D", c.DataDir, "-l", c.LogFile, "-w", "-t", "50", "start")
	if err != nil {
		return fmt.Errorf("cannot start PostgreSQL: %w\n%s\n%s", err, out, c.LogTail(2000))
	}
	pid, err := c.readPID()
	if err != nil {
		return err
	}
	c.pid = pid
	return nil
}

// Stop shuts PostgreSQL down in fast mode, then kills the postmaster by PID if it is still there.
func (c *Cluster) Stop() error {
	if c.pid == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	out, stopErr := c.run(ctx, "pg_ctl", "-D", c.DataDir, "-m", "fast", "-w", "-t", "30", "stop")
	pid := c.pid
	c.pid = 0
	if processAlive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		deadline := time.Now().Add(5 * time.Second)
		for processAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if stopErr != nil {
		return fmt.Errorf("cannot stop PostgreSQL cleanly (killed pid %d): %w\n%s", pid, stopErr, out)
	}
	return nil
}

// Close stops the cluster and removes its folder.
func (c *Cluster) Close() error {
	err := c.Stop()
	if rmErr := os.RemoveAll(c.Dir); err == nil && rmErr != nil {
		err = fmt.Errorf("cannot remove cluster folder: %w", rmErr)
	}
	return err
}

// PID returns the postmaster's process id, or 0 when stopped.
func (c *Cluster) PID() int { return c.pid }

// LogTail returns at most n bytes from the end of the server log.
func (c *Cluster) LogTail(n int) string {
	b, err := os.ReadFile(c.LogFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// readPID reads the postmaster PID from postmaster.pid.
func (c *Cluster) readPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(c.DataDir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("cannot read postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("cannot parse postmaster.pid: %w", err)
	}
	return pid, nil
}

// run executes a PostgreSQL binary as the cluster's OS user with a raised open-files limit
// (runuser resets it to 1024) and returns its combined output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	script := `ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`
	argv := append([]string{"-c", script, "pgbash", filepath.Join(c.bin, name)}, args...)
	var cmd *exec.Cmd
	if c.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs, "--", "bash"}, argv...)...)
	} else {
		cmd = exec.CommandContext(ctx, "bash", argv...)
	}
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// chownToRunAs gives path to the cluster's OS user when running as root.
func (c *Cluster) chownToRunAs(path string) error {
	if c.runAs == "" {
		return nil
	}
	u, err := user.Lookup(c.runAs)
	if err != nil {
		return fmt.Errorf("cannot look up OS user %s: %w", c.runAs, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("cannot chown %s: %w", path, err)
	}
	return nil
}

// processAlive reports whether a process with this PID exists and is not a zombie: a
// postmaster that has exited stays a zombie until init reaps it, which took up to 2 s here,
// and Stop would kill and wait for it all that time.
func processAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: kill's answer stands
	}
	// The state follows the command name, which is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// FreePort returns a TCP port on 127.0.0.1 that is free now and that this
// process has not handed out before. It is chosen below the kernel's
// ephemeral range (ip_local_port_range), where the kernel never puts the
// sockets it numbers itself (listeners on port 0, outgoing connections): a
// port asked of the kernel and closed again can be given to one of those
// before PostgreSQL or pgdogd binds it, which made cluster starts fail with
// "Address already in use" on a loaded machine.
func FreePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	lo := ephemeralStart() // ports below it are picked from
	for range 1000 {
		port := firstPort + rand.IntN(lo-firstPort)
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue // in use
		}
		l.Close()
		portsGiven[port] = true
		return port, nil
	}
	return 0, errors.New("cannot pick a free port: 1000 tries below the ephemeral range failed")
}

// firstPort is the lowest port FreePort picks.
const firstPort = 12000

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// ephemeralStart is the first port of the kernel's ephemeral range (32768 when unknown).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo <= firstPort+1000 {
		return 32768
	}
	return lo
}
