// normalize_test.go holds the table tests of Normalize and of Of on chosen pairs.

package fingerprint

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"select * from t where id = 1", "select * from t where id = $1"},
		{"SELECT  *\n\tFROM T   WHERE Id=2 ;", "select * from t where id=$1"},
		{`SELECT "Col" FROM "T" /* c */ WHERE x = 'a''b' -- end`, `select "Col" from "T" where x = $1`},
		{"UPDATE pgbench_accounts SET abalance = abalance + -3241 WHERE aid = 83726;",
			"update pgbench_accounts set abalance = abalance + $1 where aid = $2"},
		{"select a - 1, a -1, - 2, 3", "select a - $1, a -$2, $3, $4"},
		{"select $5, $1, E'x\\'y', $$z$$, B'01', X'1F', 1.5e-3", "select $1, $2, $3, $4, $5, $6, $7"},
		{"select '1'::int, cast(2 as bigint), date '2024-01-01'", "select $1::int, cast($2 as bigint), date $3"},
		{"select * from t where a in (1, 2, 3) and b is not null and c = true and d is true",
			"select * from t where a in ($1, $2, $3) and b is not null and c = $4 and d is true"},
		{"insert into t values (null, false)", "insert into t values ($1, $2)"},
		{"select 1; select 2;", "select $1; select $2"},
		{"select'a'", "select $1"},
		{"select a$'x'", "select a$ $1"},
		{"select x->>'k', y @> '{}'::jsonb", "select x->>$1, y @> $2::jsonb"},
		{"  -- only a comment\n", ""},
		{"", ""},
		{"select 1\x00garbage", "select $1"},
	}
	for _, tt := range tests {
		got := string(Normalize(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Of([]byte(got)) != Of([]byte(tt.in)) {
			t.Errorf("Of(%q) != Of(%q)", got, tt.in)
		}
	}
}

func TestNormalizeAppends(t *testing.T) {
	dst := []byte("q: ")
	got := string(Normalize(dst, []byte("SELECT 1")))
	if got != "q: select $1" {
		t.Errorf("got %q", got)
	}
}

func TestOfPairs(t *testing.T) {
	same := [][2]string{
		{"select * from t where id = 1", "SELECT * FROM t WHERE id=2"},
		{"select * from t where id = 1", "select * from t where id = -1;"},
		{"select * from t where id = '1'::int", "select * from t where id = 1::int"},
		{"select * from t where id in (1, 2, 3)", "select * from t where id = any($1)"},
		{"select * from t where id not in (1, 2)", "select * from t where id <> $1"},
		{"select f(1, 2)", "select f()"},
		{"insert into t (a, b) values (1, 2), (3, 4)", "insert into t (a, b) values ($1, $2)"},
		{"select array[1, 2]", "select array[$1]"},
		{"begin isolation level serializable", "BEGIN"},
		{"savepoint a", "SAVEPOINT \"B\""},
		{"SET TIME ZONE 'UTC'", "set timezone to 'Europe/Paris'"},
		{"select x from t -- a\n", "/* b */ select x from t;"},
		{"select 1 order by 1, 2", "select 3 order by 4"},
	}
	for _, p := range same {
		if Of([]byte(p[0])) != Of([]byte(p[1])) {
			t.Errorf("Of(%q) != Of(%q)", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"select * from t where id = 1", "select * from t where id > 1"},
		{`select * from "T"`, "select * from T"},
		{"select a - 1", "select a + 1"},
		{"select a - 1", "select a + -1"},
		{"select x::int from t", "select x from t"},
		{"select * from t where a is null", "select * from t where a = null"},
		{"commit", "commit and chain"},
		{"begin", "start transaction"},
		{"set search_path to default", "set search_path to public"},
		{"select ab", "select a b"},
	}
	for _, p := range differ {
		if Of([]byte(p[0])) == Of([]byte(p[1])) {
			t.Errorf("Of(%q) == Of(%q)", p[0], p[1])
		}
	}
}
