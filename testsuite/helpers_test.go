// Small helpers shared by the integration tests.

package testsuite

import (
	"context"
	"errors"
	"strings"
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

// waitLimit bounds a wait for an event that normally comes within milliseconds: generous
// enough for a loaded 2-core machine running -race, and free when the event comes.
const waitLimit = 20 * time.Second

// waitUntil polls cond until it holds, and fails t naming what it waited for after limit.
func waitUntil(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if !waitFor(limit, cond) {
		t.Fatalf("gave up after %v waiting for %s", limit, what)
	}
}

// withMetrics turns cfg's metrics endpoint on, on a free port of 127.0.0.1.
func withMetrics(t testing.TB, cfg ProxyConfig) ProxyConfig {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg.General.OpenmetricsPort, cfg.General.OpenmetricsHost = port, "127.0.0.1"
	return cfg
}

// metric reads one sample (name and labels) from p's metrics endpoint.
func (p *Proxy) metric(t testing.TB, series string) float64 {
	t.Helper()
	if p.MetricsPort == 0 {
		t.Fatalf("reading %s: the proxy runs without a metrics endpoint (see withMetrics)", series)
	}
	return sample(t, scrapePort(t, p.MetricsPort, "/metrics"), series)
}

// events reads events_total of one event from p's metrics endpoint.
func (p *Proxy) events(t testing.TB, event string) float64 {
	t.Helper()
	return p.metric(t, `events_total{event="`+event+`"}`)
}

// waitEvents waits until events_total of event reaches at least n.
func (p *Proxy) waitEvents(t testing.TB, event string, n float64) {
	t.Helper()
	var got float64
	if !waitFor(waitLimit, func() bool { got = p.events(t, event); return got >= n }) {
		t.Fatalf("events_total{event=%q} is %v after %v, want at least %v", event, got, waitLimit, n)
	}
}

// waitLog waits until p's log holds s; it fails t when p exits or after waitLimit first.
func (p *Proxy) waitLog(t testing.TB, s string) {
	t.Helper()
	if !waitFor(waitLimit, func() bool { return strings.Contains(p.Logs(), s) || !p.Alive() }) || !strings.Contains(p.Logs(), s) {
		t.Fatalf("pgdogd's log does not show %q (waited %v; process alive: %v):\n%s", s, waitLimit, p.Alive(), p.Logs())
	}
}
