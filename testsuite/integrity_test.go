// Framing integrity: large server errors, large client frames, clients that leave mid-frame; and runPython for testsuite/py.

package testsuite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// systemPython is Debian's interpreter, which has python3-psycopg and python3-asyncpg
// (scripts/need-python.sh installs them); a python3 earlier on PATH may lack them.
const systemPython = "/usr/bin/python3"

// runPython runs testsuite/py/<script> with args under systemPython, with env added to the
// environment, and returns its combined output. It fails t (never skips) when the interpreter
// cannot import psycopg, and reports a run that outlives limit as a hang.
func runPython(t *testing.T, limit time.Duration, env map[string]string, script string, args ...string) (string, error) {
	t.Helper()
	check, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(check, systemPython, "-c", "import psycopg").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import psycopg (%v): run scripts/need-python.sh "+
			"(apt-get install python3-psycopg python3-asyncpg)\n%s", systemPython, err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, append([]string{filepath.Join("py", script)}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.WaitDelay = 2 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ctx.Err() != nil {
		return buf.String(), fmt.Errorf("py/%s did not finish within %v (hang); output so far:\n%s", script, limit, buf.String())
	}
	if err != nil {
		return buf.String(), fmt.Errorf("py/%s failed: %w", script, err)
	}
	return buf.String(), nil
}

// raiseSQL raises a P0001 error whose message is n 'x'.
func raiseSQL(n int) string {
	return fmt.Sprintf("DO $$BEGIN RAISE EXCEPTION '%%', repeat('x', %d); END$$;", n)
}

// raiseSizes are the lengths of the error messages: below, above and far above 64 KiB.
var raiseSizes = []int{16000, 70000, 1 << 20}

// TestIntegrityLargeErrorPgx raises errors of 16000, 70000 and 1 MiB characters through
// pgdogd with pgx: each reaches the client whole as ERROR P0001, and the connection goes on.
func TestIntegrityLargeErrorPgx(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	for _, n := range raiseSizes {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			conn, err := p.Connect(ctx, Alice)
			if err != nil {
				t.Fatalf("cannot connect: %v", err)
			}
			defer closeQuietly(conn)
			_, err = conn.Exec(ctx, raiseSQL(n))
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("RAISE of %d characters: got %v, want ERROR P0001", n, err)
			}
			if pgErr.Severity != "ERROR" || pgErr.Code != "P0001" {
				t.Fatalf("RAISE of %d characters: got %s %s %q, want ERROR P0001", n, pgErr.Severity, pgErr.Code, clipText(pgErr.Message))
			}
			if pgErr.Message != strings.Repeat("x", n) {
				t.Fatalf("RAISE of %d characters: message has %d bytes (%q), want %d 'x'", n, len(pgErr.Message), clipText(pgErr.Message), n)
			}
			if v, err := queryInt(ctx, conn, "select 1"); err != nil || v != 1 {
				t.Fatalf("select 1 on the same connection after the error: %d, %v", v, err)
			}
		})
	}
}

// TestIntegrityLargeErrorPsql does the same with psql: the error, then select 1 in one session.
func TestIntegrityLargeErrorPsql(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	for _, n := range raiseSizes {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			cmd := p.PsqlCmd(ctx, Alice, "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose", "-tA",
				"-c", raiseSQL(n), "-c", "select 'after ' || 1")
			cmd.WaitDelay = time.Second
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("psql did not finish within 30 s; stderr %q", clipText(stderr.String()))
			}
			want := "ERROR:  P0001: " + strings.Repeat("x", n) + "\n"
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("psql stderr %q (%d bytes, exit %v), want %q", clipText(stderr.String()), stderr.Len(), err, clipText(want))
			}
			if stdout.String() != "after 1\n" {
				t.Errorf("psql stdout %q after the error, want the next command's answer %q (stderr %q)", clipText(stdout.String()), "after 1\n", clipText(stderr.String()))
			}
		})
	}
}

// clipText shortens long strings for failure messages.
func clipText(s string) string {
	if len(s) <= 300 {
		return s
	}
	return s[:150] + fmt.Sprintf("…[%d bytes]…", len(s)-300) + s[len(s)-150:]
}

// TestIntegrityLargeQueryPgbench runs a custom pgbench script whose query text is about
// 100 KB, with -M extended and -M prepared, 8 clients over a pool of 2: every transaction
// must succeed and return the query's length.
func TestIntegrityLargeQueryPgbench(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 2
	p := StartProxy(t, cfg)
	const textLen = 100_000
	script := filepath.Join(t.TempDir(), "large.sql")
	sql := "select length('" + strings.Repeat("x", textLen) + "') as n \\gset\n" +
		"\\if :n != " + strconv.Itoa(textLen) + "\n  select 1/0;\n\\endif\n"
	if err := os.WriteFile(script, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	const clients, perClient = 8, 40
	for _, mode := range []string{"extended", "prepared"} {
		t.Run(mode, func(t *testing.T) {
			for _, target := range []struct {
				name string
				e    Endpoint
			}{{"directly on PostgreSQL", shared.Endpoint}, {"through pgdogd", p.Endpoint}} {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				res, out, err := target.e.Pgbench(ctx, Alice, "-n", "-M", mode, "-c", strconv.Itoa(clients), "-j", "2",
					"-t", strconv.Itoa(perClient), "-f", script)
				hung := ctx.Err() != nil
				cancel()
				if hung {
					t.Fatalf("pgbench -M %s %s did not finish within 60 s:\n%s", mode, target.name, clipOutput(out))
				}
				if err != nil || res.Failed != 0 || res.Processed != clients*perClient {
					t.Fatalf("pgbench -M %s %s with a %d-byte query: %+v, %v; want %d transactions, none failed\n%s",
						mode, target.name, textLen, res, err, clients*perClient, clipOutput(out))
				}
				t.Logf("-M %s %s: %d transactions, %.0f tps", mode, target.name, res.Processed, res.TPS)
			}
		})
	}
}

// clipOutput keeps pgbench's output readable: each line clipped, at most 40 lines.
func clipOutput(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], fmt.Sprintf("…[%d more lines]", len(lines)-40))
	}
	for i, l := range lines {
		lines[i] = clipText(l)
	}
	return strings.Join(lines, "\n")
}

// TestIntegrityLargeBindPsycopg sends a 300,000-byte bytea parameter with psycopg 3, 24 times
// on each of 3 connections over a pool of 1, unprepared and with psycopg's default
// prepare_threshold: every answer must be 300000.
func TestIntegrityLargeBindPsycopg(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 1
	p := StartProxy(t, cfg)
	for _, mode := range []string{"none", "default"} {
		t.Run("prepare_threshold="+mode, func(t *testing.T) {
			out, err := runPython(t, 60*time.Second, map[string]string{"PGDOGD_DSN": p.URL(Alice)}, "large_bytea.py", mode)
			if err != nil || !strings.HasPrefix(out, "ok 72\n") {
				t.Fatalf("psycopg with a 300,000-byte parameter (prepare_threshold %s): %v\n%s", mode, err, clipOutput(out))
			}
		})
	}
}

// cutFrame builds a typed protocol message whose length field says declared (body bytes + 4)
// followed by only the body bytes given: declared > len(body)+4 makes a cut frame.
func cutFrame(typ byte, declared int, body []byte) []byte {
	return cat([]byte{typ}, be32(uint32(declared)), body)
}

// psqlAnswers runs psql -c 'select 41 + 1' through p and fails t unless it prints 42 within
// limit; a psql still waiting then is killed and reported as a hang.
func psqlAnswers(t *testing.T, p *Proxy, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := p.PsqlCmd(ctx, Alice, "-tAc", "select 41 + 1")
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("psql -c 'select 41 + 1' through pgdogd did not answer within %v (hang: the pooled server "+
			"still waits for the rest of the frame the previous client left unfinished); output %q", limit, out)
	}
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("psql -c 'select 41 + 1' after the client left mid-frame: %q, %v; want 42", out, err)
	}
}

// TestIntegrityClientLeavesMidFrame: with a pool of 1, a client sends the start of a frame
// and closes its socket; the next client must be answered within 5 s on a clean server.
func TestIntegrityClientLeavesMidFrame(t *testing.T) {
	pool1 := func(t *testing.T) *Proxy { // a fresh proxy per case: no case inherits another's server
		cfg := DefaultConfig(shared)
		cfg.Users[0].PoolSize = 1
		return StartProxy(t, cfg)
	}
	t.Run("copydata cut", func(t *testing.T) {
		p := pool1(t)
		r, err := rawStartup(t, p.Addr(), Alice)
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		// CopyData outside COPY: PostgreSQL reads the whole frame, then ignores it.
		if _, err := r.Write(cutFrame('d', 100_000, []byte{'x'})); err != nil {
			t.Fatal(err)
		}
		r.Close()
		psqlAnswers(t, p, 5*time.Second)
	})

	t.Run("query cut", func(t *testing.T) {
		p := pool1(t)
		r, err := rawStartup(t, p.Addr(), Alice)
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		if _, err := r.Write(cutFrame('Q', 4+1000, []byte("select 1, 'abc"))); err != nil {
			t.Fatal(err)
		}
		r.Close()
		psqlAnswers(t, p, 5*time.Second)
	})

	for _, cut := range []bool{false, true} {
		name := "copy from stdin without CopyDone"
		if cut {
			name += ", last CopyData cut"
		}
		t.Run(name, func(t *testing.T) {
			p := pool1(t)
			ctx := testCtx(t, 30*time.Second)
			owner := shared.MustConnect(t, Alice)
			table := "integrity_copy_" + strconv.FormatInt(time.Now().UnixNano(), 36)
			if _, err := owner.Exec(ctx, "create table "+table+" (id int)"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, _ = owner.Exec(c, "drop table if exists "+table)
			})
			r, err := rawStartup(t, p.Addr(), Alice)
			if err != nil {
				t.Fatalf("startup: %v", err)
			}
			r.FE.Send(&pgproto3.Query{String: "copy " + table + " from stdin"})
			if err := r.FE.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := expectCopyIn(r, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			rows := cat(cutFrame('d', 4+2, []byte("1\n")), cutFrame('d', 4+2, []byte("2\n")), cutFrame('d', 4+2, []byte("3\n")))
			if cut {
				rows = append(rows, cutFrame('d', 4+50_000, []byte("4"))...)
			}
			if _, err := r.Write(rows); err != nil {
				t.Fatal(err)
			}
			r.Close()
			psqlAnswers(t, p, 5*time.Second)
			var n int64
			if !waitFor(waitLimit, func() bool {
				n, err = queryInt(ctx, owner, "select count(*) from "+table)
				return err == nil && n == 0 && copyDone(ctx, owner, table)
			}) {
				t.Fatalf("the abandoned COPY into %s: %d rows visible (%v) or still running %v after the client left; want 0 rows and no COPY", table, n, err, waitLimit)
			}
		})
	}
}

// expectCopyIn reads until CopyInResponse; an error or ReadyForQuery first is a failure.
func expectCopyIn(r *RawConn, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		msg, err := r.Receive(time.Until(deadline))
		if err != nil {
			return fmt.Errorf("no CopyInResponse: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyInResponse:
			return nil
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("COPY refused: %s %s", m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			return errors.New("ReadyForQuery before CopyInResponse")
		}
	}
}

// copyDone reports whether no backend is still inside the COPY into table (waiting for data).
func copyDone(ctx context.Context, conn *pgx.Conn, table string) bool {
	n, err := queryInt(ctx, conn, "select count(*) from pg_stat_activity where state = 'active'"+
		" and query = 'copy ' || $1 || ' from stdin' and pid <> pg_backend_pid()", table)
	return err == nil && n == 0
}
