// level_test.go checks the classification of captured transactions as DML or DDL.

package mirror

import (
	"testing"

	"github.com/pgdogd/pgdogd/codec"
)

// capture builds a capture buffer of one record per request.
func capture(reqs ...[]byte) []byte {
	var buf []byte
	for _, r := range reqs {
		buf = AppendRecord(buf, 0, r)
	}
	return buf
}

func TestClassify(t *testing.T) {
	q := func(sql string) []byte { return codec.AppendQuery(nil, sql) }
	parse := codec.AppendParse(nil, "s1", []byte("  ALTER TABLE t ADD c int"), []byte{0, 0})
	long := q("select 1; /* ; */ CREATE TABLE t (x text default ';')")
	cases := []struct {
		name string
		buf  []byte
		want Kind
	}{
		{"select", capture(q("select 1")), KindDML},
		{"ddl second statement", capture(q("insert into t values (1); drop table t")), KindDML | KindDDL},
		{"comments and parens", capture(q("-- x\n/* y /* z */ */ ((VACUUM))")), KindDDL},
		{"string is not a keyword", capture(q("select 'create table x'")), KindDML},
		{"parse", capture(parse), KindDDL},
		{"frame split across requests", capture(long[:12], long[12:]), KindDML},
		{"split after the ddl word", capture(long[:len(long)-3], long[len(long)-3:]), KindDML | KindDDL},
		{"nothing", capture(codec.AppendSync(nil)), KindDML},
	}
	for _, c := range cases {
		if got := Classify(c.buf); got != c.want {
			t.Errorf("%s: Classify = %b, want %b", c.name, got, c.want)
		}
	}
	for _, m := range []struct {
		k     Kind
		level string
		want  bool
	}{{KindDML, "dml", true}, {KindDML | KindDDL, "dml", false}, {KindDDL, "ddl", true}, {KindDML, "ddl", false}, {KindDML, "all", true}} {
		if got := m.k.Matches(m.level); got != m.want {
			t.Errorf("%b.Matches(%q) = %v", m.k, m.level, got)
		}
	}
}

func TestReadOnly(t *testing.T) {
	for _, c := range []struct {
		sql  string
		read bool
	}{
		{"select 1/0", true},
		{"BEGIN; SELECT * FROM t WHERE a = 1; COMMIT", true},
		{"with x as (select 1) select * from x", true},
		{"show work_mem; set work_mem = '1MB'", true},
		{"select * from t for update", false},
		{"select 1 into t2", false},
		{"select nextval('s')", false},
		{"with d as (delete from t returning *) select * from d", false},
		{"update t set a = 1", false},
		{"select 1; insert into t values (1)", false},
		{"vacuum t", false},
		{"explain select * from t", true},
		{"values (1); table t", true},
		{"select * from t where x = 'update'", true},
		{"select * from t for share", false},
		{"select currval('s')", false},
		{"select pg_advisory_lock(1)", false},
		{"commit prepared 'x'", false},
		{"rollback prepared 'x'", false},
		{"copy t from stdin", false},
		{"", true},
	} {
		var q []byte
		q = codec.AppendQuery(q, c.sql)
		if got := ReadOnly(AppendRecord(nil, 0, q)); got != c.read {
			t.Errorf("ReadOnly(%q) = %v, want %v", c.sql, got, c.read)
		}
	}
}
