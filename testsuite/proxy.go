// Proxy: builds the pgdogd binary, writes its TOML files, runs it and stops it by PID.

package testsuite

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// General is pgdog.toml's [general] table; zero fields are left out of the file.
type General struct {
	Host            string `toml:"host"`
	Port            int    `toml:"port"`
	Workers         int    `toml:"workers,omitzero"`
	DefaultPoolSize int    `toml:"default_pool_size,omitzero"`
	PoolerMode      string `toml:"pooler_mode,omitempty"`
	AuthType        string `toml:"auth_type,omitempty"`
	CheckoutTimeout int    `toml:"checkout_timeout,omitzero"` // ms
	ConnectTimeout  int    `toml:"connect_timeout,omitzero"`  // ms
	ShutdownTimeout int    `toml:"shutdown_timeout,omitzero"` // ms
	IdleTimeout     int    `toml:"idle_timeout,omitzero"`     // ms
	// Prepared statements: "extended" (default), "disabled" or "full"; the limit is per server.
	PreparedStatements      string `toml:"prepared_statements,omitempty"`
	PreparedStatementsLimit int    `toml:"prepared_statements_limit,omitzero"`
	MirrorQueue             int    `toml:"mirror_queue,omitzero"`
	// MirrorExposure is a pointer because 0.0 is meaningful: nil leaves the key out.
	MirrorExposure *float64 `toml:"mirror_exposure,omitempty"`
	// MirrorSeed makes exposure sampling reproducible (0 leaves the key out: random).
	MirrorSeed int `toml:"mirror_seed,omitzero"`
	// MirrorStats is a pointer because false is meaningful: nil leaves the key out (true).
	MirrorStats        *bool `toml:"mirror_stats,omitempty"`
	MirrorStatsQueries int   `toml:"mirror_stats_queries,omitzero"`
	// MirrorStatsTiming is a pointer because 0.0 is meaningful: nil leaves the key out (0.1).
	MirrorStatsTiming *float64 `toml:"mirror_stats_timing,omitempty"`
	// Replicas: load balancing, health checks and bans (0 or "" leaves a key out).
	LoadBalancingStrategy string `toml:"load_balancing_strategy,omitempty"`
	ReadWriteSplit        string `toml:"read_write_split,omitempty"`
	ReadWriteStrategy     string `toml:"read_write_strategy,omitempty"`
	HealthcheckInterval   int    `toml:"healthcheck_interval,omitzero"` // ms
	HealthcheckTimeout    int    `toml:"healthcheck_timeout,omitzero"`  // ms
	BanTimeout            int    `toml:"ban_timeout,omitzero"`          // ms
	BanReplicaLag         int    `toml:"ban_replica_lag,omitzero"`      // ms
	BanReplicaLagBytes    int    `toml:"ban_replica_lag_bytes,omitzero"`
	// PinSessionState is a pointer because false is meaningful: nil leaves the key out (true).
	PinSessionState *bool `toml:"pin_session_state,omitempty"`
	// Metrics endpoint (0 = off).
	OpenmetricsPort      int    `toml:"openmetrics_port,omitzero"`
	OpenmetricsHost      string `toml:"openmetrics_host,omitempty"`
	OpenmetricsNamespace string `toml:"openmetrics_namespace,omitempty"`
	// Client TLS files (the suite's TLS mode sets them; see tlsmode.go).
	TLSCertificate string `toml:"tls_certificate,omitempty"`
	TLSPrivateKey  string `toml:"tls_private_key,omitempty"`
}

// Database is one [[databases]] entry.
type Database struct {
	Name         string `toml:"name"`
	Host         string `toml:"host"`
	Port         int    `toml:"port"`
	DatabaseName string `toml:"database_name,omitempty"`
	PoolSize     int    `toml:"pool_size,omitzero"`
	PoolerMode   string `toml:"pooler_mode,omitempty"`
	Role         string `toml:"role,omitempty"`
}

// Mirror is one [[mirroring]] entry; zero fields are left out of the file.
type Mirror struct {
	SourceDB      string `toml:"source_db"`
	DestinationDB string `toml:"destination_db"`
	QueueLength   int    `toml:"queue_length,omitzero"`
	// Exposure is a pointer because 0.0 is meaningful: nil leaves the key out.
	Exposure *float64 `toml:"exposure,omitempty"`
	Level    string   `toml:"level,omitempty"`
}

// Admin is pgdog.toml's [admin] table.
type Admin struct {
	Name     string `toml:"name,omitempty"`
	User     string `toml:"user,omitempty"`
	Password string `toml:"password,omitempty"`
}

// User is one [[users]] entry of users.toml.
type User struct {
	Name           string `toml:"name"`
	Database       string `toml:"database"`
	Password       string `toml:"password,omitempty"`
	PoolSize       int    `toml:"pool_size,omitzero"`
	PoolerMode     string `toml:"pooler_mode,omitempty"`
	ServerUser     string `toml:"server_user,omitempty"`
	ServerPassword string `toml:"server_password,omitempty"`
}

// ProxyConfig is everything written to pgdog.toml and users.toml.
type ProxyConfig struct {
	General   General    `toml:"general"`
	Databases []Database `toml:"databases"`
	Mirroring []Mirror   `toml:"mirroring,omitempty"`
	Admin     Admin      `toml:"admin"`
	Users     []User     `toml:"-"`
	// UsersTOML, when set, is written as users.toml instead of Users.
	UsersTOML string `toml:"-"`
	// Plain keeps the suite's TLS mode off this proxy: for tests of pgdogd without TLS.
	Plain bool `toml:"-"`
}

// DefaultConfig is a transaction-mode, SCRAM proxy in front of c's TestDatabase with alice
// and bob (plain passwords) and pools of 10.
func DefaultConfig(c *Cluster) ProxyConfig {
	return ProxyConfig{
		General: General{
			Host: "127.0.0.1", Workers: 2, DefaultPoolSize: 10,
			PoolerMode: "transaction", AuthType: "scram",
			CheckoutTimeout: 5000, ConnectTimeout: 2000, ShutdownTimeout: 5000,
		},
		Databases: []Database{{Name: TestDatabase, Host: c.Host, Port: c.Port, DatabaseName: TestDatabase}},
		Admin:     Admin{Password: "admin"},
		Users: []User{
			{Name: Alice.User, Database: TestDatabase, Password: Alice.Password, PoolSize: 10},
			{Name: Bob.User, Database: TestDatabase, Password: Bob.Password, PoolSize: 10},
		},
	}
}

// Proxy is a running pgdogd process.
type Proxy struct {
	Endpoint
	Dir         string
	MetricsPort int // the metrics endpoint's port (openmetrics_port), 0 when off
	cmd         *exec.Cmd
	logs        *syncBuffer
	done        chan struct{} // closed when the process has exited
	result      error         // cmd.Wait's result, valid after done
}

// StartProxy writes cfg (with a fresh port) into a temp folder, starts pgdogd and waits up to
// 10 s for its port to accept. The process is stopped (SIGINT, then SIGKILL) when t ends and
// its log is printed if t failed.
func StartProxy(t testing.TB, cfg ProxyConfig) *Proxy {
	t.Helper()
	return StartProxyWith(t, cfg, nil)
}

// StartProxyWith is StartProxy with extra `key = value` lines in pgdog.toml's [general]
// table (for keys General has no field for), running pgdogd through prefix when given: a
// command that execs it (such as prlimit), so that the process id is still pgdogd's.
func StartProxyWith(t testing.TB, cfg ProxyConfig, prefix []string, extra ...string) *Proxy {
	t.Helper()
	bin, err := ProxyBinary()
	if err != nil {
		t.Fatalf("pgdogd binary unavailable: %v", err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg.General.Host, cfg.General.Port = "127.0.0.1", port
	dir := t.TempDir()
	if err := writeProxyFilesTLS(dir, cfg, !cfg.Plain && !hasTLSLines(extra)); err != nil {
		t.Fatal(err)
	}
	sslMode := ""
	if suiteTLS() && !cfg.Plain && (cfg.General.TLSCertificate != "" || !hasTLSLines(extra)) {
		sslMode = "require"
	}
	if err := addGeneralLines(filepath.Join(dir, "pgdog.toml"), extra); err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Endpoint: Endpoint{Host: "127.0.0.1", Port: port, SSLMode: sslMode}, Dir: dir,
		MetricsPort: cfg.General.OpenmetricsPort}
	argv := append(append([]string(nil), prefix...),
		bin, "-c", filepath.Join(dir, "pgdog.toml"), "-u", filepath.Join(dir, "users.toml"))
	p.start(t, argv, nil)
	return p
}

// start runs argv in p.Dir with extra environment env, its output in p's
// log, and waits until it accepts on p's port; it is stopped when t ends.
func (p *Proxy) start(t testing.TB, argv, env []string) {
	t.Helper()
	p.logs, p.done = &syncBuffer{}, make(chan struct{})
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = p.Dir
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("cannot start pgdogd: %v", err)
	}
	go func() { p.result = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cleanup(t) })
	if err := p.waitReady(10 * time.Second); err != nil {
		t.Fatalf("pgdogd not ready: %v\nlog:\n%s", err, p.Logs())
	}
}

// addGeneralLines inserts lines right after the [general] header of a pgdog.toml.
func addGeneralLines(path string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	const header = "[general]\n"
	i := strings.Index(string(b), header)
	if i < 0 {
		return fmt.Errorf("%s has no [general] table:\n%s", path, b)
	}
	at := i + len(header)
	out := string(b[:at]) + strings.Join(lines, "\n") + "\n" + string(b[at:])
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// writeProxyFiles writes pgdog.toml and users.toml into dir.
func writeProxyFiles(dir string, cfg ProxyConfig) error {
	return writeProxyFilesTLS(dir, cfg, !cfg.Plain)
}

// writeProxyFilesTLS is writeProxyFiles; in the suite's TLS mode, suiteTLS gives a
// configuration without client TLS the suite's certificate.
func writeProxyFilesTLS(dir string, cfg ProxyConfig, suiteTLS bool) error {
	if err := useSuiteTLS(&cfg.General, suiteTLS); err != nil {
		return err
	}
	var main, users bytes.Buffer
	if err := toml.NewEncoder(&main).Encode(cfg); err != nil {
		return fmt.Errorf("cannot encode pgdog.toml: %w", err)
	}
	if cfg.UsersTOML != "" {
		users.WriteString(cfg.UsersTOML)
	} else if err := toml.NewEncoder(&users).Encode(struct {
		Users []User `toml:"users"`
	}{cfg.Users}); err != nil {
		return fmt.Errorf("cannot encode users.toml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pgdog.toml"), main.Bytes(), 0o600); err != nil {
		return fmt.Errorf("cannot write pgdog.toml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.toml"), users.Bytes(), 0o600); err != nil {
		return fmt.Errorf("cannot write users.toml: %w", err)
	}
	return nil
}

// waitReady polls the port until it accepts or the process exits.
func (p *Proxy) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("pgdogd exited early: %v", p.result)
		default:
		}
		conn, err := net.DialTimeout("tcp", p.Addr(), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("port %d did not accept within %v", p.Port, limit)
}

// cleanup stops the process if it still runs and prints its log when t failed.
func (p *Proxy) cleanup(t testing.TB) {
	if p.Alive() {
		_ = p.Signal(syscall.SIGINT)
		if _, err := p.Wait(10 * time.Second); err != nil {
			_ = p.cmd.Process.Kill()
			_, _ = p.Wait(5 * time.Second)
		}
	}
	if t.Failed() {
		t.Logf("pgdogd log (%s):\n%s", p.Dir, p.Logs())
	}
}

// PID returns pgdogd's process id.
func (p *Proxy) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to pgdogd (and only to it).
func (p *Proxy) Signal(sig syscall.Signal) error {
	if !p.Alive() {
		return errors.New("pgdogd already exited")
	}
	return syscall.Kill(p.cmd.Process.Pid, sig)
}

// Alive reports whether the process has not exited yet.
func (p *Proxy) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// ErrStillRunning is returned by Wait when the process did not exit in time.
var ErrStillRunning = errors.New("pgdogd still running")

// Wait waits up to limit for the process to exit and returns its exit code.
func (p *Proxy) Wait(limit time.Duration) (int, error) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-time.After(limit):
		return -1, ErrStillRunning
	}
}

// Logs returns everything pgdogd wrote to stdout and stderr so far.
func (p *Proxy) Logs() string { return p.logs.String() }

// syncBuffer is a bytes.Buffer safe for one writer goroutine and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	binOnce sync.Once
	binPath string
	binDir  string
	binErr  error
)

// ProxyBinary returns the pgdogd binary: $PGDOGD_BIN if set, else built once per process from
// the module root into a temp folder (with -race when PGDOGD_RACE=1).
func ProxyBinary() (string, error) {
	binOnce.Do(func() {
		if b := os.Getenv("PGDOGD_BIN"); b != "" {
			binPath = b
			return
		}
		binPath, binErr = buildProxy()
	})
	return binPath, binErr
}

// buildProxy runs "go build ./cmd/pgdogd" in the module root.
func buildProxy() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	binDir, err = os.MkdirTemp("", "pgdogd-bin-")
	if err != nil {
		return "", fmt.Errorf("cannot create build folder: %w", err)
	}
	out := filepath.Join(binDir, "pgdogd")
	args := []string{"build", "-o", out}
	if os.Getenv("PGDOGD_RACE") == "1" {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./cmd/pgdogd")...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("cannot build pgdogd: %w\n%s", err, b)
	}
	return out, nil
}

// moduleRoot is the parent of this package's folder.
func moduleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		root := filepath.Dir(filepath.Dir(file))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot find module root: %w", err)
	}
	return filepath.Dir(wd), nil
}

// RemoveProxyBinary deletes the folder of a binary built by ProxyBinary.
func RemoveProxyBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}
