// Client helpers: connection strings and connections for pgx v5 and lib/pq, and psql/pgbench runs.

package testsuite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/lib/pq" // registers the "postgres" database/sql driver
)

// Login is what a client presents: user, password and database.
type Login struct {
	User     string
	Password string
	Database string
}

// WithPassword returns a copy of l with another password.
func (l Login) WithPassword(pw string) Login { l.Password = pw; return l }

// WithDatabase returns a copy of l with another database.
func (l Login) WithDatabase(db string) Login { l.Database = db; return l }

// Endpoint is a host and port that speaks the PostgreSQL protocol (a cluster or the proxy).
type Endpoint struct {
	Host string
	Port int
	// SSLMode is libpq's sslmode for clients of this endpoint: "disable" when empty.
	// Proxies started under PGDOGD_TEST_CLIENT_TLS=1 are reached with "require".
	SSLMode string
}

// sslMode is the endpoint's sslmode.
func (e Endpoint) sslMode() string {
	if e.SSLMode == "" {
		return "disable"
	}
	return e.SSLMode
}

// Addr returns "host:port".
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// URL returns a postgres:// connection string with the endpoint's sslmode; params are extra
// key, value pairs.
func (e Endpoint) URL(l Login, params ...string) string {
	q := url.Values{}
	q.Set("sslmode", e.sslMode())
	q.Set("connect_timeout", "10")
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(l.User, l.Password),
		Host:     e.Addr(),
		Path:     "/" + l.Database,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// PGXConfig returns a pgx configuration for l; callers may adjust it before ConnectConfig.
func (e Endpoint) PGXConfig(l Login) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(e.URL(l))
	if err != nil {
		return nil, fmt.Errorf("cannot parse pgx config: %w", err)
	}
	return cfg, nil
}

// Connect opens a pgx connection with the simple protocol as default exec mode.
func (e Endpoint) Connect(ctx context.Context, l Login) (*pgx.Conn, error) {
	cfg, err := e.PGXConfig(l)
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return pgx.ConnectConfig(ctx, cfg)
}

// MustConnect is Connect that fails t on error and closes the connection when t ends.
func (e Endpoint) MustConnect(t testing.TB, l Login) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := e.Connect(ctx, l)
	if err != nil {
		t.Fatalf("cannot connect to %s as %s: %v", e.Addr(), l.User, err)
	}
	t.Cleanup(func() { closeQuietly(conn) })
	return conn
}

// closeQuietly closes a pgx connection with a short bound.
func closeQuietly(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// OpenPQ opens a lib/pq database/sql handle for l.
func (e Endpoint) OpenPQ(l Login) (*sql.DB, error) {
	db, err := sql.Open("postgres", e.URL(l))
	if err != nil {
		return nil, fmt.Errorf("cannot open lib/pq handle: %w", err)
	}
	return db, nil
}

// clientEnv is the environment for psql and pgbench toward e: password set, the endpoint's
// sslmode, no user files.
func (e Endpoint) clientEnv(l Login) []string {
	return append(os.Environ(),
		"PGPASSWORD="+l.Password, "PGSSLMODE="+e.sslMode(), "PGCONNECT_TIMEOUT=10",
		"PSQLRC=/dev/null", "LC_ALL=C")
}

// PsqlCmd builds a psql command for l; args follow the connection options.
func (e Endpoint) PsqlCmd(ctx context.Context, l Login, args ...string) *exec.Cmd {
	base := []string{"-X", "-w", "-v", "ON_ERROR_STOP=1",
		"-h", e.Host, "-p", strconv.Itoa(e.Port), "-U", l.User, "-d", l.Database}
	cmd := exec.CommandContext(ctx, "psql", append(base, args...)...)
	cmd.Env = e.clientEnv(l)
	return cmd
}

// Psql runs psql with args (e.g. "-tAc", "select 1") and returns its combined output.
func (e Endpoint) Psql(ctx context.Context, l Login, args ...string) (string, error) {
	out, err := e.PsqlCmd(ctx, l, args...).CombinedOutput()
	return string(out), err
}

// Pgbench runs pgbench against e and returns the parsed result and the full output. The error
// is non-nil on a non-zero exit, an aborted run, failed transactions or unparsable output.
func (e Endpoint) Pgbench(ctx context.Context, l Login, args ...string) (PgbenchResult, string, error) {
	base := []string{"-h", e.Host, "-p", strconv.Itoa(e.Port), "-U", l.User}
	cmd := exec.CommandContext(ctx, "pgbench", append(append(base, args...), l.Database)...)
	cmd.Env = e.clientEnv(l)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	runErr := cmd.Run()
	out := buf.String()
	if runErr != nil {
		return PgbenchResult{}, out, fmt.Errorf("pgbench failed: %w", runErr)
	}
	res, err := ParsePgbench(out)
	return res, out, err
}

// PgbenchInit runs "pgbench -i" (which has no result block) and returns its output.
func (e Endpoint) PgbenchInit(ctx context.Context, l Login, args ...string) (string, error) {
	base := []string{"-i", "-h", e.Host, "-p", strconv.Itoa(e.Port), "-U", l.User}
	cmd := exec.CommandContext(ctx, "pgbench", append(append(base, args...), l.Database)...)
	cmd.Env = e.clientEnv(l)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pgbench -i failed: %w", err)
	}
	return string(out), nil
}
