// Startup parameters through pgdogd: client-set values survive server sharing; ParameterStatus.

package testsuite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// sessionParams are startup parameters and the values "show" must report for them.
type sessionParams struct {
	runtime map[string]string
	shows   map[string]string
}

func paramsFor(app, tz, datestyle, path string, timeoutMS int) sessionParams {
	return sessionParams{
		runtime: map[string]string{
			"application_name": app, "TimeZone": tz, "DateStyle": datestyle, "search_path": path,
			"options": fmt.Sprintf("-c statement_timeout=%d", timeoutMS),
		},
		shows: map[string]string{
			"application_name": app, "timezone": tz, "datestyle": datestyle, "search_path": path,
			"statement_timeout": fmt.Sprintf("%dms", timeoutMS),
		},
	}
}

// TestStartupParamsPoolOfOne alternates two clients with different startup parameters over a
// single server in transaction mode; each must always see its own values.
func TestStartupParamsPoolOfOne(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 1
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	a := paramsFor("foo", "America/New_York", "SQL, DMY", "schema_a, public", 1234)
	b := paramsFor("bar", "Asia/Tokyo", "German, DMY", "schema_b", 4321)
	connA := connectWithParams(t, p, a, pgx.QueryExecModeSimpleProtocol)
	connB := connectWithParams(t, p, b, pgx.QueryExecModeExec)
	for round := 0; round < 4; round++ {
		for _, c := range []struct {
			name string
			conn *pgx.Conn
			want sessionParams
		}{{"A", connA, a}, {"B", connB, b}} {
			for setting, want := range c.want.shows {
				got, err := queryString(ctx, c.conn, "show "+setting)
				if err != nil || got != want {
					t.Errorf("round %d client %s: show %s = %q, %v; want %q", round, c.name, setting, got, err, want)
				}
			}
		}
	}
	pidA, errA := queryInt(ctx, connA, "select pg_backend_pid()")
	pidB, errB := queryInt(ctx, connB, "select pg_backend_pid()")
	if errA != nil || errB != nil || pidA != pidB {
		t.Errorf("clients did not share the single server: %d (%v) vs %d (%v)", pidA, errA, pidB, errB)
	}
	// A server-side view: while B runs a query, PostgreSQL sees B's application_name.
	var app string
	err := connB.QueryRow(ctx, "select application_name from pg_stat_activity where pid = pg_backend_pid()").Scan(&app)
	if err != nil || app != "bar" {
		t.Errorf("pg_stat_activity application_name for B = %q, %v", app, err)
	}
}

// connectWithParams opens a pgx connection to p with the given startup parameters.
func connectWithParams(t *testing.T, p *Proxy, sp sessionParams, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := p.PGXConfig(Alice)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	for k, v := range sp.runtime {
		cfg.RuntimeParams[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect with params %v: %v", sp.runtime, err)
	}
	t.Cleanup(func() { closeQuietly(conn) })
	return conn
}

// TestParameterStatus compares the startup ParameterStatus set with PostgreSQL's own.
func TestParameterStatus(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	direct := shared.MustConnect(t, Alice)
	proxied := p.MustConnect(t, Alice)
	want := direct.PgConn().ParameterStatus("server_version")
	if got := proxied.PgConn().ParameterStatus("server_version"); got == "" || got != want {
		t.Errorf("server_version through pgdogd = %q, PostgreSQL says %q", got, want)
	}
	for _, name := range []string{"client_encoding", "DateStyle", "TimeZone", "integer_datetimes", "standard_conforming_strings"} {
		got := proxied.PgConn().ParameterStatus(name)
		if got == "" {
			t.Errorf("ParameterStatus %s missing through pgdogd", name)
		}
		if d := direct.PgConn().ParameterStatus(name); got != d {
			t.Errorf("ParameterStatus %s = %q through pgdogd, %q directly", name, got, d)
		}
	}
}
