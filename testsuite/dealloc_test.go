// DEALLOCATE and DISCARD keep pgdogd's prepared statement cache exact: psycopg's rollback and rotation, multi-statement queries, and a differential against PostgreSQL.

package testsuite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestDeallocPsycopgRollback: psycopg 3 with its defaults prepares a query at its 6th run;
// rollback() makes it send DEALLOCATE ALL through the extended protocol. The same query must
// run again afterwards, and a pgx client sharing the single server keeps its statements.
func TestDeallocPsycopgRollback(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	ctx := testCtx(t, 60*time.Second)
	other := connectPgx(t, p.Endpoint, Alice, 0) // pgx's default statement cache
	if n, err := queryInt(ctx, other, "select $1::int * 3", 5); err != nil || n != 15 {
		t.Fatalf("pgx client before psycopg: %d, %v", n, err)
	}
	out, err := runPython(t, 60*time.Second, map[string]string{"PGDOGD_DSN": p.URL(Alice)}, "dealloc_rollback.py")
	if err != nil || !strings.HasSuffix(out, "\nok\n") {
		t.Errorf("psycopg prepare, rollback (DEALLOCATE ALL), prepare again: %v\n%s", err, clipOutput(out))
	}
	for i := 0; i < 3; i++ {
		if n, err := queryInt(ctx, other, "select $1::int * 3", 7+i); err != nil || n != int64(3*(7+i)) {
			t.Fatalf("pgx client on the same server after psycopg's DEALLOCATE ALL, run %d: %d, %v", i, n, err)
		}
	}
}

// TestDeallocPsycopgRotation: psycopg 3 with prepare_threshold=0 runs 130 distinct statements;
// beyond its cache of 100 it sends DEALLOCATE _pg3_N through the extended protocol, which
// must succeed as it does on PostgreSQL.
func TestDeallocPsycopgRotation(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	out, err := runPython(t, 60*time.Second, map[string]string{"PGDOGD_DSN": p.URL(Alice)}, "dealloc_rotate.py")
	if err != nil || !strings.HasPrefix(out, "ok ") {
		t.Fatalf("psycopg rotating its statement cache with DEALLOCATE _pg3_N: %v\n%s", err, clipOutput(out))
	}
}

// TestDeallocMultiStatement: "select 1; deallocate all" as one simple query drops the client's
// statements on PostgreSQL; afterwards the client's old name answers 26000, re-preparing it
// works, and another client's statements on the same server keep working.
func TestDeallocMultiStatement(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	ctx := testCtx(t, 60*time.Second)
	a := p.MustConnect(t, Alice).PgConn()
	b := p.MustConnect(t, Alice).PgConn()
	cached := connectPgx(t, p.Endpoint, Alice, 0)
	if _, err := a.Prepare(ctx, "s1", "select $1::int + 100", nil); err != nil {
		t.Fatalf("a: prepare s1: %v", err)
	}
	if _, err := b.Prepare(ctx, "b1", "select $1::int + 200", nil); err != nil {
		t.Fatalf("b: prepare b1: %v", err)
	}
	for _, c := range []struct {
		pc   *pgconn.PgConn
		name string
		want string
	}{{a, "s1", "101"}, {b, "b1", "201"}} {
		if v, err := execPreparedOne(ctx, c.pc, c.name, "1"); err != nil || v != c.want {
			t.Fatalf("%s before: %q, %v", c.name, v, err)
		}
	}
	if n, err := queryInt(ctx, cached, "select $1::int + 300", 1); err != nil || n != 301 {
		t.Fatalf("pgx cache before: %d, %v", n, err)
	}

	res, err := a.Exec(ctx, "select 1; deallocate all").ReadAll()
	if err != nil || len(res) != 2 || res[1].CommandTag.String() != "DEALLOCATE ALL" {
		t.Fatalf("select 1; deallocate all: %v, %v", res, err)
	}
	_, err = execPreparedOne(ctx, a, "s1", "2")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "26000" || pgErr.Message != `prepared statement "s1" does not exist` {
		t.Errorf(`s1 after "select 1; deallocate all": %v; want 26000 prepared statement "s1" does not exist`, err)
	}
	if _, err := a.Prepare(ctx, "s1", "select $1::int + 110", nil); err != nil {
		t.Errorf(`re-preparing s1 after "select 1; deallocate all": %v`, err)
	} else if v, err := execPreparedOne(ctx, a, "s1", "2"); err != nil || v != "112" {
		t.Errorf("re-prepared s1: %q, %v; want 112", v, err)
	}
	if v, err := execPreparedOne(ctx, b, "b1", "3"); err != nil || v != "203" {
		t.Errorf(`other client's b1 after "select 1; deallocate all": %q, %v; want 203`, v, err)
	}
	if n, err := queryInt(ctx, cached, "select $1::int + 300", 4); err != nil || n != 304 {
		t.Errorf(`pgx cached statement after "select 1; deallocate all": %d, %v; want 304`, n, err)
	}
}

// deallocStep is one request of a differential case: sql through the simple protocol, or
// through the extended protocol (an unnamed statement, pgconn's ExecParams) when ext is set.
type deallocStep struct {
	ext bool
	sql string
}

// deallocActions are the statements tried; each becomes a simple, an extended and a
// multi-statement case. The client holds s1 and s2 (protocol-level Parse) when they run.
var deallocActions = []struct {
	name  string
	steps []string // one request each
	multi []string // the same inside a multi-statement simple query
}{
	{"deallocate name", []string{"DEALLOCATE s1"}, []string{"select 1; DEALLOCATE s1"}},
	{"deallocate prepare name", []string{"DEALLOCATE PREPARE s1"}, []string{"select 1; DEALLOCATE PREPARE s1"}},
	{"deallocate all", []string{"DEALLOCATE ALL"}, []string{"select 1; DEALLOCATE ALL"}},
	{"discard all", []string{"DISCARD ALL"}, []string{"select 1; DISCARD ALL"}},
	{"discard all in a transaction", []string{"BEGIN", "DISCARD ALL", "ROLLBACK"}, []string{"BEGIN; select 1; DISCARD ALL", "ROLLBACK"}},
	{"deallocate unknown name", []string{"DEALLOCATE unknown_name"}, []string{"select 1; DEALLOCATE unknown_name"}},
	{"deallocate another client's name", []string{"DEALLOCATE b1"}, []string{"select 1; DEALLOCATE b1"}},
}

// TestDeallocDifferential runs every DEALLOCATE / DISCARD case directly on PostgreSQL and
// through pgdogd (pool of 1, so the second client shares the server) and wants the same
// transcript: command tags, errors (SQLSTATE and message), then what the client's s1 and s2
// and the second client's b1 answer. No message may name pgdogd's statements.
func TestDeallocDifferential(t *testing.T) {
	for _, act := range deallocActions {
		for _, kind := range []string{"simple", "extended", "multi-statement"} {
			var steps []deallocStep
			src := act.steps
			if kind == "multi-statement" {
				src = act.multi
			}
			for _, s := range src {
				steps = append(steps, deallocStep{ext: kind == "extended", sql: s})
			}
			t.Run(act.name+"/"+kind, func(t *testing.T) {
				ctx := testCtx(t, 30*time.Second)
				want, err := deallocTranscript(ctx, shared.Endpoint, steps)
				if err != nil {
					t.Fatalf("directly on PostgreSQL: %v\n%s", err, strings.Join(want, "\n"))
				}
				t.Logf("on PostgreSQL:\n%s", strings.Join(want, "\n"))
				p := StartProxy(t, prepConfig(shared, 1))
				got, err := deallocTranscript(ctx, p.Endpoint, steps)
				if err != nil {
					t.Fatalf("through pgdogd: %v\n%s", err, strings.Join(got, "\n"))
				}
				if diff := transcriptDiff(want, got); diff != "" {
					t.Errorf("pgdogd differs from PostgreSQL (-postgres +pgdogd):\n%s", diff)
				}
				for _, line := range got {
					if strings.Contains(line, stmtPrefixLeak) {
						t.Errorf("a message shows pgdogd's statement name: %s", line)
					}
				}
			})
		}
	}
}

// stmtPrefixLeak is the prefix of pgdogd's server-side statement names, which clients must never see.
const stmtPrefixLeak = "__pgdogd_"

// deallocTranscript runs one differential case on e: client b prepares b1, client a prepares
// s1 and s2 and runs each once, then a runs the steps; then a runs s1, s2 and a plain query,
// and b runs b1. Every answer is one line. The error is for failures outside the answers
// (cannot connect, a broken connection).
func deallocTranscript(ctx context.Context, e Endpoint, steps []deallocStep) ([]string, error) {
	var lines []string
	conns := map[string]*pgconn.PgConn{}
	for _, who := range []string{"b", "a"} {
		conn, err := e.Connect(ctx, Alice)
		if err != nil {
			return lines, fmt.Errorf("cannot connect %s: %w", who, err)
		}
		defer closeQuietly(conn)
		conns[who] = conn.PgConn()
	}
	a, b := conns["a"], conns["b"]
	prep := func(who string, pc *pgconn.PgConn, name, sql string) {
		_, err := pc.Prepare(ctx, name, sql, nil)
		lines = append(lines, fmt.Sprintf("%s prepare %s: %s", who, name, answerOf("ok", err)))
	}
	run := func(who string, pc *pgconn.PgConn, name string) {
		v, err := execPreparedOne(ctx, pc, name)
		lines = append(lines, fmt.Sprintf("%s execute %s: %s", who, name, answerOf(v, err)))
	}
	prep("b", b, "b1", "select 'b1'::text")
	run("b", b, "b1")
	prep("a", a, "s1", "select 's1'::text")
	prep("a", a, "s2", "select 's2'::text")
	run("a", a, "s1")
	run("a", a, "s2")
	for _, s := range steps {
		if s.ext {
			res := a.ExecParams(ctx, s.sql, nil, nil, nil, nil).Read()
			lines = append(lines, fmt.Sprintf("a extended %q: %s", s.sql, answerOf(res.CommandTag.String(), res.Err)))
		} else {
			res, err := a.Exec(ctx, s.sql).ReadAll()
			var parts []string
			for _, r := range res {
				parts = append(parts, answerOf(r.CommandTag.String(), r.Err))
			}
			if err != nil && (len(res) == 0 || res[len(res)-1].Err == nil) {
				parts = append(parts, answerOf("", err))
			}
			lines = append(lines, fmt.Sprintf("a simple %q: %s", s.sql, strings.Join(parts, " | ")))
		}
	}
	run("a", a, "s1")
	run("a", a, "s2")
	res := a.ExecParams(ctx, "select $1::int + 1", [][]byte{[]byte("41")}, nil, nil, nil).Read()
	v := ""
	if res.Err == nil && len(res.Rows) == 1 {
		v = string(res.Rows[0][0])
	}
	lines = append(lines, "a unnamed select: "+answerOf(v, res.Err))
	run("b", b, "b1")
	if a.IsClosed() || b.IsClosed() {
		return lines, fmt.Errorf("a connection was closed (a: %v, b: %v)", a.IsClosed(), b.IsClosed())
	}
	return lines, nil
}

// answerOf is ok, or the error as "ERROR <SQLSTATE> <message>", with its detail and hint
// when it has them (or its text when not a server error).
func answerOf(ok string, err error) string {
	if err == nil {
		return ok
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		s := fmt.Sprintf("%s %s %s", pgErr.Severity, pgErr.Code, pgErr.Message)
		if pgErr.Detail != "" {
			s += " DETAIL: " + pgErr.Detail
		}
		if pgErr.Hint != "" {
			s += " HINT: " + pgErr.Hint
		}
		return s
	}
	return "failure: " + err.Error()
}

// transcriptDiff lists the lines where want and got differ, or "" when they are equal.
func transcriptDiff(want, got []string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			fmt.Fprintf(&b, "-%s\n+%s\n", w, g)
		} else {
			fmt.Fprintf(&b, " %s\n", w)
		}
	}
	if strings.Join(want, "\n") == strings.Join(got, "\n") {
		return ""
	}
	return b.String()
}
