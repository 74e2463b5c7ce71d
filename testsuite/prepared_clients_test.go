// Prepared statements in transaction mode from real clients: pgbench -M prepared, pgx's statement cache, lib/pq and pgconn.

package testsuite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPreparedPgbench runs pgbench -M prepared (select-only and tpcb-like) with 16 clients
// over a pool of 4, so that every client's statements meet servers that lack them.
func TestPreparedPgbench(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 4))
	ctx := testCtx(t, 60*time.Second)
	if out, err := shared.PgbenchInit(ctx, Alice, "-s", "1", "-q"); err != nil {
		t.Fatalf("pgbench -i directly: %v\n%s", err, out)
	}
	super := shared.MustConnect(t, Super)
	common := []string{"-n", "-M", "prepared", "-c", "16", "-j", "2", "-T", "5"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"select-only", []string{"-S"}},
		{"tpcb-like", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := queryInt(ctx, super, "select count(*) from pgbench_history")
			if err != nil {
				t.Fatal(err)
			}
			res, out, err := p.Pgbench(ctx, Alice, append(common, tc.args...)...)
			if err != nil || res.Processed == 0 || res.Failed != 0 {
				t.Fatalf("pgbench -M prepared %s: %+v, %v\n%s", tc.name, res, err, out)
			}
			t.Logf("%s: %d transactions, %.0f tps", tc.name, res.Processed, res.TPS)
			after, err := queryInt(ctx, super, "select count(*) from pgbench_history")
			if err != nil {
				t.Fatal(err)
			}
			want := res.Processed
			if tc.args != nil {
				want = 0 // select-only writes nothing
			}
			if after-before != want {
				t.Errorf("pgbench_history grew by %d, want %d", after-before, want)
			}
		})
	}
}

// TestPreparedPgxCache runs pgx's default statement cache from 8 connections over a pool of 3:
// 24 distinct queries, half the connections with a cache of 8 so that pgx closes and
// re-prepares its statements under the same names.
func TestPreparedPgxCache(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 3))
	const conns, rounds, shapes = 8, 120, 24
	clients := make([]*pgx.Conn, conns)
	for i := range clients {
		capacity := 0
		if i%2 == 1 {
			capacity = 8
		}
		clients[i] = connectPgx(t, p.Endpoint, Alice, capacity)
	}
	ctx := testCtx(t, 60*time.Second)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for c, conn := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- pgxCacheRounds(ctx, conn, c, rounds, shapes)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// pgxCacheRounds runs rounds queries of shapes distinct texts on conn and checks every result;
// every fifth round is an explicit transaction of two statements.
func pgxCacheRounds(ctx context.Context, conn *pgx.Conn, c, rounds, shapes int) error {
	for i := 0; i < rounds; i++ {
		k := (i*7 + c) % shapes
		arg := c*1000 + i
		if k%3 == 0 {
			var s string
			q := fmt.Sprintf("select $1::text || '-%d'", k)
			if err := conn.QueryRow(ctx, q, strconv.Itoa(arg)).Scan(&s); err != nil {
				return fmt.Errorf("conn %d round %d %q: %w", c, i, q, err)
			}
			if want := fmt.Sprintf("%d-%d", arg, k); s != want {
				return fmt.Errorf("conn %d round %d %q = %q, want %q", c, i, q, s, want)
			}
			continue
		}
		q := fmt.Sprintf("select $1::int + %d, $2::int * %d", k, k)
		if i%5 == 4 {
			if err := pgxTxRound(ctx, conn, q, arg, k); err != nil {
				return fmt.Errorf("conn %d round %d: %w", c, i, err)
			}
			continue
		}
		var sum, prod int
		if err := conn.QueryRow(ctx, q, arg, c).Scan(&sum, &prod); err != nil {
			return fmt.Errorf("conn %d round %d %q: %w", c, i, q, err)
		}
		if sum != arg+k || prod != c*k {
			return fmt.Errorf("conn %d round %d %q = (%d, %d), want (%d, %d)", c, i, q, sum, prod, arg+k, c*k)
		}
	}
	return nil
}

// pgxTxRound runs q twice inside one explicit transaction and checks both results.
func pgxTxRound(ctx context.Context, conn *pgx.Conn, q string, arg, k int) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for j := 0; j < 2; j++ {
		var sum, prod int
		if err := tx.QueryRow(ctx, q, arg+j, j).Scan(&sum, &prod); err != nil {
			return fmt.Errorf("in transaction %q: %w", q, err)
		}
		if sum != arg+j+k || prod != j*k {
			return fmt.Errorf("in transaction %q = (%d, %d), want (%d, %d)", q, sum, prod, arg+j+k, j*k)
		}
	}
	return tx.Commit(ctx)
}

// TestPreparedLibPQ uses database/sql prepared statements (lib/pq names them "1", "2", ...
// per connection) from 8 goroutines over a pool of 2, then closes and re-prepares them.
func TestPreparedLibPQ(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 2))
	db, err := p.OpenPQ(Alice)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(8)
	ctx := testCtx(t, 60*time.Second)
	if _, err := shared.MustConnect(t, Alice).Exec(ctx, "delete from events where note like 'prep-pq-%'"); err != nil {
		t.Fatal(err)
	}
	for generation := 0; generation < 2; generation++ {
		double, err := db.PrepareContext(ctx, "select $1::int * 2")
		if err != nil {
			t.Fatalf("generation %d: prepare: %v", generation, err)
		}
		insert, err := db.PrepareContext(ctx, "insert into events(note) values ($1) returning id, note")
		if err != nil {
			t.Fatalf("generation %d: prepare insert: %v", generation, err)
		}
		runLibPQ(t, ctx, double, insert, generation)
		if err := double.Close(); err != nil {
			t.Fatalf("generation %d: close: %v", generation, err)
		}
		if err := insert.Close(); err != nil {
			t.Fatalf("generation %d: close insert: %v", generation, err)
		}
	}
	var n int64
	if err := db.QueryRowContext(ctx, "select count(*) from events where note like 'prep-pq-%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2*8*40 {
		t.Errorf("events has %d rows from this test, want %d", n, 2*8*40)
	}
}

// runLibPQ runs both statements 40 times from each of 8 goroutines and checks every result.
func runLibPQ(t *testing.T, ctx context.Context, double, insert *sql.Stmt, generation int) {
	t.Helper()
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- libPQRounds(ctx, double, insert, generation, g)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func libPQRounds(ctx context.Context, double, insert *sql.Stmt, generation, g int) error {
	for i := 0; i < 40; i++ {
		x := generation*100000 + g*1000 + i
		var got int
		if err := double.QueryRowContext(ctx, x).Scan(&got); err != nil {
			return fmt.Errorf("goroutine %d round %d: double: %w", g, i, err)
		}
		if got != 2*x {
			return fmt.Errorf("goroutine %d round %d: double(%d) = %d", g, i, x, got)
		}
		note := fmt.Sprintf("prep-pq-%d", x)
		var id int64
		var back string
		if err := insert.QueryRowContext(ctx, note).Scan(&id, &back); err != nil {
			return fmt.Errorf("goroutine %d round %d: insert: %w", g, i, err)
		}
		if back != note || id <= 0 {
			return fmt.Errorf("goroutine %d round %d: insert returned (%d, %q), want note %q", g, i, id, back, note)
		}
	}
	return nil
}

// TestPreparedSameName has two clients prepare different SQL under the same name over a
// pool of 1: each must keep getting its own statement's results.
func TestPreparedSameName(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	ctx := testCtx(t, 30*time.Second)
	a := p.MustConnect(t, Alice).PgConn()
	b := p.MustConnect(t, Alice).PgConn()
	if _, err := a.Prepare(ctx, "s1", "select $1::int * 10", nil); err != nil {
		t.Fatalf("client A prepare: %v", err)
	}
	if _, err := b.Prepare(ctx, "s1", "select 'B:' || $1::text, length($1::text)", nil); err != nil {
		t.Fatalf("client B prepare: %v", err)
	}
	for i := 0; i < 50; i++ {
		x := strconv.Itoa(i + 1)
		got, err := execPrepared(ctx, a, "s1", x)
		if err != nil || fmt.Sprint(got) != fmt.Sprintf("[[%d]]", (i+1)*10) {
			t.Fatalf("round %d: client A s1(%s) = %v, %v; want [[%d]]", i, x, got, err, (i+1)*10)
		}
		got, err = execPrepared(ctx, b, "s1", x)
		if want := fmt.Sprintf("[[B:%s %d]]", x, len(x)); err != nil || fmt.Sprint(got) != want {
			t.Fatalf("round %d: client B s1(%s) = %v, %v; want %s", i, x, got, err, want)
		}
		if i%10 == 9 { // and inside explicit transactions, interleaved
			if err := sameNameTx(ctx, a, b, x); err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		}
	}
}

// sameNameTx runs A's s1 inside a transaction, then (after A commits) B's s1 inside one.
func sameNameTx(ctx context.Context, a, b *pgconn.PgConn, x string) error {
	n, _ := strconv.Atoi(x)
	for _, c := range []struct {
		name string
		conn *pgconn.PgConn
		want string
	}{{"A", a, fmt.Sprintf("[[%d]]", n*10)}, {"B", b, fmt.Sprintf("[[B:%s %d]]", x, len(x))}} {
		if err := simpleExec(ctx, c.conn, "begin"); err != nil {
			return fmt.Errorf("client %s begin: %w", c.name, err)
		}
		got, err := execPrepared(ctx, c.conn, "s1", x)
		if err != nil || fmt.Sprint(got) != c.want {
			return fmt.Errorf("client %s s1(%s) in a transaction = %v, %v; want %s", c.name, x, got, err, c.want)
		}
		if err := simpleExec(ctx, c.conn, "commit"); err != nil {
			return fmt.Errorf("client %s commit: %w", c.name, err)
		}
	}
	return nil
}
