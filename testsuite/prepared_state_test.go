// Prepared statement state: eviction by prepared_statements_limit, SHOW PREPARED, DISCARD ALL per client, session mode.

package testsuite

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// evictSQL is the i-th statement of the eviction test: one parameter, a result unique to i.
func evictSQL(i int) string { return fmt.Sprintf("select $1::int * 100 + %d as evict_%d", i, i) }

// TestPreparedEviction prepares 5 statements with prepared_statements_limit = 2 and a pool of
// 1: the server keeps at most the limit (plus the statement of the transaction that has just
// run, as eviction happens at the next transaction start) and every statement still runs.
func TestPreparedEviction(t *testing.T) {
	cfg := prepConfig(shared, 1)
	cfg.General.PreparedStatementsLimit = 2
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 30*time.Second)
	conn := p.MustConnect(t, Alice)
	pc := conn.PgConn()
	for i := 1; i <= 5; i++ {
		name := "ev" + strconv.Itoa(i)
		if _, err := pc.Prepare(ctx, name, evictSQL(i), nil); err != nil {
			t.Fatalf("prepare %s: %v", name, err)
		}
		checkEvictStmt(t, ctx, pc, i, 1)
	}
	n, err := countShared(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after preparing 5: %d statements on the server", n)
	if n < 1 || n > 3 {
		t.Errorf("server holds %d of pgdogd's statements with prepared_statements_limit 2, want 1 to 3", n)
	}
	for round := 2; round <= 3; round++ {
		for i := 5; i >= 1; i-- { // reverse order: the oldest are evicted ones
			checkEvictStmt(t, ctx, pc, i, round)
		}
	}
	n, err = countShared(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || n > 3 {
		t.Errorf("after re-running all 5, server holds %d statements, want 1 to 3", n)
	}
	checkShowPrepared(t, p)
}

// checkEvictStmt runs statement ev<i> with parameter x and checks its result.
func checkEvictStmt(t *testing.T, ctx context.Context, pc *pgconn.PgConn, i, x int) {
	t.Helper()
	got, err := execPreparedOne(ctx, pc, "ev"+strconv.Itoa(i), strconv.Itoa(x))
	if want := strconv.Itoa(x*100 + i); err != nil || got != want {
		t.Fatalf("ev%d(%d) = %q, %v; want %s", i, x, got, err, want)
	}
}

// checkShowPrepared checks that SHOW PREPARED lists the 5 statements of the eviction test,
// each once, under distinct names of pgdogd's own.
func checkShowPrepared(t *testing.T, p *Proxy) {
	t.Helper()
	admin := p.MustConnect(t, prepAdmin)
	res := mustConsole(t, admin, "SHOW PREPARED")
	res.wantPgDog(t, "SHOW PREPARED")
	names := map[string]bool{}
	for i := 1; i <= 5; i++ {
		var found []string
		for _, row := range res.rows {
			if row["statement"] == evictSQL(i) {
				found = append(found, row["name"])
			}
		}
		if len(found) != 1 {
			t.Errorf("SHOW PREPARED lists %q under %v, want exactly one name (rows %v)", evictSQL(i), found, res.rows)
			continue
		}
		if _, ok := stmtNumber(found[0]); !ok || names[found[0]] {
			t.Errorf("SHOW PREPARED names %q %q: want a distinct __pgdogd_<n>", evictSQL(i), found[0])
		}
		names[found[0]] = true
	}
}

// stmtNumber reads n from "__pgdogd_<n>".
func stmtNumber(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "__pgdogd_")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

// TestPreparedDiscardAll has two clients over a pool of 1 prepare the same SQL under the same
// name; DISCARD ALL (then DEALLOCATE ALL) from one removes only that client's statement.
func TestPreparedDiscardAll(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	ctx := testCtx(t, 30*time.Second)
	a := p.MustConnect(t, Alice).PgConn()
	b := p.MustConnect(t, Alice).PgConn()
	const sql = "select $1::int + 1000"
	for _, cmd := range []string{"discard all", "deallocate all", "DEALLOCATE PREPARE ALL"} {
		t.Run(cmd, func(t *testing.T) {
			for _, c := range []*pgconn.PgConn{a, b} {
				if _, err := c.Prepare(ctx, "d", sql, nil); err != nil {
					t.Fatalf("prepare: %v", err)
				}
				if got, err := execPreparedOne(ctx, c, "d", "1"); err != nil || got != "1001" {
					t.Fatalf("d(1) = %q, %v; want 1001", got, err)
				}
			}
			if err := simpleExec(ctx, a, cmd); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			if got, err := execPreparedOne(ctx, a, "d", "2"); sqlState(err) != "26000" {
				t.Errorf("after %s, the same client's d(2) = %q, %v; want SQLSTATE 26000", cmd, got, err)
			}
			if got, err := execPreparedOne(ctx, b, "d", "3"); err != nil || got != "1003" {
				t.Errorf("after the other client's %s, d(3) = %q, %v; want 1003", cmd, got, err)
			}
			// Clean slate for the next command: B forgets its d with a protocol Close.
			if err := b.Deallocate(ctx, "d"); err != nil {
				t.Fatalf("close d: %v", err)
			}
		})
	}
}

// TestPreparedDeallocateName runs SQL DEALLOCATE of a protocol-level statement (as some ORMs
// do): like PostgreSQL, the statement must be gone for that client afterwards, and the
// DEALLOCATE itself must succeed.
func TestPreparedDeallocateName(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	ctx := testCtx(t, 30*time.Second)
	a := p.MustConnect(t, Alice).PgConn()
	if _, err := a.Prepare(ctx, "dn", "select $1::int - 1", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := execPreparedOne(ctx, a, "dn", "10"); err != nil || got != "9" {
		t.Fatalf("dn(10) = %q, %v; want 9", got, err)
	}
	if err := simpleExec(ctx, a, "deallocate dn"); err != nil {
		t.Errorf("deallocate dn: %v; PostgreSQL accepts it", err)
	}
	if got, err := execPreparedOne(ctx, a, "dn", "11"); sqlState(err) != "26000" {
		t.Errorf("after deallocate dn, dn(11) = %q, %v; want SQLSTATE 26000", got, err)
	}
	if _, err := a.Prepare(ctx, "dn", "select $1::int - 2", nil); err != nil {
		t.Fatalf("prepare dn again: %v", err)
	}
	if got, err := execPreparedOne(ctx, a, "dn", "10"); err != nil || got != "8" {
		t.Errorf("re-prepared dn(10) = %q, %v; want 8", got, err)
	}
}

// TestPreparedSessionMode checks that session mode passes statements through: a named
// statement lives across transactions under the client's own name, and a Parse + Sync goes
// to PostgreSQL (an error in it comes back at once).
func TestPreparedSessionMode(t *testing.T) {
	cfg := prepConfig(shared, 2)
	cfg.General.PoolerMode = "session"
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 30*time.Second)
	conn := p.MustConnect(t, Alice)
	pc := conn.PgConn()
	if _, err := pc.Prepare(ctx, "sess_stmt", "select $1::int * 3", nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if got, err := execPreparedOne(ctx, pc, "sess_stmt", strconv.Itoa(i)); err != nil || got != strconv.Itoa(3*i) {
			t.Fatalf("sess_stmt(%d) = %q, %v; want %d", i, got, err, 3*i)
		}
	}
	if err := simpleExec(ctx, pc, "begin"); err != nil {
		t.Fatal(err)
	}
	if got, err := execPreparedOne(ctx, pc, "sess_stmt", "7"); err != nil || got != "21" {
		t.Fatalf("sess_stmt(7) in a transaction = %q, %v; want 21", got, err)
	}
	if err := simpleExec(ctx, pc, "commit"); err != nil {
		t.Fatal(err)
	}
	names, err := queryString(ctx, conn, "select coalesce(string_agg(name, ',' order by name), '') from pg_prepared_statements")
	if err != nil || names != "sess_stmt" {
		t.Errorf("pg_prepared_statements names = %q, %v; want sess_stmt only", names, err)
	}
	r, err := rawStartup(t, p.Addr(), Alice)
	if err != nil {
		t.Fatal(err)
	}
	got, err := transcript(r, &pgproto3.Parse{Name: "bad", Query: "select * from prep_no_such_table"}, &pgproto3.Sync{})
	if err != nil || got != "E[42P01] Z[I]" {
		t.Errorf("Parse + Sync of a bad query in session mode answered %q, %v; want E[42P01] Z[I] from PostgreSQL", got, err)
	}
}
