// Differential protocol test: generator units for prepared statements (named, unnamed, Close, DEALLOCATE, DISCARD ALL).

package testsuite

import (
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// diffNames are the statement names clients use; a small set, so names are often reused.
var diffNames = []string{"s1", "s2", "s3", "Mixed", "a_long_statement_name_7"}

// quoteName is name as an SQL identifier.
func quoteName(name string) string {
	if strings.ToLower(name) == name && !strings.ContainsAny(name, " -\"") {
		return name
	}
	return `"` + name + `"`
}

// define records that name now holds st.
func (g *diffGen) define(name string, st diffStmt) {
	g.live[name], g.last[name] = st, st
	g.dead = slices.DeleteFunc(g.dead, func(n string) bool { return n == name })
}

// forget records that name was deallocated or closed.
func (g *diffGen) forget(name string) {
	if _, ok := g.live[name]; ok {
		delete(g.live, name)
		g.dead = append(g.dead, name)
	}
}

// forgetAll records DEALLOCATE ALL or DISCARD ALL.
func (g *diffGen) forgetAll() {
	for _, n := range diffNames {
		g.forget(n)
	}
}

// liveName returns a defined name, or "" when there is none.
func (g *diffGen) liveName() string {
	var names []string
	for _, n := range diffNames {
		if _, ok := g.live[n]; ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return names[g.r.IntN(len(names))]
}

// freeName returns a name the client believes undefined, preferring deallocated ones, or a
// defined one when every name is taken.
func (g *diffGen) freeName() string {
	if len(g.dead) > 0 && g.chance(50) {
		return g.dead[g.r.IntN(len(g.dead))]
	}
	var names []string
	for _, n := range diffNames {
		if _, ok := g.live[n]; !ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return g.liveName() // every name is taken: parse closes it first
	}
	return names[g.r.IntN(len(names))]
}

// bindArgs are st's arguments, with a wrong count now and then when misuse is on.
func (g *diffGen) bindArgs(st diffStmt) [][]byte {
	args := st.args()
	if g.has(DiffMisuse) && g.chance(8) {
		if len(args) > 0 && g.chance(50) {
			return args[:len(args)-1]
		}
		return append(args, []byte("1"))
	}
	return args
}

// parse appends a Parse of name; a name still defined is closed first unless misuse wants the 42P05.
func (g *diffGen) parse(b *batch, name string, st diffStmt, fail bool) {
	if _, ok := g.live[name]; ok && !(g.has(DiffMisuse) && g.chance(30)) {
		b.add(&pgproto3.Close{ObjectType: 'S', Name: name})
	}
	sql := st.sql
	if fail {
		sql = g.badSQL()
	}
	b.add(&pgproto3.Parse{Name: name, Query: sql, ParameterOIDs: st.oids})
	g.define(name, st)
}

// namedSegment appends the use of a named statement (defining it first when needed), without Sync.
func (g *diffGen) namedSegment(b *batch, fail bool) {
	name := g.liveName()
	st, ok := g.live[name]
	switch {
	case len(g.dead) > 0 && g.chance(12):
		name = g.dead[g.r.IntN(len(g.dead))] // re-use after DEALLOCATE or Close: 26000
		st = g.last[name]
	case !ok || fail || g.chance(35):
		name, st = g.freeName(), g.template()
		g.parse(b, name, st, fail)
	}
	if g.chance(30) {
		b.add(&pgproto3.Describe{ObjectType: 'S', Name: name})
	}
	portal := g.newPortal()
	b.add(&pgproto3.Bind{DestinationPortal: portal, PreparedStatement: name, Parameters: g.bindArgs(st), ResultFormatCodes: g.formats()})
	if g.chance(30) {
		b.add(&pgproto3.Describe{ObjectType: 'P', Name: portal})
	}
	g.execute(b, portal, st.rows)
}

// unnamedSegment appends Parse, Bind and Execute of the unnamed statement, without Sync.
func (g *diffGen) unnamedSegment(b *batch, fail bool) {
	st := g.template()
	sql := st.sql
	if fail {
		sql = g.badSQL()
	}
	b.add(&pgproto3.Parse{Query: sql, ParameterOIDs: st.oids})
	if g.chance(25) {
		b.add(&pgproto3.Describe{ObjectType: 'S'})
	}
	portal := g.newPortal()
	b.add(&pgproto3.Bind{DestinationPortal: portal, Parameters: st.args(), ResultFormatCodes: g.formats()})
	if g.chance(30) {
		b.add(&pgproto3.Describe{ObjectType: 'P', Name: portal})
	}
	g.execute(b, portal, st.rows)
}

// namedUnit uses a named statement, or only prepares and describes one (the pgx way).
func (g *diffGen) namedUnit() []DiffStep {
	b := (&batch{}).note("named")
	if g.chance(20) {
		name, st := g.freeName(), g.template()
		g.parse(b, name, st, g.chance(15))
		b.add(&pgproto3.Describe{ObjectType: 'S', Name: name})
		return []DiffStep{b.sync().step()}
	}
	g.namedSegment(b, false)
	return []DiffStep{b.sync().step()}
}

// unnamedUnit runs one statement through the unnamed statement.
func (g *diffGen) unnamedUnit() []DiffStep {
	b := (&batch{}).note("unnamed")
	g.unnamedSegment(b, g.chance(10))
	return []DiffStep{b.sync().step()}
}

// prepareOnlyUnit sends named Parses and a Sync alone (libpq's PQprepare), some of them failing.
func (g *diffGen) prepareOnlyUnit() []DiffStep {
	b := (&batch{}).note("prepare-only")
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		name := g.freeName()
		if _, taken := g.live[name]; taken && !g.has(DiffMisuse) {
			break // every name is defined: a Parse would fail with 42P05
		}
		if g.has(DiffMisuse) && g.chance(25) && g.liveName() != "" {
			name = g.liveName() // already defined: 42P05
		}
		st := g.template()
		sql := st.sql
		if g.chance(30) {
			sql = g.badSQL()
		}
		b.add(&pgproto3.Parse{Name: name, Query: sql, ParameterOIDs: st.oids})
		g.define(name, st)
	}
	if len(b.buf) == 0 {
		return g.deallocAllUnit()
	}
	steps := []DiffStep{b.sync().step()}
	if g.chance(60) {
		steps = append(steps, g.namedUnit()...)
	}
	return steps
}

// closeUnit closes a statement (defined or not) or a portal, sometimes redefining the name at once.
func (g *diffGen) closeUnit() []DiffStep {
	b := (&batch{}).note("close")
	name := g.liveName()
	if name == "" || g.chance(20) {
		name = diffNames[g.r.IntN(len(diffNames))]
	}
	b.add(&pgproto3.Close{ObjectType: 'S', Name: name})
	g.forget(name)
	if g.chance(40) {
		st := g.template()
		b.add(&pgproto3.Parse{Name: name, Query: st.sql, ParameterOIDs: st.oids},
			&pgproto3.Bind{PreparedStatement: name, Parameters: st.args()}, &pgproto3.Execute{})
		g.define(name, st)
	}
	if g.chance(25) {
		b.add(&pgproto3.Close{ObjectType: 'P', Name: "p_never"})
	}
	steps := []DiffStep{b.sync().step()}
	return append(steps, g.reuseSteps(name)...)
}

// reuseSteps sometimes binds a name again after it was closed or deallocated.
func (g *diffGen) reuseSteps(name string) []DiffStep {
	if name == "" || !g.chance(60) {
		return nil
	}
	b := (&batch{}).note("reuse " + name)
	args := g.vals("1")
	if st, ok := g.last[name]; ok {
		args = g.bindArgs(st)
	}
	b.add(&pgproto3.Bind{PreparedStatement: name, Parameters: args}, &pgproto3.Execute{})
	if g.chance(50) {
		b.add(&pgproto3.Describe{ObjectType: 'S', Name: name})
	}
	return []DiffStep{b.sync().step()}
}

// deallocAllUnit is the one form every pooler handles: a leading simple DEALLOCATE ALL.
func (g *diffGen) deallocAllUnit() []DiffStep {
	name := g.liveName()
	g.forgetAll()
	steps := []DiffStep{(&batch{}).note("deallocate-all").query("DEALLOCATE ALL").step()}
	return append(steps, g.reuseSteps(name)...)
}

// deallocUnit deallocates one statement or all of them in one of the many forms PostgreSQL
// accepts, then sometimes uses the name again (26000 when it is gone).
func (g *diffGen) deallocUnit() []DiffStep {
	name := g.liveName()
	if name == "" {
		name = diffNames[g.r.IntN(len(diffNames))]
	}
	b, all := g.deallocBatch(name)
	if all {
		g.forgetAll()
	} else {
		g.forget(name)
	}
	return append([]DiffStep{b.step()}, g.reuseSteps(name)...)
}

// deallocBatch builds one DEALLOCATE or DISCARD ALL form; all tells whether it drops every statement.
func (g *diffGen) deallocBatch(name string) (*batch, bool) {
	id := quoteName(name)
	b := (&batch{}).note("dealloc")
	extended := func(stmt, sql string) {
		b.add(&pgproto3.Parse{Name: stmt, Query: sql}, &pgproto3.Bind{PreparedStatement: stmt}, &pgproto3.Execute{})
		if stmt != "" {
			b.add(&pgproto3.Close{ObjectType: 'S', Name: stmt})
		}
		b.sync()
	}
	switch g.r.IntN(12) {
	case 0:
		b.query("DEALLOCATE " + id)
	case 1:
		b.query("deallocate prepare " + id + ";")
	case 2:
		b.query("SELECT 1 AS before; DEALLOCATE " + id)
	case 3:
		b.query("DEALLOCATE " + id + "; SELECT 2 AS after")
	case 4:
		extended("", "DEALLOCATE "+id)
	case 5:
		extended("dealloc_stmt", "DEALLOCATE "+id)
	case 6:
		b.query(g.pick("deallocate all", "  DEALLOCATE PREPARE ALL", "/* pool */ DEALLOCATE ALL", "DEALLOCATE ALL;"))
		return b, true
	case 7:
		b.query("SELECT 1 AS one; DEALLOCATE ALL")
		return b, true
	case 8:
		extended(g.pick("", "dealloc_all"), "DEALLOCATE ALL")
		return b, true
	case 9:
		b.query(g.pick("DISCARD ALL", "discard all;"))
		return b, true
	case 10:
		b.query("DISCARD ALL; SELECT 3 AS three") // 25001: not in a transaction block
	default:
		extended("", "DISCARD ALL")
		return b, true
	}
	return b, false
}
