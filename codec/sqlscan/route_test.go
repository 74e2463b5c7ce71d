// route_test.go checks the read/write classification, the role hints and the transaction starts.

package sqlscan

import "testing"

func TestReadOnly(t *testing.T) {
	for _, c := range []struct {
		sql  string
		read bool
	}{
		// reads
		{"select 1", true},
		{"SELECT * FROM t WHERE id = $1", true},
		{"SeLeCt a FROM t;", true},
		{"select 1;;", true},
		{"(select 1) union (select 2)", true},
		{"((SELECT 1))", true},
		{"values (1), (2)", true},
		{"TABLE t", true},
		{"with x as (select 1) select * from x", true},
		{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r", true},
		{"with x as materialized (select 1) select * from x", true},
		{"select * from t where x = 'insert'", true},
		{"select 'update t set a = 1; delete from t'", true},
		{"select $$ update t $$, $f$ insert into $f$", true},
		{"select E'\\' delete'", true},
		{"select \"update\", \"insert\", \"delete\", \"into\" from \"merge\"", true},
		{"select update_count, inserted, deleted_at, merged from t", true},
		{"select 1 /* update */ -- delete\n", true},
		{"select substring(s from 1 for 2) from t", true},
		{"select * from t order by a limit 1 offset 2", true},
		{"select * from t for read only", true}, // not a locking clause
		{"select currval_of(1)", true},
		{"select \"NEXTVAL\"('s')", true}, // not nextval: quoted, upper case
		{"select pg_is_in_recovery(), now()", true},
		{"select 1; select 2; values (3)", true},
		{"EXPLAIN SELECT 1", true},
		{"explain analyze select * from t", true},
		{"EXPLAIN ANALYZE VERBOSE SELECT 1", true},
		{"explain (analyze, buffers, format json) select * from t", true},
		{"explain with x as (select 1) select * from x", true},
		{"copy t to stdout", true},
		{"COPY t (a, b) TO STDOUT WITH (FORMAT csv, HEADER)", true},
		{"copy (select * from t where a = 1) to stdout", true},
		{"select 1\x00insert into t values (1)", true}, // NUL ends the text

		// writes and locks in a SELECT
		{"select * from t for update", false},
		{"SELECT * FROM t FOR UPDATE SKIP LOCKED", false},
		{"select * from t for no key update", false},
		{"select * from t FOR SHARE", false},
		{"select * from t for key share nowait", false},
		{"select * from t for update of t", false},
		{"select 1 into t2", false},
		{"SELECT * INTO TEMP t2 FROM t", false},
		{"select nextval('s')", false},
		{"select id, NEXTVAL('s') as n from t", false},
		{"select pg_catalog.nextval('s')", false},
		{"select \"nextval\"('s')", false},
		{"select setval('s', 1)", false},
		{"select currval('s')", false},
		{"select lastval()", false},
		{"select pg_advisory_lock(1)", false},
		{"SELECT pg_advisory_xact_lock(1)", false},
		{"select pg_try_advisory_lock_shared(1)", false},
		{"select pg_advisory_unlock_all()", false},
		{"select pg_notify('c', 'x')", false},
		{"select set_config('a.b', 'c', false)", false},
		{"select txid_current()", false},
		{"select lo_import('/tmp/x')", false},
		{"select pg_terminate_backend(1)", false},
		{"values (nextval('s'))", false},
		{"with d as (delete from t returning *) select * from d", false},
		{"WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT * FROM i", false},
		{"with u as (update t set a = 1 returning *) select 1", false},
		{"with m as (merge into t using s on t.id = s.id when matched then delete) select 1", false},
		{"with x as (select 1) insert into t select * from x", false},
		{"with x as (select 1) update t set a = 1", false},
		{"select update from t", false}, // a column named update: false errs safely

		// EXPLAIN and COPY of writes
		{"explain analyze insert into t values (1)", false},
		{"explain insert into t values (1)", false},
		{"EXPLAIN (ANALYZE) UPDATE t SET a = 1", false},
		{"explain delete from t", false},
		{"explain select * from t for update", false},
		{"explain create table t2 as select 1", false},
		{"explain execute s", false},
		{"explain", false},
		{"explain (analyze", false},
		{"copy t from stdin", false},
		{"COPY t (a) FROM STDIN WITH (FORMAT binary)", false},
		{"copy (delete from t returning *) to stdout", false},
		{"copy (select nextval('s')) to stdout", false},
		{"copy t", false},

		// other statements
		{"insert into t values (1)", false},
		{"INSERT INTO t SELECT * FROM u", false},
		{"update t set a = 1", false},
		{"delete from t", false},
		{"merge into t using s on t.id = s.id when matched then do nothing", false},
		{"create table t (a int)", false},
		{"drop table t", false},
		{"alter table t add b int", false},
		{"truncate t", false},
		{"call p()", false},
		{"do $$ begin perform 1; end $$", false},
		{"lock table t", false},
		{"vacuum t", false},
		{"analyze t", false},
		{"begin", false},
		{"BEGIN READ ONLY", false},
		{"start transaction", false},
		{"commit", false},
		{"rollback", false},
		{"savepoint a", false},
		{"release savepoint a", false},
		{"set work_mem = '1MB'", false},
		{"reset all", false},
		{"show work_mem", true},
		{"listen c", false},
		{"notify c", false},
		{"unlisten *", false},
		{"prepare s as select 1", false},
		{"execute s", false},
		{"declare c cursor for select 1", false},
		{"fetch 1 from c", false},
		{"deallocate all", false},
		{"discard all", false},
		{"refresh materialized view v", false},
		{"checkpoint", false},

		// mixed and empty texts
		{"select 1; insert into t values (1)", false},
		{"insert into t values (1); select 1", false},
		{"BEGIN; SELECT * FROM t; COMMIT", false},
		{"select 1; set a = 1", false},
		{"", false},
		{"   ", false},
		{";;", false},
		{"/* only a comment */", false},
		{"-- select 1", false},
		{"\x00select 1", false},
		{"()", false},
		{"select", true}, // PostgreSQL returns a row without columns
	} {
		if got := ReadOnly([]byte(c.sql)); got != c.read {
			t.Errorf("ReadOnly(%q) = %v, want %v", c.sql, got, c.read)
		}
	}
}

func TestRoleHint(t *testing.T) {
	for _, c := range []struct {
		sql  string
		role string // "" for no hint
	}{
		{"/* pgdog_role: primary */ SELECT * FROM users WHERE id = $1", "primary"},
		{"/* pgdog_role: replica */ select 1", "replica"},
		{"/*pgdog_role:primary*/select 1", "primary"},
		{"/* pgdog_role:    replica */ select 1", "replica"},
		{"SELECT * FROM users /* pgdog_role: primary */", "primary"},
		{"select 1; /* pgdog_role: primary */", "primary"},
		{"select 1 /* pgdog_role: primary */ ;", "primary"},
		{"/* pgdog_role: prefer-primary */ select 1", "prefer-primary"},
		{"/* pgdog_role: prefer_replica */ select 1", "prefer-replica"},
		{"/* pgdog_role: force-replica */ create temp table x as select 1", "force-replica"},
		{"/* pgdog_role: force_primary */ select 1", "force-primary"},
		{"/* pgdog_role: any */ select 1", "any"},
		{"/* pgdog_shard: 1 pgdog_role: replica */ select 1", "replica"},
		{"/* app:web */ /* pgdog_role: primary */ select 1", "primary"},
		{"-- c\n/* pgdog_role: primary */\nselect 1", "primary"},
		{"  \n\t/* pgdog_role: primary */ select 1\x00/* pgdog_role: replica */", "primary"},
		{"/* pgdog_role: primary */ select 1 /* pgdog_role: replica */", "primary"},
		{"/* hello */ select 1 /* pgdog_role: replica */", "replica"},
		{"/* pgdog_role: nope pgdog_role: replica */ select 1", "replica"},
		{"/* pgdog_role: primaryish */ select 1", "primary"}, // a prefix, as PgDog's pattern reads it
		{"/* outer /* pgdog_role: primary */ */ select 1", "primary"},

		{"select 1", ""},
		{"", ""},
		{"/* pgdog_role: Primary */ select 1", ""},           // values are lower case
		{"/* PGDOG_ROLE: primary */ select 1", ""},           // and so is the directive
		{"/* pgdog_role : primary */ select 1", ""},          // the colon follows the name
		{"/* pgdog_role:\tprimary */ select 1", ""},          // only spaces after the colon
		{"/* pgdog_role: invalid */ select 1", ""},           // an unknown value
		{"-- pgdog_role: primary\nselect 1", ""},             // only block comments
		{"select /* pgdog_role: primary */ 1", ""},           // inside the statement
		{"select 1; /* pgdog_role: primary */ select 2", ""}, // between statements
		{"select '/* pgdog_role: primary */'", ""},           // a string
		{"select $$ /* pgdog_role: primary */ $$", ""},       // a dollar-quoted string
		{"\x00/* pgdog_role: primary */ select 1", ""},
	} {
		role, ok := RoleHint([]byte(c.sql))
		if role != c.role || ok != (c.role != "") {
			t.Errorf("RoleHint(%q) = %q, %v, want %q", c.sql, role, ok, c.role)
		}
	}
}

func TestStartsTransaction(t *testing.T) {
	for _, c := range []struct {
		sql           string
		start, rdonly bool
	}{
		{"BEGIN", true, false},
		{"begin;", true, false},
		{"bEgIn WORK", true, false},
		{"BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE", true, false},
		{"/* c */ begin; select 1", true, false},
		{"START TRANSACTION", true, false},
		{"start transaction read write", true, false},
		{"BEGIN READ ONLY", true, true},
		{"begin work read only", true, true},
		{"BEGIN TRANSACTION READ ONLY", true, true},
		{"START TRANSACTION ISOLATION LEVEL READ COMMITTED READ ONLY NOT DEFERRABLE", true, true},
		{"BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", true, true},
		{"begin read only, read write", true, false},
		{"BEGIN ISOLATION LEVEL READ COMMITTED", true, false},
		{"start", false, false},
		{"select 1; begin", false, false},
		{"commit", false, false},
		{"\"begin\"", false, false},
		{"", false, false},
	} {
		if got := StartsTransaction([]byte(c.sql)); got != c.start {
			t.Errorf("StartsTransaction(%q) = %v, want %v", c.sql, got, c.start)
		}
		if got := BeginsReadOnly([]byte(c.sql)); got != c.rdonly {
			t.Errorf("BeginsReadOnly(%q) = %v, want %v", c.sql, got, c.rdonly)
		}
	}
}

// writeFirst are first keywords of statements that never only read.
var writeFirst = []string{"insert", "update", "delete", "merge", "create", "drop", "alter", "truncate",
	"grant", "revoke", "vacuum", "analyze", "call", "do", "lock", "begin", "commit", "rollback", "set",
	"reset", "listen", "notify", "prepare", "execute", "declare", "refresh", "comment", "cluster", "reindex"}

// writeAnywhere are words that a statement ReadOnly accepts never holds.
var writeAnywhere = []string{"insert", "update", "delete", "merge", "into", "nextval", "setval", "pg_advisory_lock"}

var routeSeeds = []string{
	"select 1",
	"with d as (delete from t returning *) select * from d",
	"select * from t for no key update; select 2",
	"explain (analyze, format json) select nextval('s')",
	"copy (select 1) to stdout; copy t from stdin",
	"/* pgdog_role: primary */ select $$update$$ /* pgdog_role: replica */",
	"begin read only; select 1",
}

func FuzzReadOnly(f *testing.F) {
	for _, s := range routeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, sql []byte) {
		read := ReadOnly(sql)
		RoleHint(sql)
		if BeginsReadOnly(sql) && !StartsTransaction(sql) {
			t.Fatalf("BeginsReadOnly without StartsTransaction: %q", sql)
		}
		if !read {
			return
		}
		if StartsTransaction(sql) {
			t.Fatalf("ReadOnly(%q) and StartsTransaction", sql)
		}
		s := Split(sql)
		n := 0
		for {
			stmt, _, ok := s.Next()
			if !ok {
				break
			}
			n++
			if !ReadOnly(stmt) {
				t.Fatalf("ReadOnly(%q) but not its statement %q", sql, stmt)
			}
			if first, ok := FirstKeyword(stmt); ok {
				for _, w := range writeFirst {
					if first.Is(stmt, w) {
						t.Fatalf("ReadOnly(%q): a statement starts with %q", sql, w)
					}
				}
			}
			toks := Tokenize(stmt)
			for {
				tok, ok := toks.Next()
				if !ok {
					break
				}
				for _, w := range writeAnywhere {
					if tok.Is(stmt, w) {
						t.Fatalf("ReadOnly(%q): a statement holds %q", sql, w)
					}
				}
			}
		}
		if n == 0 {
			t.Fatalf("ReadOnly(%q) without statements", sql)
		}
	})
}

func BenchmarkReadOnly(b *testing.B) {
	for _, c := range []struct{ name, sql string }{
		{"select", "SELECT id, name, email FROM users WHERE id = $1 AND tenant_id = $2 ORDER BY created_at DESC LIMIT 10"},
		{"update", "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"},
		{"cte", "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT count(*) FROM recent JOIN users u ON u.id = recent.user_id"},
		{"hinted", "/* pgdog_role: primary */ SELECT * FROM users WHERE id = $1"},
	} {
		sql := []byte(c.sql)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(sql)))
			for b.Loop() {
				ReadOnly(sql)
			}
		})
	}
}

func BenchmarkRoleHint(b *testing.B) {
	plain := []byte("SELECT id, name, email FROM users WHERE id = $1 AND tenant_id = $2 ORDER BY created_at DESC LIMIT 10")
	hinted := append([]byte("/* pgdog_role: primary */ "), plain...)
	for _, c := range []struct {
		name string
		sql  []byte
	}{{"plain", plain}, {"hinted", hinted}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				RoleHint(c.sql)
			}
		})
	}
}
