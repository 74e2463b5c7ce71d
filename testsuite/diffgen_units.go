// Differential protocol test: generator units for simple queries, pipelines, Flush, transactions and leaving clients.

package testsuite

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
)

// simpleSQL is one simple-protocol statement on the client's table (some fail, some warn).
func (g *diffGen) simpleSQL() string {
	t := g.table
	switch g.r.IntN(12) {
	case 0:
		return "SELECT id, v, n FROM " + t + " ORDER BY id"
	case 1:
		return fmt.Sprintf("INSERT INTO %s (id, v, n) VALUES (%s, '%s', %d)", t, g.rowID(), g.word(), g.r.IntN(50))
	case 2:
		return fmt.Sprintf("UPDATE %s SET n = n + 1 WHERE id <= %d", t, g.r.IntN(15))
	case 3:
		return g.pick("", " ", ";")
	case 4:
		return g.pick("SHOW DateStyle", "SHOW work_mem", "SHOW TimeZone")
	case 5:
		return "SELECT 1 / 0 AS boom"
	case 6:
		return g.pick("COMMIT", "ROLLBACK") // outside a transaction: WARNING 25P01
	case 7:
		return "SELECT repeat('ab', 5) AS r, NULL::text AS z, 1.5::numeric AS x, '2020-01-02'::date AS d, '{1,2}'::int[] AS arr"
	case 8:
		return "SELECT count(*) FROM " + t
	case 9:
		return fmt.Sprintf("DELETE FROM %s WHERE id = %d", t, g.r.IntN(12))
	case 10:
		return "SELECT * FROM diff_no_such_table"
	}
	return "DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$"
}

// failingSQL is a statement that fails while running.
func (g *diffGen) failingSQL() string {
	return g.pick("SELECT 1 / 0 AS boom", "SELECT * FROM diff_no_such_table",
		fmt.Sprintf("INSERT INTO %s (id, v, n) VALUES (%d, 'dup', 0)", g.table, 1+g.r.IntN(10)),
		"SELECT 'abc'::int")
}

// simpleUnit is one Query with one statement.
func (g *diffGen) simpleUnit() []DiffStep {
	return []DiffStep{(&batch{}).note("simple").query(g.simpleSQL()).step()}
}

// multiUnit is one Query with several statements, sometimes failing in the middle.
func (g *diffGen) multiUnit() []DiffStep {
	b := (&batch{}).note("multi")
	switch g.r.IntN(5) {
	case 0:
		return []DiffStep{b.query(g.pick("SET LOCAL DateStyle = 'German'; SELECT '2021-03-04'::date::text AS d",
			"SET LOCAL TimeZone = 'Asia/Tokyo'; SELECT '2020-01-02 03:04:05+00'::timestamptz::text AS ts; SHOW TimeZone")).step()}
	case 1:
		return []DiffStep{b.query(fmt.Sprintf("BEGIN; UPDATE %s SET n = n + 2 WHERE id = 3; SELECT n FROM %s WHERE id = 3; COMMIT",
			g.table, g.table)).step()}
	}
	n := 2 + g.r.IntN(4)
	fail := -1
	if g.chance(50) {
		fail = 1 + g.r.IntN(n-1)
	}
	sql := ""
	for i := range n {
		if i > 0 {
			sql += "; "
		}
		if i == fail {
			sql += g.failingSQL()
		} else {
			sql += g.simpleSQL()
		}
	}
	return []DiffStep{b.query(sql).step()}
}

// pipelineUnit sends several Sync-terminated segments at once, the middle one often failing,
// sometimes wrapped in BEGIN ... COMMIT sent as segments of their own.
func (g *diffGen) pipelineUnit() []DiffStep {
	b := (&batch{}).note("pipeline")
	n := 2 + g.r.IntN(3)
	fail := -1
	if g.chance(75) {
		fail = n / 2
	}
	tx := g.chance(25)
	if tx {
		b.add(&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}).sync()
	}
	for i := range n {
		switch {
		case i == fail && g.chance(25):
			b.add(&pgproto3.Bind{PreparedStatement: "no_such_stmt"}, &pgproto3.Execute{})
		case i == fail && g.chance(35):
			b.add(&pgproto3.Parse{Query: "SELECT 10 / $1::int AS q"}, &pgproto3.Bind{Parameters: g.vals("0")}, &pgproto3.Execute{})
		case g.chance(50):
			g.namedSegment(b, i == fail)
		default:
			g.unnamedSegment(b, i == fail)
		}
		b.sync()
	}
	if tx {
		b.add(&pgproto3.Parse{Query: g.pick("COMMIT", "ROLLBACK")}, &pgproto3.Bind{}, &pgproto3.Execute{}).sync()
	}
	return []DiffStep{b.step()}
}

// flushUnit runs a segment ended by Flush (the answers must come without a Sync), then a Sync.
func (g *diffGen) flushUnit() []DiffStep {
	b := (&batch{}).note("flush")
	if g.chance(50) {
		g.unnamedSegment(b, g.chance(10))
	} else {
		g.namedSegment(b, g.chance(10))
	}
	b.add(&pgproto3.Flush{})
	execs := 0
	for _, sp := range frameSpans(b.buf) {
		if b.buf[sp[0]] == 'E' {
			execs++
		}
	}
	first := DiffStep{Label: "flush", Batch: b.buf, Until: "CsI", UntilN: execs}
	next := (&batch{}).note("after-flush")
	if g.chance(40) {
		next.add(&pgproto3.Execute{MaxRows: 1})
	}
	return []DiffStep{first, next.sync().step()}
}

// txUnit is an explicit transaction: BEGIN, a few steps (errors, savepoints, SET LOCAL,
// portals and cursors kept across Syncs), then COMMIT or ROLLBACK.
func (g *diffGen) txUnit() []DiffStep {
	steps := []DiffStep{g.beginStep()}
	for k := 1 + g.r.IntN(3); k > 0; k-- {
		steps = append(steps, g.inTxSteps()...)
	}
	return append(steps, g.endSteps()...)
}

func (g *diffGen) beginStep() DiffStep {
	b := (&batch{}).note("begin")
	switch g.r.IntN(5) {
	case 0:
		b.add(&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}).sync()
	case 1:
		b.query(fmt.Sprintf("BEGIN; INSERT INTO %s (id, v, n) VALUES (%s, 'in-tx', 1)", g.table, g.rowID()))
	default:
		b.query(g.pick("BEGIN", "START TRANSACTION ISOLATION LEVEL REPEATABLE READ", "begin read write"))
	}
	return b.step()
}

// inTxSteps is one piece of work inside a transaction.
func (g *diffGen) inTxSteps() []DiffStep {
	b := (&batch{}).note("in-tx")
	switch g.r.IntN(10) {
	case 0:
		return []DiffStep{b.query(g.simpleSQL()).step()}
	case 1:
		return []DiffStep{b.query("SAVEPOINT sp1").step(), (&batch{}).query(g.failingSQL()).step(),
			(&batch{}).query(g.pick("ROLLBACK TO SAVEPOINT sp1", "RELEASE SAVEPOINT sp1")).step()}
	case 2:
		return []DiffStep{b.query(g.pick("SET LOCAL work_mem = '7MB'; SHOW work_mem",
			"SET LOCAL DateStyle = 'SQL, DMY'", "SET LOCAL TimeZone = 'America/Lima'")).step(),
			(&batch{}).query("SHOW DateStyle; SHOW TimeZone; SELECT '2020-01-02 03:04:05+00'::timestamptz::text AS ts").step()}
	case 3:
		return []DiffStep{b.query(g.failingSQL()).step()}
	case 4:
		b.add(&pgproto3.Parse{Query: "SELECT id, v FROM " + g.table + " ORDER BY id"},
			&pgproto3.Bind{DestinationPortal: "cur"}, &pgproto3.Execute{Portal: "cur", MaxRows: 2}).sync()
		next := (&batch{}).add(&pgproto3.Execute{Portal: "cur", MaxRows: 3}, &pgproto3.Close{ObjectType: 'P', Name: "cur"}).sync()
		return []DiffStep{b.step(), next.step()}
	case 5:
		return []DiffStep{b.query("DECLARE c1 CURSOR FOR SELECT id, n FROM " + g.table + " ORDER BY id; FETCH 2 FROM c1").step(),
			(&batch{}).query("FETCH ALL FROM c1; CLOSE c1").step()}
	case 6:
		return g.copyIn(true)
	case 7:
		if g.has(DiffDeallocate) {
			return g.deallocUnit()
		}
	case 8:
		g.unnamedSegment(b, g.chance(15))
		return []DiffStep{b.sync().step()}
	}
	g.namedSegment(b, false)
	return []DiffStep{b.sync().step()}
}

// endSteps end the transaction, whatever state it is in.
func (g *diffGen) endSteps() []DiffStep {
	b := (&batch{}).note("end")
	switch g.r.IntN(6) {
	case 0:
		b.add(&pgproto3.Parse{Query: "COMMIT"}, &pgproto3.Bind{}, &pgproto3.Execute{}).sync()
	case 1:
		b.query("COMMIT; SELECT 1 AS after")
	case 2:
		return []DiffStep{b.query("COMMIT AND CHAIN").step(), (&batch{}).query("ROLLBACK").step()}
	default:
		b.query(g.pick("COMMIT", "ROLLBACK", "END"))
	}
	return []DiffStep{b.step()}
}

// leaveUnit is the client's last unit: it leaves abruptly in the way kind says.
func (g *diffGen) leaveUnit(kind LeaveKind) []DiffStep {
	var steps []DiffStep
	switch kind {
	case LeaveInBatch:
		steps = g.unit()
	case LeaveInCopy:
		if g.chance(50) {
			return g.copyLate(true)
		}
		steps = g.copyIn(false)
	case LeaveAfter:
		steps = append([]DiffStep{g.beginStep()}, g.inTxSteps()...)
		if g.chance(50) {
			kind = LeaveInBatch
			steps = append(steps, g.inTxSteps()...)
		}
	case LeaveTerminate:
		b := (&batch{}).note("terminate")
		if g.chance(50) {
			b.query(g.simpleSQL())
		}
		steps = []DiffStep{b.add(&pgproto3.Terminate{}).step()}
	}
	last := &steps[len(steps)-1]
	last.Leave = kind
	switch kind {
	case LeaveInBatch:
		last.Cut, last.CutWhere = g.cutPoint(last.Batch)
	case LeaveInCopy:
		last.Cut, last.CutWhere = g.cutPoint(last.Copy)
	}
	return steps
}

// cutPoint picks where a leaving client stops writing buf: at a frame's end, inside a
// header or inside a body. where starts with that kind.
func (g *diffGen) cutPoint(buf []byte) (at int, where string) {
	spans := frameSpans(buf)
	sp := spans[g.r.IntN(len(spans))]
	body := sp[1] - sp[0] - 5
	kind := "body"
	switch {
	case g.chance(34):
		at, kind = sp[1], "frame-end"
	case body < 2 || g.chance(50):
		at, kind = sp[0]+1+g.r.IntN(4), "header"
	default:
		at = sp[0] + 5 + 1 + g.r.IntN(body-1)
	}
	return at, fmt.Sprintf("%s of %q@%d, cut at byte %d of %d", kind, buf[sp[0]], sp[0], at, len(buf))
}
