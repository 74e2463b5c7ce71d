// Transaction pooling through pgdogd: psql, pgbench, pgx exec modes, lib/pq, checkout timeout.

package testsuite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestPsqlSelect(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 20*time.Second)
	out, err := p.Psql(ctx, Alice, "-tAc", "select 1")
	if err != nil || strings.TrimSpace(out) != "1" {
		t.Fatalf("psql select 1: %q, %v", out, err)
	}
	out, err = p.Psql(ctx, Alice, "-tA", "-F", ",", "-c",
		"select sum(v), count(*), string_agg(x::text, '') from (select 0 as v, g as x from generate_series(1, 5) g) s; select 6 * 7")
	if err != nil || strings.TrimSpace(out) != "0,5,12345\n42" {
		t.Fatalf("psql multi-statement: %q, %v", out, err)
	}
}

// TestPgbench runs pgbench -S (simple, extended) and tpcb-like with 16 clients over a pool of 10.
func TestPgbench(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 120*time.Second)
	if out, err := p.PgbenchInit(ctx, Alice, "-s", "1", "-q"); err != nil {
		t.Errorf("pgbench -i through pgdogd: %v\n%s", err, out)
		if out, err := shared.PgbenchInit(ctx, Alice, "-s", "1", "-q"); err != nil {
			t.Fatalf("pgbench -i directly: %v\n%s", err, out)
		}
	}
	common := []string{"-c", "16", "-j", "2", "-T", "5"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"select-only-simple", []string{"-S", "-M", "simple"}},
		{"select-only-extended", []string{"-S", "-M", "extended"}},
		{"tpcb-like", []string{"-M", "simple"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, out, err := p.Pgbench(ctx, Alice, append(common, tc.args...)...)
			if err != nil || res.Processed == 0 {
				t.Fatalf("pgbench %s: %+v, %v\n%s", tc.name, res, err, out)
			}
			t.Logf("%s: %d transactions, %.0f tps", tc.name, res.Processed, res.TPS)
			if tc.name != "tpcb-like" {
				return
			}
			super := shared.MustConnect(t, Super)
			rows, err := queryInt(ctx, super, "select count(*) from pgbench_history")
			if err != nil || rows != res.Processed {
				t.Fatalf("pgbench_history has %d rows (%v), pgbench reported %d transactions", rows, err, res.Processed)
			}
		})
	}
}

// TestPgxExecModes runs pgx modes that use no named prepared statement, from several clients
// over a pool of 2 so that servers are shared between them.
func TestPgxExecModes(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 2
	p := StartProxy(t, cfg)
	modes := []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec, pgx.QueryExecModeCacheDescribe}
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(modes))
	for i, mode := range modes {
		for c := 0; c < 3; c++ {
			wg.Add(1)
			go func(mode pgx.QueryExecMode, seed int) {
				defer wg.Done()
				errs <- pgxWorkload(t, p, mode, seed)
			}(mode, i*10+c)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// pgxWorkload checks parameterised results, NULLs, multi-row results, errors and an explicit
// transaction (where DescribeExec is safe because the server is pinned).
func pgxWorkload(t *testing.T, p *Proxy, mode pgx.QueryExecMode, seed int) error {
	ctx := testCtx(t, 30*time.Second)
	cfg, err := p.PGXConfig(Alice)
	if err != nil {
		return err
	}
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%v: connect: %w", mode, err)
	}
	defer closeQuietly(conn)
	for i := 0; i < 30; i++ {
		var sum int64
		var text string
		var null *string
		err := conn.QueryRow(ctx, "select $1::int + $2::int, $3::text || '!', $4::text", seed, i, "v"+fmt.Sprint(i), nil).Scan(&sum, &text, &null)
		if err != nil || sum != int64(seed+i) || text != fmt.Sprintf("v%d!", i) || null != nil {
			return fmt.Errorf("%v: query %d = %d %q %v, %v", mode, i, sum, text, null, err)
		}
		n, err := queryInt(ctx, conn, "select sum(g) from generate_series(1, $1::int) g", i+1)
		if err != nil || n != int64((i+1)*(i+2)/2) {
			return fmt.Errorf("%v: series sum = %d, %v", mode, n, err)
		}
	}
	if _, err := conn.Exec(ctx, "select 1/$1::int", 0); sqlState(err) != "22012" {
		return fmt.Errorf("%v: division by zero gave %v, want 22012", mode, err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%v: begin: %w", mode, err)
	}
	defer tx.Rollback(ctx)
	var got int64
	err = tx.QueryRow(ctx, "select $1::int * 3", pgx.QueryExecModeDescribeExec, seed).Scan(&got)
	if err != nil || got != int64(seed*3) {
		return fmt.Errorf("%v: describe-exec in transaction = %d, %v", mode, got, err)
	}
	return tx.Commit(ctx)
}

// TestLibPQParams runs lib/pq queries with parameters concurrently over a pool of 3. By default
// lib/pq sends Parse/Describe/Sync and then Bind/Execute/Sync on the unnamed statement (two
// round trips); with binary_parameters=yes it sends everything before one Sync.
func TestLibPQParams(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 3
	p := StartProxy(t, cfg)
	for _, tc := range []struct{ name, url string }{
		{"two-round-trips", p.URL(Alice)},
		{"binary-parameters", p.URL(Alice, "binary_parameters", "yes")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("postgres", tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(8)
			errs := libpqWorkload(testCtx(t, 30*time.Second), db, 8)
			for _, err := range errs {
				t.Error(err)
			}
		})
	}
}

// libpqWorkload runs parameterised selects and an update from several workers and returns
// every mismatch or error.
func libpqWorkload(ctx context.Context, db *sql.DB, workers int) []error {
	var mu sync.Mutex
	var errs []error
	fail := func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				var twice int
				var label string
				want := fmt.Sprintf("w%d-%d", w, i)
				err := db.QueryRowContext(ctx, "select $1::int * 2, $2::text", w*100+i, want).Scan(&twice, &label)
				if err != nil || twice != 2*(w*100+i) || label != want {
					fail(fmt.Errorf("worker %d query %d: %d %q %v", w, i, twice, label, err))
					return
				}
			}
			res, err := db.ExecContext(ctx, "update kv set v = v + $1 where id = $2", 1, 50+w)
			if err != nil {
				fail(fmt.Errorf("worker %d update: %w", w, err))
			} else if n, _ := res.RowsAffected(); n != 1 {
				fail(fmt.Errorf("worker %d update: %d rows, want 1", w, n))
			}
		}(w)
	}
	wg.Wait()
	return errs
}

// TestCheckoutTimeout: with one server held by an open transaction, another client's query
// fails with an ErrorResponse around checkout_timeout instead of hanging.
func TestCheckoutTimeout(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.General.CheckoutTimeout = 500
	cfg.Users[0].PoolSize = 1
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 30*time.Second)
	a := p.MustConnect(t, Alice)
	b := p.MustConnect(t, Alice)
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "select 1"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = queryInt(testCtx(t, 5*time.Second), b, "select 1")
	took := time.Since(start)
	if err == nil || sqlState(err) == "" {
		t.Errorf("query while the pool is exhausted: %v after %v, want an ErrorResponse", err, took)
	}
	// The upper bound only tells a timeout from a hang (the query's context ends at 5 s):
	// generous for a loaded machine.
	if took > 3*time.Second || took < 400*time.Millisecond {
		t.Errorf("checkout error came after %v, want about 500ms", took)
	}
	t.Logf("checkout error after %v: %v", took, err)
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit of the holding transaction: %v", err)
	}
	c := p.MustConnect(t, Alice)
	if n, err := queryInt(ctx, c, "select 2 + 2"); err != nil || n != 4 {
		t.Fatalf("new client after commit: %d, %v", n, err)
	}
}
