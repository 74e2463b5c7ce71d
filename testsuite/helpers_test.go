// Small helpers shared by the integration tests.

package testsuite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// testCtx returns a context cancelled after d or when t ends.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// sqlState returns the SQLSTATE of a *pgconn.PgError in err's chain, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// queryInt runs a one-value query and returns it as int64.
func queryInt(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (int64, error) {
	var n int64
	err := conn.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

// queryString runs a one-value query and returns it as a string.
func queryString(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (string, error) {
	var s string
	err := conn.QueryRow(ctx, sql, args...).Scan(&s)
	return s, err
}

// rawStartup dials addr and runs the startup handshake for l; the connection is closed when t ends.
func rawStartup(t testing.TB, addr string, l Login) (*RawConn, error) {
	t.Helper()
	r, err := RawDial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, r.Startup(l, nil)
}

// waitFor polls cond every 50 ms until it returns true or limit passes.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
